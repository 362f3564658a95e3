import { DataType, Variant, VariantArrayType, type DataValue, type NodeId } from 'node-opcua';
import '../../util/opcua-log';
import type { PointId } from '../../domain/point-id';
import type { Sample, SampleValue } from '../../domain/sample';
import { valueTypeOfUnit, type Unit } from '../../domain/units';
import { qualityOfStatus } from './quality';

const INTEGER_RANGES: Partial<Record<DataType, [number, number]>> = {
  [DataType.SByte]: [-128, 127],
  [DataType.Byte]: [0, 255],
  [DataType.Int16]: [-32768, 32767],
  [DataType.UInt16]: [0, 65535],
  [DataType.Int32]: [-2147483648, 2147483647],
  [DataType.UInt32]: [0, 4294967295],
  [DataType.Int64]: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  [DataType.UInt64]: [0, Number.MAX_SAFE_INTEGER],
};

/** The integer data types (a `bool` point may be one that carries a state as 0/1). */
export const INTEGER_TYPES: ReadonlySet<DataType> = new Set(
  Object.keys(INTEGER_RANGES).map((k) => Number(k) as DataType),
);

/** The data types a number point can be. */
export const NUMERIC_TYPES: ReadonlySet<DataType> = new Set([
  ...INTEGER_TYPES,
  DataType.Float,
  DataType.Double,
]);

/** The built-in DataType a DataType attribute (a NodeId) names, when it is a built-in one. */
export function builtInDataType(id: NodeId): DataType | undefined {
  return id.namespace === 0 && typeof id.value === 'number' && id.value >= 1 && id.value <= 25
    ? id.value
    : undefined;
}

/** A data type's name for messages: "Int16", "data type 27". */
export function typeName(t: DataType): string {
  return DataType[t] ?? `data type ${String(t)}`;
}

/** "an Int16", "an SByte", "a UInt16", "a Double". */
export const withArticle = (name: string): string =>
  `${/^([AEIO]|S[A-Z])/.test(name) ? 'an' : 'a'} ${name}`;

/** A number as people write it, with a real minus sign: "−32768". */
const shown = (n: number): string => String(n).replace(/^-/, '\u2212');

/** The largest finite Float (IEEE 754 single precision). */
const FLOAT_MAX = 3.4028234663852886e38;

/**
 * A Variant of the node's own data type: OPC UA servers do not coerce (a Double written to a Float
 * node is BadTypeMismatch). Refuses what the type cannot hold instead of rounding or wrapping,
 * with a message the override API passes on: "2.5 is not an Int16 (whole numbers −32768..32767)".
 */
export function toVariant(value: SampleValue, dataType: DataType): Variant {
  const name = typeName(dataType);
  const isNot = `${JSON.stringify(value)} is not ${withArticle(name)}`;
  if (dataType === DataType.Boolean) {
    if (typeof value !== 'boolean') throw new TypeError(`${isNot} (true or false)`);
    return new Variant({ dataType, value });
  }
  if (dataType === DataType.String) return new Variant({ dataType, value: String(value) });
  if (!NUMERIC_TYPES.has(dataType)) throw new TypeError(`writing ${name} nodes is not supported`);
  if (typeof value !== 'number') throw new TypeError(`${isNot} (a number)`);
  if (!Number.isFinite(value)) throw new RangeError(`${isNot} (a finite number)`);
  if (dataType === DataType.Double) return new Variant({ dataType, value });
  if (dataType === DataType.Float) {
    if (Math.abs(value) > FLOAT_MAX)
      throw new RangeError(`${isNot} (numbers within ±${FLOAT_MAX.toPrecision(5)})`);
    return new Variant({ dataType, value });
  }
  const range = INTEGER_RANGES[dataType]!;
  if (!Number.isInteger(value) || value < range[0] || value > range[1]) {
    throw new RangeError(`${isNot} (whole numbers ${shown(range[0])}..${shown(range[1])})`);
  }
  if (dataType === DataType.Int64 || dataType === DataType.UInt64) {
    // node-opcua carries 64-bit integers as [high, low] 32-bit halves.
    const high = Math.floor(value / 2 ** 32);
    return new Variant({
      dataType,
      arrayType: VariantArrayType.Scalar,
      value: [high, value - high * 2 ** 32],
    });
  }
  return new Variant({ dataType, value });
}

/** The longest text value a `text` point takes from a device. */
export const MAX_TEXT_VALUE = 1000;

/** What a Variant holds for a point of `unit`: a value of the point's type, or why it holds none. */
export type Reading = { value: SampleValue } | { problem: string };

export function readingOf(variant: Variant | null | undefined, unit: Unit): Reading {
  const expected = valueTypeOfUnit(unit);
  const want =
    expected === 'number' ? 'a number' : expected === 'boolean' ? 'a Boolean' : 'a String';
  if (!variant || variant.dataType === DataType.Null) return { problem: 'no value (Null)' };
  const name = typeName(variant.dataType);
  const type = withArticle(name);
  if (variant.arrayType !== VariantArrayType.Scalar) {
    const n = (variant.value as { length?: unknown } | null)?.length;
    return {
      problem: `an array${typeof n === 'number' ? ` of ${n}` : ''} ${name} values, expected ${want} (unit ${unit})`,
    };
  }
  const v: unknown = variant.value;
  if (v === null || v === undefined) return { problem: `${type} without a value (null)` };
  if (expected === 'number') {
    if (!NUMERIC_TYPES.has(variant.dataType))
      return { problem: `${type}, expected a number (unit ${unit})` };
    const n = numberOf(v);
    if (n === undefined) return { problem: `${type} that is not a number` };
    if (!Number.isFinite(n)) return { problem: `${type} that is not a finite number (${n})` };
    if (
      !Number.isSafeInteger(n) &&
      (variant.dataType === DataType.Int64 || variant.dataType === DataType.UInt64)
    )
      return { problem: `${type} beyond ±2^53, which a number cannot hold exactly` };
    return { value: n };
  }
  if (expected === 'boolean') {
    if (variant.dataType === DataType.Boolean && typeof v === 'boolean') return { value: v };
    // Devices that publish a state as 0/1 in an integer.
    if (NUMERIC_TYPES.has(variant.dataType) && (v === 0 || v === 1)) return { value: v === 1 };
    return {
      problem: `${type}${typeof v === 'number' ? ` (${v})` : ''}, expected a Boolean (unit bool)`,
    };
  }
  if (variant.dataType !== DataType.String || typeof v !== 'string')
    return { problem: `${type}, expected a String (unit text)` };
  if (v.length > MAX_TEXT_VALUE)
    return { problem: `a String of ${v.length} characters, more than ${MAX_TEXT_VALUE}` };
  return { value: v };
}

/** A number, or a 64-bit integer carried as [high, low] 32-bit halves. */
function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number'))
    return (v[0] as number) * 2 ** 32 + (v[1] as number);
  return undefined;
}

/** A DataValue timestamp in ms, if it is one: OPC UA's "no time" (1601) and invalid dates are not. */
function timeOf(d: Date | null | undefined): number | undefined {
  const t = d?.getTime();
  return t !== undefined && Number.isFinite(t) && t > 0 ? t : undefined;
}

/**
 * The time a sample carries (docs/adapters.md, "Sample times"): when the value is known to hold.
 * A change the server reports while HeatBridge watches the node (a notification after the first,
 * a poll whose source time moved on) carries the change's source time, kept between the previous
 * sample's time and the time it arrived so a device clock that is off never moves a series back
 * or into the future. Anything else is a confirmation that the value holds now and carries the
 * time it arrived: the first value of a session (whose source time is when the value last
 * changed, possibly days ago), a poll of an unchanged value, a value without a source time.
 */
export function sampleTime(
  source: number | undefined,
  previousSource: number | undefined,
  lastTs: number | undefined,
  now: number,
): number {
  if (source === undefined || previousSource === undefined || source <= previousSource) return now;
  return Math.min(now, Math.max(source, lastTs ?? source));
}

/**
 * The sample a DataValue received for a point makes, and why it is bad when its status is good
 * but its value is not one the point can take (the adapter logs that). A bad or uncertain status
 * keeps its quality; a value it cannot take is replaced by the last one. `previousSource` is the
 * source time of the point's previous DataValue in this session (undefined for its first), which
 * tells a change from a confirmation (sampleTime); `sourceTs` is this one's, for the next.
 */
export function sampleOfDataValue(
  dv: DataValue,
  point: { id: PointId; unit: Unit },
  last: Sample | undefined,
  now: number,
  previousSource?: number,
): { sample: Sample; problem?: string; sourceTs?: number } {
  const quality = qualityOfStatus(dv.statusCode);
  const reading = readingOf(dv.value, point.unit);
  const sourceTs = timeOf(dv.sourceTimestamp) ?? timeOf(dv.serverTimestamp);
  const source = sourceTs === undefined ? {} : { sourceTs };
  if ('problem' in reading && quality === 'good') {
    return {
      sample: {
        id: point.id,
        value: last?.value ?? null,
        ts: last?.ts ?? now,
        receivedAt: now,
        quality: 'bad',
      },
      problem: reading.problem,
      ...source,
    };
  }
  return {
    sample: {
      id: point.id,
      value: 'value' in reading ? reading.value : (last?.value ?? null),
      ts: sampleTime(sourceTs, previousSource, last?.ts, now),
      receivedAt: now,
      quality,
    },
    ...source,
  };
}
