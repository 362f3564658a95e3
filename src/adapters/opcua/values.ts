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

/** The built-in DataType a DataType attribute (a NodeId) names, when it is a built-in one. */
export function builtInDataType(id: NodeId): DataType | undefined {
  return id.namespace === 0 && typeof id.value === 'number' && id.value >= 1 && id.value <= 25
    ? id.value
    : undefined;
}

/**
 * A Variant of the node's own data type: OPC UA servers do not coerce (a Double written to a Float
 * node is BadTypeMismatch). Refuses what the type cannot hold instead of rounding or wrapping.
 */
export function toVariant(value: SampleValue, dataType: DataType): Variant {
  if (dataType === DataType.Boolean) {
    if (typeof value !== 'boolean') throw new TypeError(`the node is Boolean; got ${typeof value}`);
    return new Variant({ dataType, value });
  }
  if (dataType === DataType.String) return new Variant({ dataType, value: String(value) });
  if (typeof value !== 'number')
    throw new TypeError(`the node is ${DataType[dataType]}; got ${typeof value}`);
  if (dataType === DataType.Float || dataType === DataType.Double)
    return new Variant({ dataType, value });
  const range = INTEGER_RANGES[dataType];
  if (!range) throw new TypeError(`writing ${DataType[dataType]} nodes is not supported`);
  if (!Number.isInteger(value) || value < range[0] || value > range[1]) {
    throw new RangeError(
      `${value} is not a ${DataType[dataType]} (integers ${range[0]}..${range[1]})`,
    );
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

const NUMERIC = new Set<DataType>([
  DataType.SByte,
  DataType.Byte,
  DataType.Int16,
  DataType.UInt16,
  DataType.Int32,
  DataType.UInt32,
  DataType.Int64,
  DataType.UInt64,
  DataType.Float,
  DataType.Double,
]);

/** What a Variant holds for a point of `unit`: a value of the point's type, or why it holds none. */
export type Reading = { value: SampleValue } | { problem: string };

export function readingOf(variant: Variant | null | undefined, unit: Unit): Reading {
  const expected = valueTypeOfUnit(unit);
  const want =
    expected === 'number' ? 'a number' : expected === 'boolean' ? 'a Boolean' : 'a String';
  if (!variant || variant.dataType === DataType.Null) return { problem: 'no value (Null)' };
  const name = DataType[variant.dataType] ?? `data type ${String(variant.dataType)}`;
  const type = `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`; // "an Int64", "a Double"
  if (variant.arrayType !== VariantArrayType.Scalar) {
    const n = (variant.value as { length?: unknown } | null)?.length;
    return {
      problem: `an array${typeof n === 'number' ? ` of ${n}` : ''} ${name} values, expected ${want} (unit ${unit})`,
    };
  }
  const v: unknown = variant.value;
  if (v === null || v === undefined) return { problem: `${type} without a value (null)` };
  if (expected === 'number') {
    if (!NUMERIC.has(variant.dataType))
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
    if (NUMERIC.has(variant.dataType) && (v === 0 || v === 1)) return { value: v === 1 };
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
 * The sample a DataValue received for a point makes, and why it is bad when its status is good
 * but its value is not one the point can take (the adapter logs that). A bad or uncertain status
 * keeps its quality; a value it cannot take is replaced by the last one.
 */
export function sampleOfDataValue(
  dv: DataValue,
  point: { id: PointId; unit: Unit },
  last: Sample | undefined,
  now: number,
): { sample: Sample; problem?: string } {
  const quality = qualityOfStatus(dv.statusCode);
  const reading = readingOf(dv.value, point.unit);
  const ts = timeOf(dv.sourceTimestamp) ?? timeOf(dv.serverTimestamp) ?? now;
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
    };
  }
  return {
    sample: {
      id: point.id,
      value: 'value' in reading ? reading.value : (last?.value ?? null),
      ts,
      receivedAt: now,
      quality,
    },
  };
}
