import { describe, expect, it } from '@jest/globals';
import { isPointId, parsePointId, pointId, splitPointId } from '../../../src/domain/point-id';

describe('point ids', () => {
  it.each([
    ['hp1/condenser_out_temp', true],
    ['hall-1/cdu_supply_temp', true],
    ['a/b', true],
    ['HP1/temp', false], // upper case would split series in InfluxDB and URLs
    ['hp1', false],
    ['hp1/', false],
    ['/temp', false],
    ['hp1/temp/x', false],
    ['1hp/temp', false],
    ['hp1/temp value', false],
    [`hp1/${'x'.repeat(64)}`, true],
    [`hp1/${'x'.repeat(65)}`, false],
  ])('%s valid: %s', (id, valid) => {
    expect(isPointId(id)).toBe(valid);
  });

  it('builds and splits', () => {
    const id = pointId('hp1', 'load_setpoint');
    expect(id).toBe('hp1/load_setpoint');
    expect(splitPointId(id)).toEqual({ device: 'hp1', point: 'load_setpoint' });
  });

  it('rejects bad parts with the offending id in the message', () => {
    expect(() => pointId('HP1', 'x')).toThrow('invalid point id "HP1/x"');
    expect(() => parsePointId('nope')).toThrow('invalid point id "nope"');
  });
});
