import type { NorthboundWordOrder } from '../../config/northbound-modbus';
import type { PointId } from '../../domain/point-id';
import type { Sample, SampleValue } from '../../domain/sample';
import type { ScadaCaller, ScadaGate, ScadaRefusal } from '../scada-gate';
import {
  ageSeconds,
  floatWords,
  numericValue,
  qualityCode,
  uint32Words,
  wordsFloat,
} from './encoding';
import {
  AGE_NONE,
  LAYOUT_VERSION,
  QUALITY_CODES,
  type HoldingField,
  type RegisterMap,
} from './register-map';

/**
 * The northbound server's Modbus application layer: one request PDU in, one response PDU out
 * (docs/northbound-modbus.md, "Exceptions"). Reads encode the latest values when asked (a few
 * registers per request, nothing per sample); writes go only through the SCADA gate.
 */

export const FC = {
  readDiscreteInputs: 2,
  readHolding: 3,
  readInput: 4,
  writeSingle: 6,
  writeMultiple: 16,
} as const;

/** Modbus exception codes as this server uses them. */
export const EX = {
  /** Unsupported function, or a client not allowed to write. */
  illegalFunction: 1,
  /** An address not in the map, or read-only. */
  illegalAddress: 2,
  /** A malformed request, half of a float, a value refused. */
  illegalValue: 3,
  /** HeatBridge cannot take the write now (audit log down, read-only site, write failed). */
  deviceFailure: 4,
} as const;

/** Largest counts a request may ask for (Modbus application protocol 1.1b3). */
export const MAX_READ_REGISTERS = 125;
export const MAX_READ_BITS = 2000;
export const MAX_WRITE_REGISTERS = 123;

/** The gate's refusals as Modbus exceptions. */
export const REFUSAL_EXCEPTION: Record<ScadaRefusal, number> = {
  forbidden: EX.illegalFunction,
  unavailable: EX.deviceFailure,
  'not-a-request': EX.illegalAddress,
  'unknown-point': EX.illegalAddress,
  'not-writable': EX.illegalAddress,
  'wrong-type': EX.illegalValue,
  'not-finite': EX.illegalValue,
  'read-only-site': EX.deviceFailure,
  failed: EX.deviceFailure,
};

export interface ProtocolContext {
  map: RegisterMap;
  wordOrder: NorthboundWordOrder;
  latest: (id: PointId) => Sample | undefined;
  now: () => number;
  /** When the server started (input registers 2–3). */
  startedAt: number;
  gate?: Pick<ScadaGate, 'request' | 'current'>;
}

/** What a request came to, for the server's counters and its log. */
export interface Handled {
  response: Buffer;
  /** The exception code sent, if one was. */
  exception?: number;
  /** Why, for the connection's first-error log line. */
  why?: string;
  /** A write the gate accepted. */
  wrote?: boolean;
}

const exception = (fc: number, code: number, why: string): Handled => ({
  response: Buffer.from([(fc | 0x80) & 0xff, code]),
  exception: code,
  why,
});

/** Answers one request PDU from a client (`writer`: its gate caller, if it may write). */
export async function handlePdu(
  pdu: Buffer,
  ctx: ProtocolContext,
  writer: ScadaCaller | undefined,
): Promise<Handled> {
  const fc = pdu.readUInt8(0);
  switch (fc) {
    case FC.readDiscreteInputs:
    case FC.readHolding:
    case FC.readInput:
      return read(fc, pdu, ctx);
    case FC.writeSingle:
    case FC.writeMultiple:
      return write(fc, pdu, ctx, writer);
    default:
      return exception(fc, EX.illegalFunction, `function ${fc} is not supported`);
  }
}

function read(fc: number, pdu: Buffer, ctx: ProtocolContext): Handled {
  if (pdu.length !== 5)
    return exception(fc, EX.illegalValue, `function ${fc}: ${pdu.length} bytes, not 5`);
  const start = pdu.readUInt16BE(1);
  const count = pdu.readUInt16BE(3);
  const max = fc === FC.readDiscreteInputs ? MAX_READ_BITS : MAX_READ_REGISTERS;
  if (count < 1 || count > max)
    return exception(fc, EX.illegalValue, `function ${fc}: count ${count}, not 1..${max}`);
  if (start + count > 0x10000)
    return exception(fc, EX.illegalAddress, `function ${fc}: ${start}+${count} runs past 65535`);
  const now = ctx.now();
  if (fc === FC.readDiscreteInputs) {
    const bytes = Buffer.alloc(Math.ceil(count / 8));
    for (let i = 0; i < count; i++) {
      const point = ctx.map.discrete.get(start + i);
      if (!point) {
        // Within a device's span an address without a boolean reads 0; elsewhere it is unmapped.
        const field = ctx.map.input.get(start + i);
        if (field === undefined || field.kind === 'header')
          return exception(fc, EX.illegalAddress, `no discrete input at ${start + i}`);
        continue;
      }
      if (ctx.latest(point.def.id)?.value === true) bytes[i >> 3]! |= 1 << (i & 7);
    }
    return { response: Buffer.concat([Buffer.from([fc, bytes.length]), bytes]) };
  }
  const words: number[] = [];
  for (let i = 0; i < count; i++) {
    const address = start + i;
    const word =
      fc === FC.readInput ? inputWord(address, ctx, now) : holdingWord(address, ctx, now);
    if (word === undefined)
      return exception(
        fc,
        EX.illegalAddress,
        `no ${fc === FC.readInput ? 'input' : 'holding'} register at ${address}`,
      );
    words.push(word);
  }
  const out = Buffer.alloc(2 + 2 * count);
  out.writeUInt8(fc, 0);
  out.writeUInt8(2 * count, 1);
  words.forEach((w, i) => out.writeUInt16BE(w, 2 + 2 * i));
  return { response: out };
}

function inputWord(address: number, ctx: ProtocolContext, now: number): number | undefined {
  const field = ctx.map.input.get(address);
  if (!field) return undefined;
  if (field.kind === 'header') {
    if (field.index === 0) return LAYOUT_VERSION;
    if (field.index === 1) return ctx.map.points.length;
    return uint32Words((now - ctx.startedAt) / 1000, ctx.wordOrder)[field.index - 2]!;
  }
  if (field.kind === 'empty') return emptyWord(field.offset, ctx);
  const { def } = field.point;
  const sample = ctx.latest(def.id);
  switch (field.offset) {
    case 0:
    case 1:
      return floatWords(numericValue(sample?.value), ctx.wordOrder)[field.offset];
    case 2:
      return qualityCode(sample, def.staleAfterMs, now);
    default:
      return ageSeconds(sample, now);
  }
}

/** A register of an empty slot: what a point without a sample reads. */
function emptyWord(offset: number, ctx: ProtocolContext): number {
  if (offset < 2) return floatWords(Number.NaN, ctx.wordOrder)[offset]!;
  return offset === 2 ? QUALITY_CODES.none : AGE_NONE;
}

function holdingWord(address: number, ctx: ProtocolContext, now: number): number | undefined {
  const field = ctx.map.holding.get(address);
  if (!field) return undefined;
  if (field.reserved) return 0;
  const current = ctx.gate?.current(field.request.def.id);
  switch (field.offset) {
    case 0:
    case 1:
      if (field.request.type === 'bool') return current?.value === true ? 1 : 0;
      return floatWords(numericValue(current?.value), ctx.wordOrder)[field.offset];
    case 2:
      return current ? 1 : 0;
    default:
      return current
        ? Math.min(0xffff, Math.max(0, Math.ceil((current.expiresAt - now) / 1000)))
        : 0;
  }
}

async function write(
  fc: number,
  pdu: Buffer,
  ctx: ProtocolContext,
  writer: ScadaCaller | undefined,
): Promise<Handled> {
  let start: number;
  let values: number[];
  if (fc === FC.writeSingle) {
    if (pdu.length !== 5)
      return exception(fc, EX.illegalValue, `function 6: ${pdu.length} bytes, not 5`);
    start = pdu.readUInt16BE(1);
    values = [pdu.readUInt16BE(3)];
  } else {
    if (pdu.length < 6) return exception(fc, EX.illegalValue, `function 16: ${pdu.length} bytes`);
    start = pdu.readUInt16BE(1);
    const count = pdu.readUInt16BE(3);
    const bytes = pdu.readUInt8(5);
    if (count < 1 || count > MAX_WRITE_REGISTERS || bytes !== 2 * count || pdu.length !== 6 + bytes)
      return exception(
        fc,
        EX.illegalValue,
        `function 16: count ${count}, ${bytes} bytes in a PDU of ${pdu.length}`,
      );
    values = Array.from({ length: count }, (_, i) => pdu.readUInt16BE(6 + 2 * i));
  }
  // Who may write is decided before anything about the map is said.
  if (!writer) return exception(fc, EX.illegalFunction, 'not a writer: writes are refused');
  const field = ctx.map.holding.get(start);
  const target = fieldWrite(field, start, values.length);
  if (typeof target === 'number')
    return exception(fc, target, whyNot(target, start, values.length));
  const value = decode(target, values, ctx.wordOrder);
  if (value === undefined)
    return exception(
      fc,
      EX.illegalValue,
      `${target.request.def.id}: ${values.join(' ')} is not a value`,
    );
  const result = await ctx.gate!.request(writer, target.request.def.id, value);
  if (!result.ok) return exception(fc, REFUSAL_EXCEPTION[result.code], result.reason);
  // The normal response echoes the request's address and value (FC 6) or count (FC 16).
  return { response: Buffer.from(pdu.subarray(0, 5)), wrote: true };
}

/** The request field a write covers exactly, or the exception code why it does not. */
function fieldWrite(
  field: HoldingField | undefined,
  start: number,
  count: number,
): HoldingField | number {
  if (!field || field.reserved) return EX.illegalAddress;
  const { request, offset } = field;
  if (offset >= 2) return EX.illegalAddress; // the read-only status registers
  const size = request.type === 'bool' ? 1 : 2;
  if (offset !== 0 || count < size) return EX.illegalValue; // half of a float
  if (count > size) return EX.illegalAddress; // runs on into the read-only status
  return field;
}

function whyNot(code: number, start: number, count: number): string {
  if (code === EX.illegalValue) return `write at ${start} of ${count} registers: half of a float`;
  return `write at ${start} of ${count} registers: not a writable request`;
}

function decode(
  field: HoldingField,
  values: number[],
  order: NorthboundWordOrder,
): SampleValue | undefined {
  if (field.request.type === 'bool') {
    if (values[0] === 0) return false;
    if (values[0] === 1) return true;
    return undefined;
  }
  const v = wordsFloat([values[0]!, values[1]!], order);
  return Number.isFinite(v) ? shortestFloat32(v) : undefined;
}

/**
 * The shortest decimal that is the same float32: a SCADA's 75.3 arrives as 75.30000305175781,
 * and the audit trail and the API should say 75.3 (it reads back as the same registers).
 */
export function shortestFloat32(v: number): number {
  for (let digits = 1; digits < 9; digits++) {
    const short = Number(v.toPrecision(digits));
    if (Math.fround(short) === v) return short;
  }
  return v;
}
