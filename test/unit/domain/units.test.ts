import { describe, expect, it } from '@jest/globals';
import { UNITS, isUnit, valueTypeOfUnit } from '../../../src/domain/units';
import { isReadable, isWritable } from '../../../src/domain/point';

describe('units and access', () => {
  it('knows the units of DESIGN §2', () => {
    for (const u of ['degC', 'kW', 'kWh', 'm3/h', '%', 'bool', 'count'])
      expect(isUnit(u)).toBe(true);
    expect(isUnit('°C')).toBe(false);
    expect(isUnit('celsius')).toBe(false);
    expect(new Set(UNITS).size).toBe(UNITS.length);
  });

  it('maps units to value types', () => {
    expect(valueTypeOfUnit('bool')).toBe('boolean');
    expect(valueTypeOfUnit('text')).toBe('string');
    expect(valueTypeOfUnit('degC')).toBe('number');
  });

  it('tells readable from writable', () => {
    expect([isReadable({ access: 'r' }), isWritable({ access: 'r' })]).toEqual([true, false]);
    expect([isReadable({ access: 'w' }), isWritable({ access: 'w' })]).toEqual([false, true]);
    expect([isReadable({ access: 'rw' }), isWritable({ access: 'rw' })]).toEqual([true, true]);
  });
});
