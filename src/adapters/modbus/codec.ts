import { registerCount, type ModbusOrder, type ModbusType } from '../../config/modbus';
import { decimalsOf } from '../../domain/resolution';
import type { SampleValue } from '../../domain/sample';

/**
 * Encoding of engineering values into 16-bit Modbus registers and back.
 *
 * Byte order names follow the common convention (and pymodbus's byteorder/wordorder):
 * the value's bytes, most significant first, are A B C D (E F G H for 64 bits), and the name says
 * how they arrive on the wire:
 *   ABCD  big-endian bytes, big-endian words (the Modbus default)
 *   CDAB  big-endian bytes, words reversed ("word swap", common on PLCs and meters)
 *   BADC  bytes swapped within each word, words in order
 *   DCBA  fully little-endian
 * For 64-bit values "words reversed" reverses all four words (GH EF CD AB for CDAB).
 * 16-bit values only honour the byte swap (BADC and DCBA swap the two bytes).
 */

export interface Encoding {
  type: ModbusType;
  order: ModbusOrder;
  scale: number;
  offset: number;
  /** Registers of a string value. */
  length?: number;
  /** Bit of a register, for type `bit`. */
  bit?: number;
}

const byteSwapped = (order: ModbusOrder): boolean => order === 'BADC' || order === 'DCBA';
const wordsReversed = (order: ModbusOrder): boolean => order === 'CDAB' || order === 'DCBA';

/** Registers the value occupies: the config's `registerCount`, one rule for both. */
export function wordCount(enc: Pick<Encoding, 'type' | 'length'>): number {
  return registerCount(enc.type, enc.length);
}

/** Big-endian bytes of the value → registers in the wire order. */
function bytesToWords(bytes: Buffer, order: ModbusOrder): number[] {
  const words: number[] = [];
  for (let i = 0; i < bytes.length; i += 2) {
    const hi = bytes[i]!;
    const lo = bytes[i + 1]!;
    words.push(byteSwapped(order) ? (lo << 8) | hi : (hi << 8) | lo);
  }
  return wordsReversed(order) ? words.reverse() : words;
}

/** Registers in wire order → the value's big-endian bytes. */
function wordsToBytes(words: readonly number[], order: ModbusOrder): Buffer {
  const ordered = wordsReversed(order) ? [...words].reverse() : words;
  const bytes = Buffer.alloc(ordered.length * 2);
  ordered.forEach((w, i) => {
    const hi = (w >> 8) & 0xff;
    const lo = w & 0xff;
    bytes[2 * i] = byteSwapped(order) ? lo : hi;
    bytes[2 * i + 1] = byteSwapped(order) ? hi : lo;
  });
  return bytes;
}

type NumericType = Exclude<ModbusType, 'bool' | 'bit' | 'string'>;

/** Each numeric type's big-endian bytes, read and written: one table for both directions. */
const NUMERIC: Record<
  NumericType,
  { read(b: Buffer): number; write(b: Buffer, raw: number): void }
> = {
  int16: { read: (b) => b.readInt16BE(0), write: (b, v) => b.writeInt16BE(v) },
  uint16: { read: (b) => b.readUInt16BE(0), write: (b, v) => b.writeUInt16BE(v) },
  int32: { read: (b) => b.readInt32BE(0), write: (b, v) => b.writeInt32BE(v) },
  uint32: { read: (b) => b.readUInt32BE(0), write: (b, v) => b.writeUInt32BE(v) },
  float32: { read: (b) => b.readFloatBE(0), write: (b, v) => b.writeFloatBE(v) },
  float64: { read: (b) => b.readDoubleBE(0), write: (b, v) => b.writeDoubleBE(v) },
  // Beyond 2^53 a JS number loses precision; energy counters never get there.
  int64: {
    read: (b) => Number(b.readBigInt64BE(0)),
    write: (b, v) => b.writeBigInt64BE(BigInt(v)),
  },
  uint64: {
    read: (b) => Number(b.readBigUInt64BE(0)),
    write: (b, v) => b.writeBigUInt64BE(BigInt(v)),
  },
};

/** The raw integer or float a register value holds, before scale and offset. */
export function decodeRaw(
  words: readonly number[],
  enc: Encoding,
  at = 0,
): number | string | boolean {
  const n = wordCount(enc);
  if (words.length - at < n)
    throw new RangeError(
      `need ${n} registers for ${enc.type}, got ${Math.max(words.length - at, 0)}`,
    );
  if (isWordType(enc.type)) return rawWord(words[at]!, enc);
  const w = words.slice(at, at + n);
  if (enc.type === 'bit') return ((w[0]! >> (enc.bit ?? 0)) & 1) === 1;
  if (enc.type === 'bool') return w[0]! !== 0;
  if (enc.type === 'string') {
    // Two ASCII characters per register, first character in the high byte; devices pad the end
    // with NULs or spaces.
    return wordsToBytes(w, byteSwapped(enc.order) ? 'BADC' : 'ABCD')
      .toString('latin1')
      .replace(/[\0 ]+$/, '');
  }
  return NUMERIC[enc.type].read(wordsToBytes(w, enc.order));
}

/**
 * A 16-bit register's raw value. One register, no Buffer: the allocation per value was the
 * adapter's largest cost with thousands of registers polled (the Modbus benchmark).
 */
function rawWord(word: number, enc: Encoding): number {
  let v = word & 0xffff;
  if (byteSwapped(enc.order)) v = ((v & 0xff) << 8) | (v >> 8);
  return enc.type === 'int16' ? (v << 16) >> 16 : v;
}

/** Is this a one-register integer, which `decodeWord` decodes? */
export function isWordType(type: ModbusType): boolean {
  return type === 'uint16' || type === 'int16';
}

/**
 * The engineering value of one register of a `uint16` or `int16` encoding (`isWordType`): the
 * same as `decodeValue`, without its checks, for the adapter's loop over every register read.
 */
export function decodeWord(word: number, enc: Encoding): number {
  return rawWord(word, enc) * enc.scale + enc.offset;
}

/** The engineering value of registers: raw × scale + offset (numbers), or the bool/string. */
export function decodeValue(
  words: readonly number[],
  enc: Encoding,
  at = 0,
): number | boolean | string {
  const raw = decodeRaw(words, enc, at);
  return typeof raw === 'number' ? raw * enc.scale + enc.offset : raw;
}

const FLOAT32_MAX = 3.4028234663852886e38;

const INT_RANGE: Partial<Record<ModbusType, [number, number]>> = {
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x80000000, 0x7fffffff],
  uint32: [0, 0xffffffff],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

/**
 * Is this raw value within the register's range? Callers pass what they mean: the rounded step
 * that will be written (rawOf), or the value as asked (checkEncodable), since rounding first
 * would let −32768.5 pass on an int16 and then suggest −32769, which it cannot hold.
 */
function inRange(raw: number, type: ModbusType): boolean {
  const range = INT_RANGE[type];
  if (range) return raw >= range[0] && raw <= range[1];
  return type !== 'float32' || Math.abs(raw) <= FLOAT32_MAX;
}

/** What a register holds, as people read it: `a uint16 register with scale 0.1`. */
function registerText(enc: Encoding): string {
  const parts = [
    ...(enc.scale !== 1 ? [`scale ${enc.scale}`] : []),
    ...(enc.offset !== 0 ? [`offset ${enc.offset}`] : []),
  ];
  const article = enc.type.startsWith('int') ? 'an' : 'a';
  return `${article} ${enc.type} register${parts.length > 0 ? ` with ${parts.join(' and ')}` : ''}`;
}

/** The raw value an engineering value encodes to (rounded for integer types), or why it cannot. */
export function rawOf(value: number, enc: Encoding): number {
  if (!Number.isFinite(value)) throw new RangeError(`cannot encode ${value} as ${enc.type}`);
  const exact = (value - enc.offset) / enc.scale;
  // What is written is the nearest step, so that is what must fit.
  const raw = INT_RANGE[enc.type] ? Math.round(exact) : exact;
  if (!inRange(raw, enc.type))
    throw new RangeError(`${value} is outside what ${registerText(enc)} holds`);
  return raw;
}

/**
 * How far a raw value may be off a whole step and still be that step: float noise (78.1 / 0.1 is
 * 780.9999999999999), not a value between two steps. The noise of (value − offset) / scale grows
 * with its operands (about an ulp of (|value| + |offset|) / |scale|: 1e-6 for a uint32 at scale
 * 0.001, 1e-3 for an int64 energy counter there), so a fixed bound refused large raws; a bound
 * relative to the raw alone (1e-9 × |raw|) would pass half steps above 5e8 and miss the noise an
 * offset brings.
 */
function exactTolerance(value: number, enc: Encoding): number {
  const magnitude = (Math.abs(value) + Math.abs(enc.offset)) / Math.abs(enc.scale);
  return Math.max(1e-9, 16 * Number.EPSILON * magnitude);
}

/**
 * Why the register cannot hold `value`, or undefined when it can: the check an operator's value
 * gets before it is accepted (DeviceAdapter.checkValue). Stricter than `encodeValue`, which rounds
 * to the register's step because a controller's ramp value (80.8333 °C) means the step nearest
 * to it: an operator who asks for 2.55 on a register of 0.1 steps is refused with the two values
 * it can hold, since the device would otherwise hold a value nobody asked for while the API says
 * 2.55. Out of the register's range is always refused (encodeValue refuses it too, later, at the
 * device). Pure.
 */
export function checkEncodable(value: SampleValue, enc: Encoding): string | undefined {
  const v = String(value);
  if (enc.type === 'bool' || enc.type === 'bit') {
    if (typeof value === 'boolean' || value === 0 || value === 1) return undefined;
    return `${v} cannot be held by a ${enc.type === 'bit' ? 'register bit' : 'coil'}: true or false only`;
  }
  if (enc.type === 'string') {
    if (typeof value !== 'string') return `${v} cannot be held by a text register: text only`;
    const chars = wordCount(enc) * 2;
    if ([...value].some((c) => c.codePointAt(0)! > 0xff))
      return `${v} cannot be held by a text register: Latin-1 only`;
    if (value.length > chars)
      return `${v} is longer than the ${chars} characters the registers hold`;
    return undefined;
  }
  const held = registerText(enc);
  if (typeof value !== 'number') return `${v} cannot be held by ${held}: numbers only`;
  if (!Number.isFinite(value)) return `${v} is not a finite number`;
  const asked = (value - enc.offset) / enc.scale;
  const range = INT_RANGE[enc.type];
  // A raw within noise of a step is that step (32.767 / 0.001 is 32767.000000000004, which an
  // int16 holds); otherwise the range is checked on the value as asked, not rounded, so the two
  // steps suggested below lie between the range's whole-number ends and the register holds both.
  const onStep =
    range !== undefined && Math.abs(asked - Math.round(asked)) <= exactTolerance(value, enc);
  const raw = onStep ? Math.round(asked) : asked;
  if (!inRange(raw, enc.type)) {
    const limits = range
      ? ` (${[engineering(range[0], enc), engineering(range[1], enc)].sort((a, b) => a - b).join(' to ')})`
      : '';
    return `${v} is outside what ${held} holds${limits}`;
  }
  if (range && !onStep) {
    const nearest = [engineering(Math.floor(raw), enc), engineering(Math.ceil(raw), enc)];
    return `${v} cannot be held exactly by ${held} (nearest ${nearest.sort((a, b) => a - b).join(' or ')})`;
  }
  return undefined;
}

/** The engineering value of a raw step, at the scale's decimals (no 6553.500000000001). */
function engineering(raw: number, enc: Encoding): number {
  const decimals = Math.max(decimalsOf(Math.abs(enc.scale)), decimalsOf(Math.abs(enc.offset)));
  return Number((raw * enc.scale + enc.offset).toFixed(decimals));
}

/**
 * Registers for an engineering value. For `bit`, `current` is the register the bit lives in (the
 * other bits are kept). Throws RangeError for a value the type cannot hold: never wraps silently.
 */
export function encodeValue(
  value: number | boolean | string,
  enc: Encoding,
  current = 0,
): number[] {
  if (enc.type === 'bool') return [value ? 1 : 0];
  if (enc.type === 'bit') {
    const mask = 1 << (enc.bit ?? 0);
    return [value ? current | mask : current & ~mask & 0xffff];
  }
  if (enc.type === 'string') {
    const n = wordCount(enc);
    const bytes = Buffer.alloc(n * 2);
    Buffer.from(String(value), 'latin1').copy(bytes, 0, 0, n * 2);
    return bytesToWords(bytes, byteSwapped(enc.order) ? 'BADC' : 'ABCD');
  }
  if (typeof value !== 'number')
    throw new TypeError(`${enc.type} needs a number, got ${typeof value}`);
  const raw = rawOf(value, enc);
  const b = Buffer.alloc(wordCount(enc) * 2);
  NUMERIC[enc.type].write(b, raw);
  return bytesToWords(b, enc.order);
}
