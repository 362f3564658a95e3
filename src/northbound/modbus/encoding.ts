import type { NorthboundWordOrder } from '../../config/northbound-modbus';
import type { Sample, SampleValue } from '../../domain/sample';
import { AGE_NONE, QUALITY_CODES } from './register-map';

/**
 * How values become registers and registers become values, for the northbound server. Bytes
 * within a register are always big-endian (Modbus); the word order of 32-bit values is the
 * config's `wordOrder` (ABCD: high word first).
 */

const scratch = Buffer.alloc(4);

/** A float32 as two registers in the given word order. */
export function floatWords(value: number, order: NorthboundWordOrder): [number, number] {
  scratch.writeFloatBE(value, 0);
  const hi = scratch.readUInt16BE(0);
  const lo = scratch.readUInt16BE(2);
  return order === 'ABCD' ? [hi, lo] : [lo, hi];
}

/** Two registers in the given word order as a float32. */
export function wordsFloat(words: readonly [number, number], order: NorthboundWordOrder): number {
  const [hi, lo] = order === 'ABCD' ? words : [words[1], words[0]];
  scratch.writeUInt16BE(hi, 0);
  scratch.writeUInt16BE(lo, 2);
  return scratch.readFloatBE(0);
}

/** An unsigned 32-bit integer (saturating) as two registers. */
export function uint32Words(value: number, order: NorthboundWordOrder): [number, number] {
  const v = Math.max(0, Math.min(0xffffffff, Math.floor(value)));
  const hi = Math.floor(v / 0x10000);
  const lo = v % 0x10000;
  return order === 'ABCD' ? [hi, lo] : [lo, hi];
}

/** A sample's value as a number for its float registers: NaN when there is none. */
export function numericValue(value: SampleValue | null | undefined): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return Number.NaN;
}

/**
 * The quality code of a point's latest sample: `stale` as well when a good sample has not been
 * renewed within the point's stale window (judged on HeatBridge's clock, like everywhere).
 */
export function qualityCode(sample: Sample | undefined, staleAfterMs: number, now: number): number {
  if (!sample || sample.value === null) return QUALITY_CODES.none;
  if (
    (sample.quality === 'good' || sample.quality === 'uncertain') &&
    now - sample.receivedAt > staleAfterMs
  )
    return QUALITY_CODES.stale;
  return QUALITY_CODES[sample.quality];
}

/** Seconds since the sample arrived, saturating (AGE_NONE: no sample). */
export function ageSeconds(sample: Sample | undefined, now: number): number {
  if (!sample) return AGE_NONE;
  return Math.max(0, Math.min(AGE_NONE, Math.floor((now - sample.receivedAt) / 1000)));
}
