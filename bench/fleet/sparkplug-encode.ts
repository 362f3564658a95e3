import { get } from 'sparkplug-payload';
import type { UMetric, UPayload } from 'sparkplug-payload/lib/sparkplugbpayload';
import type { FleetDevice } from './site-points';

/**
 * Sparkplug B payloads of a simulated edge: NBIRTH, DBIRTH (every metric with its name, alias,
 * datatype and engineering unit) and DDATA (alias, timestamp, value), the way a HeatBridge edge
 * publishes them. Two DDATA encoders:
 *
 * - `library`: Eclipse Tahu's `sparkplug-payload` (protobufjs), what an edge uses by default;
 * - `direct`: a hand-written protobuf writer for the one message shape DDATA has (alias,
 *   timestamp, datatype, a double or a boolean per metric) straight into a reused buffer. It
 *   writes the same bytes as the library for any subset of metrics, so a real edge could use it
 *   (it is not a template replayed with only the values changed); `decodePayload` reads it, and
 *   a test compares both encoders' output.
 */
const sparkplug = get('spBv1.0')!;
export const encodePayload = (p: UPayload): Uint8Array => sparkplug.encodePayload(p);
export const decodePayload = (b: Uint8Array): UPayload => sparkplug.decodePayload(b);

/** Sparkplug B datatypes used here (sparkplug_b.proto, DataType). */
const DOUBLE = 10;
const BOOLEAN = 11;

export function nbirth(bdSeq: number, ts: number): Uint8Array {
  return encodePayload({
    timestamp: ts,
    seq: 0,
    metrics: [
      { name: 'bdSeq', type: 'Int64', value: bdSeq, timestamp: ts },
      { name: 'Node Control/Rebirth', type: 'Boolean', value: false, timestamp: ts },
    ],
  });
}

export function ndeath(bdSeq: number): Uint8Array {
  return encodePayload({ metrics: [{ name: 'bdSeq', type: 'Int64', value: bdSeq }] });
}

/** A device's birth certificate: every metric with name, alias, unit and its current value. */
export function dbirth(
  device: FleetDevice,
  aliases: readonly number[],
  values: readonly number[],
  ts: number,
  seq: number,
): Uint8Array {
  const metrics: UMetric[] = device.points.map((p, i) => ({
    name: p.name,
    alias: aliases[i]!,
    timestamp: ts,
    type: p.bool ? 'Boolean' : 'Double',
    value: p.bool ? values[i] !== 0 : values[i]!,
    properties: { engUnit: { type: 'String', value: p.unit } },
  }));
  return encodePayload({ timestamp: ts, seq, metrics });
}

/** DDATA through the library: one metric object per value. */
export function ddataLibrary(
  device: FleetDevice,
  aliases: readonly number[],
  values: readonly number[],
  ts: number,
  seq: number,
): Uint8Array {
  const metrics: UMetric[] = new Array<UMetric>(values.length);
  for (let i = 0; i < values.length; i++) {
    const bool = device.points[i]!.bool;
    metrics[i] = {
      alias: aliases[i]!,
      timestamp: ts,
      type: bool ? 'Boolean' : 'Double',
      value: bool ? values[i] !== 0 : values[i]!,
    };
  }
  return encodePayload({ timestamp: ts, seq, metrics });
}

/** A protobuf writer for DDATA (fields as in sparkplug_b.proto), into one growing buffer. */
export class DirectDdataEncoder {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private pos = 0;

  /** DDATA for `values` (booleans as 0/1 where `bools[i]`), a fresh copy the caller may keep. */
  encode(
    aliases: readonly number[],
    bools: readonly boolean[],
    values: readonly number[],
    ts: number,
    seq: number,
  ): Buffer {
    // Worst case per metric: tag+len 3, alias 1+5, timestamp 1+10, datatype 2, value 9.
    const need = 32 + values.length * 31;
    if (this.buf.length < need) this.buf = Buffer.allocUnsafe(need * 2);
    this.pos = 0;
    this.tag(1, 0);
    this.varint(ts);
    for (let i = 0; i < values.length; i++) {
      const alias = aliases[i]!;
      const bool = bools[i]!;
      const len = 1 + varintSize(alias) + 1 + varintSize(ts) + 2 + (bool ? 2 : 9);
      this.tag(2, 2);
      this.varint(len);
      this.tag(2, 0);
      this.varint(alias);
      this.tag(3, 0);
      this.varint(ts);
      this.tag(4, 0);
      this.varint(bool ? BOOLEAN : DOUBLE);
      if (bool) {
        this.tag(14, 0);
        this.buf[this.pos++] = values[i] !== 0 ? 1 : 0;
      } else {
        this.tag(13, 1);
        this.buf.writeDoubleLE(values[i]!, this.pos);
        this.pos += 8;
      }
    }
    this.tag(3, 0);
    this.varint(seq);
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  private tag(field: number, wire: number): void {
    this.buf[this.pos++] = (field << 3) | wire;
  }

  /** Unsigned varint of a non-negative integer up to 2^53 (timestamps in ms fit). */
  private varint(v: number): void {
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}
