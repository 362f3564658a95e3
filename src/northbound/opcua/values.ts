import {
  DataType,
  DataValue,
  StatusCodes,
  Variant,
  VariantArrayType,
  type StatusCode,
} from 'node-opcua';
import type { PointDef } from '../../domain/point';
import type { Quality } from '../../domain/quality';
import type { Sample, SampleValue } from '../../domain/sample';
import { qualityAt } from '../../domain/stale';
import { valueTypeOfUnit, type Unit } from '../../domain/units';
import type { ScadaWriteResult } from '../scada-gate';

/**
 * A sample's quality as an OPC UA StatusCode (OPC 10000-4 7.39). `stale` is HeatBridge's own:
 * the value has not been confirmed within its stale window, which is what
 * UncertainLastUsableValue says ("whatever was updating this value has stopped doing so");
 * HeatBridge's control treats it like bad.
 */
export const STATUS_OF_QUALITY: Record<Quality, StatusCode> = {
  good: StatusCodes.Good,
  uncertain: StatusCodes.Uncertain,
  stale: StatusCodes.UncertainLastUsableValue,
  bad: StatusCodes.Bad,
};

/** The OPC UA data type of a unit's values: Double, Boolean or String. */
export function dataTypeOfUnit(unit: Unit): DataType {
  const t = valueTypeOfUnit(unit);
  return t === 'boolean' ? DataType.Boolean : t === 'string' ? DataType.String : DataType.Double;
}

/** A value as a Variant of the unit's type; null (an empty Variant) when it has none or another type. */
export function variantOf(value: SampleValue | null | undefined, unit: Unit): Variant {
  const dataType = dataTypeOfUnit(unit);
  if (dataType === DataType.Double && typeof value === 'number')
    return new Variant({ dataType, value });
  if (dataType === DataType.Boolean && typeof value === 'boolean')
    return new Variant({ dataType, value });
  if (dataType === DataType.String && typeof value === 'string')
    return new Variant({ dataType, value });
  return new Variant({ dataType: DataType.Null });
}

/**
 * What a variable shows for a point: the latest sample's value, its quality (re-judged for
 * staleness at `now`) as the status, and its source time. No sample yet:
 * BadWaitingForInitialData. A sample whose value is not of the point's type (never expected)
 * shows as BadTypeMismatch rather than a wrong value.
 */
export function dataValueOfSample(
  sample: Sample | undefined,
  def: Pick<PointDef, 'unit' | 'staleAfterMs'>,
  now: number,
): DataValue {
  if (!sample)
    return new DataValue({
      value: new Variant({ dataType: DataType.Null }),
      statusCode: StatusCodes.BadWaitingForInitialData,
      sourceTimestamp: new Date(now),
    });
  const quality = qualityAt(sample, def.staleAfterMs, now);
  const value = variantOf(sample.value, def.unit);
  const mismatch = value.dataType === DataType.Null && sample.value !== null;
  return new DataValue({
    value,
    statusCode: mismatch ? StatusCodes.BadTypeMismatch : STATUS_OF_QUALITY[quality],
    sourceTimestamp: new Date(sample.ts),
  });
}

/**
 * A SCADA write's outcome as the Write service's StatusCode. Out-of-bounds values are clamped by
 * the write guard, not refused: GoodClamped says so.
 */
export function statusOfWrite(result: ScadaWriteResult): StatusCode {
  if (result.ok) return result.adjusted.length > 0 ? StatusCodes.GoodClamped : StatusCodes.Good;
  switch (result.code) {
    case 'forbidden':
      return StatusCodes.BadUserAccessDenied;
    case 'wrong-type':
      return StatusCodes.BadTypeMismatch;
    case 'not-finite':
      return StatusCodes.BadOutOfRange;
    case 'read-only-site':
    case 'not-writable':
    case 'not-a-request':
    case 'unknown-point':
      return StatusCodes.BadNotWritable;
    case 'unavailable':
      return StatusCodes.BadResourceUnavailable;
    case 'failed':
      return StatusCodes.BadInternalError;
  }
}

/**
 * A value a client wrote, as HeatBridge takes it: a scalar number, boolean or string (Int64 and
 * UInt64 arrive as [high, low] pairs and are taken, with their sign, when they are safe integers). Anything else
 * (arrays, structures, byte strings) is undefined: BadTypeMismatch.
 */
export function writtenValue(variant: Variant): SampleValue | undefined {
  if (variant.arrayType !== undefined && variant.arrayType !== VariantArrayType.Scalar)
    return undefined;
  const v: unknown = variant.value;
  if (variant.dataType === DataType.Int64 || variant.dataType === DataType.UInt64) {
    if (!Array.isArray(v) || v.length !== 2) return undefined;
    const [high, low] = v as [number, number];
    // Both halves are unsigned 32-bit words; an Int64's high word carries the sign (two's
    // complement): [0xffffffff, 0xfffffffb] is −5 (a negative price is a normal request).
    const signedHigh =
      variant.dataType === DataType.Int64 && high >= 2 ** 31 ? high - 2 ** 32 : high;
    const n = signedHigh * 2 ** 32 + low;
    return Number.isSafeInteger(n) ? n : undefined;
  }
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  return undefined;
}
