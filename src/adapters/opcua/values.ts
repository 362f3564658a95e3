import { DataType, Variant, VariantArrayType, type NodeId } from 'node-opcua';
import '../../util/opcua-log';
import type { SampleValue } from '../../domain/sample';

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

/** A sample value from a Variant's value: numbers, booleans, strings; else undefined. */
export function fromVariantValue(value: unknown): SampleValue | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) {
    // 64-bit integer as [high, low].
    return (value[0] as number) * 2 ** 32 + (value[1] as number);
  }
  return undefined;
}
