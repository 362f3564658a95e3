import { describe, expect, it } from '@jest/globals';
import {
  checkEncodable,
  decodeValue,
  encodeValue,
  wordCount,
  type Encoding,
} from '../../../../src/adapters/modbus/codec';
import type { ModbusOrder, ModbusType } from '../../../../src/config/modbus';

const enc = (type: ModbusType, order: ModbusOrder = 'ABCD', scale = 1, offset = 0): Encoding => ({
  type,
  order,
  scale,
  offset,
});

describe('Modbus codec: known register images', () => {
  // float32 1.0 is 0x3F800000; int32 0x01020304; each order as it appears on the wire.
  it.each<[ModbusType, ModbusOrder, number, number[]]>([
    ['float32', 'ABCD', 1.0, [0x3f80, 0x0000]],
    ['float32', 'CDAB', 1.0, [0x0000, 0x3f80]],
    ['float32', 'BADC', 1.0, [0x803f, 0x0000]],
    ['float32', 'DCBA', 1.0, [0x0000, 0x803f]],
    ['int32', 'ABCD', 0x01020304, [0x0102, 0x0304]],
    ['int32', 'CDAB', 0x01020304, [0x0304, 0x0102]],
    ['int32', 'BADC', 0x01020304, [0x0201, 0x0403]],
    ['int32', 'DCBA', 0x01020304, [0x0403, 0x0201]],
    ['uint32', 'ABCD', 4294967295, [0xffff, 0xffff]],
    ['int16', 'ABCD', -2, [0xfffe]],
    ['int16', 'BADC', 0x0102, [0x0201]],
    ['uint16', 'ABCD', 65535, [0xffff]],
    ['uint64', 'ABCD', 2 ** 40 + 5, [0x0000, 0x0100, 0x0000, 0x0005]],
    ['uint64', 'CDAB', 2 ** 40 + 5, [0x0005, 0x0000, 0x0100, 0x0000]],
    ['int64', 'ABCD', -1, [0xffff, 0xffff, 0xffff, 0xffff]],
    ['float64', 'ABCD', 1.0, [0x3ff0, 0, 0, 0]],
    ['float64', 'DCBA', 1.0, [0, 0, 0, 0xf03f]],
  ])('%s %s %d ⇄ %j', (type, order, value, words) => {
    expect(encodeValue(value, enc(type, order))).toEqual(words);
    expect(decodeValue(words, enc(type, order))).toBe(value);
  });

  it('applies scale and offset: value = raw × scale + offset', () => {
    const e = enc('int16', 'ABCD', 0.1, -40);
    expect(encodeValue(21.5, e)).toEqual([615]); // (21.5 + 40) / 0.1
    expect(decodeValue([615], e)).toBeCloseTo(21.5, 10);
    expect(decodeValue([0xff9c], enc('int16', 'ABCD', 0.1))).toBeCloseTo(-10, 10);
  });

  it('rounds integer types and refuses what does not fit, instead of wrapping', () => {
    expect(encodeValue(12.34, enc('int16', 'ABCD', 0.1))).toEqual([123]);
    expect(() => encodeValue(3276.8, enc('int16', 'ABCD', 0.1))).toThrow(RangeError);
    expect(() => encodeValue(-1, enc('uint16'))).toThrow(RangeError);
    expect(() => encodeValue(2 ** 32, enc('uint32'))).toThrow(RangeError);
    expect(() => encodeValue(Number.NaN, enc('float32'))).toThrow(RangeError);
    expect(() => encodeValue(1e39, enc('float32'))).toThrow(RangeError);
  });

  it('bits, bools and strings', () => {
    const bit = { ...enc('bit'), bit: 3 };
    expect(decodeValue([0b1000], bit)).toBe(true);
    expect(decodeValue([0b0111], bit)).toBe(false);
    expect(encodeValue(true, bit, 0b0001)).toEqual([0b1001]); // keeps the other bits
    expect(encodeValue(false, bit, 0b1111)).toEqual([0b0111]);
    expect(decodeValue([1], enc('bool'))).toBe(true);
    const str = { ...enc('string'), length: 3 };
    expect(encodeValue('HP-1', str)).toEqual([0x4850, 0x2d31, 0x0000]);
    expect(decodeValue([0x4850, 0x2d31, 0x0000], str)).toBe('HP-1');
    expect(decodeValue([0x5048, 0x312d], { ...enc('string', 'BADC'), length: 2 })).toBe('HP-1');
    expect(wordCount(str)).toBe(3);
  });

  it('round-trips every type in every order', () => {
    const samples: [ModbusType, number][] = [
      ['int16', -12345],
      ['uint16', 54321],
      ['int32', -123456789],
      ['uint32', 3123456789],
      ['int64', -9007199254740991],
      ['uint64', 9007199254740991],
      ['float32', 1234.5],
      ['float64', -98765.4321],
    ];
    for (const order of ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const) {
      for (const [type, value] of samples) {
        expect(decodeValue(encodeValue(value, enc(type, order)), enc(type, order))).toBe(value);
      }
    }
  });

  it('needs all the registers of a value', () => {
    expect(() => decodeValue([1], enc('float32'))).toThrow('need 2 registers for float32, got 1');
  });
});

describe('Modbus codec: which values a register holds, at the edges of its range', () => {
  const at = (type: ModbusType, scale = 1, offset = 0): Encoding =>
    enc(type, 'ABCD', scale, offset);

  it.each<[string, number, Encoding, string | undefined]>([
    // Rounded first, −32768.5 was "in range" and got "nearest -32769 or -32768".
    [
      'half a step below an int16',
      -32768.5,
      at('int16'),
      '-32768.5 is outside what an int16 register holds (-32768 to 32767)',
    ],
    [
      'half a step above an int16',
      32767.5,
      at('int16'),
      '32767.5 is outside what an int16 register holds (-32768 to 32767)',
    ],
    [
      'between the two top steps of an int16',
      32766.5,
      at('int16'),
      '32766.5 cannot be held exactly by an int16 register (nearest 32766 or 32767)',
    ],
    ['the ends of an int16', -32768, at('int16'), undefined],
    // Float noise past the end (32767.000000000004) is the end step, not out of range.
    ['the top of an int16 at scale 0.001', 32.767, at('int16', 0.001), undefined],
    [
      'just below an unsigned register',
      -0.4,
      at('uint16'),
      '-0.4 is outside what a uint16 register holds (0 to 65535)',
    ],
    [
      'below a scaled unsigned register',
      -0.05,
      at('uint16', 0.1),
      '-0.05 is outside what a uint16 register with scale 0.1 holds (0 to 6553.5)',
    ],
    // 4290402.627 / 0.001 is 4290402627.0000005: noise, not a fraction (1e-6, the old fixed
    // bound, only just held it; with an offset the noise doubles).
    ['a large uint32 at scale 0.001', 4290402.627, at('uint32', 0.001), undefined],
    [
      'a large uint32 at scale 0.001 with an offset',
      4286962.98,
      at('uint32', 0.001, -273.15),
      undefined,
    ],
    ['a large int32 at scale 0.001', -2147483.648, at('int32', 0.001), undefined],
    // 5743295244.433 / 0.001 is 5743295244432.999: a Wh counter's step, refused at 1e-6.
    ['a large int64 counter at scale 0.001', 5743295244.433, at('int64', 0.001), undefined],
    // A tolerance of 1e-9 × |raw| (4.3 steps here) would take a half step for a whole one.
    [
      'half a step on a large uint32 at scale 0.001',
      4000000.0005,
      at('uint32', 0.001),
      '4000000.0005 cannot be held exactly by a uint32 register with scale 0.001 (nearest 4000000 or 4000000.001)',
    ],
    [
      'between the two top steps of an int32 at scale 0.001',
      2147483.6465,
      at('int32', 0.001),
      '2147483.6465 cannot be held exactly by an int32 register with scale 0.001 (nearest 2147483.646 or 2147483.647)',
    ],
    [
      'half a step above an int32 at scale 0.001',
      2147483.6475,
      at('int32', 0.001),
      '2147483.6475 is outside what an int32 register with scale 0.001 holds (-2147483.648 to 2147483.647)',
    ],
    ['a float32 within its range, between any steps', 2.55, at('float32'), undefined],
    ['the largest float32', 3.4028234663852886e38, at('float32'), undefined],
    [
      'beyond a float32, negative',
      -3.5e38,
      at('float32'),
      '-3.5e+38 is outside what a float32 register holds',
    ],
  ])('%s', (_label, value, encoding, expected) => {
    expect(checkEncodable(value, encoding)).toBe(expected);
  });

  it('what the check accepts, encodeValue writes to the step asked for', () => {
    for (const [value, encoding] of [
      [32.767, at('int16', 0.001)],
      [-32768, at('int16')],
      [4290402.627, at('uint32', 0.001)],
      [-2147483.648, at('int32', 0.001)],
    ] as const) {
      expect(decodeValue(encodeValue(value, encoding), encoding)).toBeCloseTo(value, 6);
    }
    // The encoder rounds a controller's value to the nearest step, which must be in range.
    expect(decodeValue(encodeValue(-32768.4, at('int16')), at('int16'))).toBe(-32768);
    expect(() => encodeValue(32767.5, at('int16'))).toThrow('outside what an int16 register holds');
  });
});
