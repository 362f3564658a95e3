import { describe, expect, it } from '@jest/globals';
import type { Encoding } from '../../../src/adapters/modbus/codec';
import { registerValueText } from '../../../src/cli/field-tools';

const enc = (over: Partial<Encoding>): Encoding => ({
  type: 'uint16',
  order: 'ABCD',
  scale: 1,
  offset: 0,
  ...over,
});

describe('a register value as `modbus read` prints it', () => {
  it('is a scaled integer at the decimals of its scale and offset, without float noise', () => {
    expect(registerValueText([419], enc({ type: 'int16', scale: 0.1 }))).toBe('41.9');
    expect(registerValueText([0xffe9], enc({ type: 'int16', scale: 0.1 }))).toBe('-2.3');
    expect(registerValueText([20], enc({ scale: 0.1 }))).toBe('2.0');
    expect(registerValueText([419], enc({ scale: 0.01, offset: -4 }))).toBe('0.19');
    expect(registerValueText([419], enc({ offset: 0.5 }))).toBe('419.5');
    expect(registerValueText([419], enc({}))).toBe('419');
  });

  it('is a float32 to the digits it holds, scaled on from there', () => {
    expect(registerValueText([0x4529, 0x172b], enc({ type: 'float32' }))).toBe('2705.448');
    expect(registerValueText([0x4227, 0x999a], enc({ type: 'float32' }))).toBe('41.9');
    expect(registerValueText([0x4227, 0x999a], enc({ type: 'float32', scale: 0.1 }))).toBe('4.19');
  });

  it('passes booleans and strings through', () => {
    expect(registerValueText([0x0004], enc({ type: 'bit', bit: 2 }))).toBe('true');
    expect(registerValueText([0x4142], enc({ type: 'string', length: 1 }))).toBe('AB');
  });
});
