import { registerCount, type ModbusOrder, type ModbusType } from '../../config/modbus';

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
export function decodeRaw(words: readonly number[], enc: Encoding): number | string | boolean {
  const n = wordCount(enc);
  if (words.length < n)
    throw new RangeError(`need ${n} registers for ${enc.type}, got ${words.length}`);
  if (enc.type === 'uint16' || enc.type === 'int16') {
    // One register, no Buffer: the allocation per value was the adapter's largest cost with
    // thousands of registers polled (the Modbus benchmark, docs/performance.md).
    let v = words[0]! & 0xffff;
    if (byteSwapped(enc.order)) v = ((v & 0xff) << 8) | (v >> 8);
    return enc.type === 'int16' ? (v << 16) >> 16 : v;
  }
  const w = words.slice(0, n);
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

/** The engineering value of registers: raw × scale + offset (numbers), or the bool/string. */
export function decodeValue(words: readonly number[], enc: Encoding): number | boolean | string {
  const raw = decodeRaw(words, enc);
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

/** The raw value an engineering value encodes to (rounded for integer types), or why it cannot. */
export function rawOf(value: number, enc: Encoding): number {
  if (!Number.isFinite(value)) throw new RangeError(`cannot encode ${value} as ${enc.type}`);
  const raw = (value - enc.offset) / enc.scale;
  const range = INT_RANGE[enc.type];
  if (!range) {
    if (enc.type === 'float32' && Math.abs(raw) > FLOAT32_MAX) {
      throw new RangeError(`${value} is outside what float32 holds`);
    }
    return raw;
  }
  const rounded = Math.round(raw);
  if (rounded < range[0] || rounded > range[1]) {
    throw new RangeError(
      `${value} is outside what ${enc.type} holds with scale ${enc.scale} and offset ${enc.offset}`,
    );
  }
  return rounded;
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
