import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  BinaryStream,
  DataType,
  DataValue,
  LocalizedText,
  NodeId,
  QualifiedName,
  Range,
  StatusCodes,
  Variant,
  VariantArrayType,
  type StatusCode,
} from 'node-opcua';
import { sampleOfDataValue } from '../../src/adapters/opcua/values';
import type { PointId } from '../../src/domain/point-id';
import { valueTypeOfUnit, type Unit } from '../../src/domain/units';
import { failOnUnhandledRejections, fuzzParams, fuzzTimeoutMs, heapProbe } from './fuzz-config';

/**
 * OPC UA values, fuzzed: real node-opcua Variants and DataValues of every kind a server may send
 * (NaN, ±Inf, wrong types, arrays, huge strings and arrays, Int64, DateTime, ExtensionObjects,
 * Null), also after a binary encode/decode round trip (what a client receives off the wire), as
 * a sample of a number, Boolean or text point: a good sample of the point's type, a bad sample
 * with a clear reason, or the server's own bad or uncertain status; never a throw.
 */
failOnUnhandledRejections();

const INT_RANGES: [DataType, number, number][] = [
  [DataType.SByte, -128, 127],
  [DataType.Byte, 0, 255],
  [DataType.Int16, -32768, 32767],
  [DataType.UInt16, 0, 65535],
  [DataType.Int32, -2147483648, 2147483647],
  [DataType.UInt32, 0, 4294967295],
];

/** One value of a data type, as node-opcua holds it. */
function valueOf(dataType: DataType, hugeStrings = true): fc.Arbitrary<unknown> {
  const int = INT_RANGES.find(([t]) => t === dataType);
  if (int) return fc.integer({ min: int[1], max: int[2] });
  switch (dataType) {
    case DataType.Double:
      return fc.double();
    case DataType.Float:
      return fc.float();
    case DataType.Int64:
      return fc.tuple(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.nat(2 ** 32 - 1));
    case DataType.UInt64:
      return fc.tuple(fc.nat(2 ** 32 - 1), fc.nat(2 ** 32 - 1));
    case DataType.Boolean:
      return fc.boolean();
    case DataType.String:
      return fc.oneof(
        fc.string({ unit: 'binary', maxLength: 50 }),
        fc.nat(hugeStrings ? 200_000 : 20).map((n) => 'x'.repeat(n)),
        fc.constant(null),
      );
    case DataType.DateTime:
      return fc.date({ noInvalidDate: true });
    case DataType.ByteString:
      return fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));
    case DataType.LocalizedText:
      return fc.string({ maxLength: 10 }).map((text) => new LocalizedText({ text, locale: 'en' }));
    case DataType.QualifiedName:
      return fc.string({ maxLength: 10 }).map((name) => new QualifiedName({ name }));
    case DataType.NodeId:
      return fc.nat(1000).map((n) => new NodeId(NodeId.NodeIdType.NUMERIC, n, 1));
    case DataType.StatusCode:
      return fc.constantFrom(StatusCodes.Good, StatusCodes.BadSensorFailure);
    case DataType.ExtensionObject:
      return fc.tuple(fc.double(), fc.double()).map(([low, high]) => new Range({ low, high }));
    default:
      return fc.constant(null);
  }
}

const DATA_TYPES = [
  ...INT_RANGES.map(([t]) => t),
  DataType.Int64,
  DataType.UInt64,
  DataType.Float,
  DataType.Double,
  DataType.Boolean,
  DataType.String,
  DataType.DateTime,
  DataType.ByteString,
  DataType.LocalizedText,
  DataType.QualifiedName,
  DataType.NodeId,
  DataType.StatusCode,
  DataType.ExtensionObject,
  DataType.Null,
];

const STATUSES: StatusCode[] = [
  StatusCodes.Good,
  StatusCodes.GoodClamped,
  StatusCodes.UncertainLastUsableValue,
  StatusCodes.BadSensorFailure,
  StatusCodes.BadTypeMismatch,
];

type TypedArrayOf = {
  new (buffer: ArrayBuffer): ArrayLike<number> & { set(values: ArrayLike<number>): void };
  BYTES_PER_ELEMENT: number;
};
const TYPED_ARRAYS: Partial<Record<DataType, TypedArrayOf>> = {
  [DataType.SByte]: Int8Array,
  [DataType.Byte]: Uint8Array,
  [DataType.Int16]: Int16Array,
  [DataType.UInt16]: Uint16Array,
  [DataType.Int32]: Int32Array,
  [DataType.UInt32]: Uint32Array,
  [DataType.Float]: Float32Array,
  [DataType.Double]: Float64Array,
};

/** What a server sends, described (a counterexample prints this), and built with `build`. */
interface Sent {
  dataType: DataType;
  shape: 'scalar' | 'array' | 'huge array';
  value: unknown;
  statusCode: StatusCode;
  sourceTimestamp: Date | null;
  serverTimestamp: Date | null;
}

const SHAPES: Sent['shape'][] = ['scalar', 'array', 'huge array'];

const sent: fc.Arbitrary<Sent> = fc
  .tuple(
    fc.constantFrom(...DATA_TYPES),
    // Huge arrays are slow to build and encode: one run in twenty.
    fc.oneof(
      { weight: 13, arbitrary: fc.constant(SHAPES[0]!) },
      { weight: 6, arbitrary: fc.constant(SHAPES[1]!) },
      { weight: 1, arbitrary: fc.constant(SHAPES[2]!) },
    ),
  )
  .chain(([dataType, shape]) =>
    fc.record({
      dataType: fc.constant(dataType),
      shape: fc.constant(shape),
      value:
        shape === 'scalar'
          ? valueOf(dataType)
          : shape === 'array'
            ? fc.array(valueOf(dataType), { maxLength: 8 })
            : valueOf(dataType, false), // repeated 100 000 times by build()
      statusCode: fc.constantFrom(...STATUSES),
      sourceTimestamp: fc.option(fc.date({ noInvalidDate: false }), { nil: null }),
      serverTimestamp: fc.option(fc.date({ noInvalidDate: false }), { nil: null }),
    }),
  );

function build(s: Sent): DataValue {
  let value = s.value;
  if (s.shape === 'huge array') value = Array.from({ length: 100_000 }, () => s.value);
  const typed = TYPED_ARRAYS[s.dataType];
  if (s.shape !== 'scalar' && typed) {
    // Over an ArrayBuffer from the global constructor: node-opcua checks `buffer instanceof
    // ArrayBuffer`, and under jest a typed array's own buffer comes from another realm.
    const items = value as number[];
    const array = new typed(new ArrayBuffer(items.length * typed.BYTES_PER_ELEMENT));
    array.set(items);
    value = array;
  }
  const variant =
    s.dataType === DataType.Null
      ? new Variant({ dataType: DataType.Null })
      : new Variant({
          dataType: s.dataType,
          arrayType: s.shape === 'scalar' ? VariantArrayType.Scalar : VariantArrayType.Array,
          value,
        });
  return new DataValue({
    value: variant,
    statusCode: s.statusCode,
    sourceTimestamp: s.sourceTimestamp,
    serverTimestamp: s.serverTimestamp,
  });
}

/**
 * The DataValue as a client decodes it off the wire; undefined when node-opcua will not encode
 * it here (under jest, typed arrays of 8-bit and 64-bit floats fail its `buffer instanceof
 * ArrayBuffer` check: another realm), so those are checked as built only.
 */
function roundTrip(dv: DataValue): DataValue | undefined {
  let stream: BinaryStream;
  try {
    stream = new BinaryStream(dv.binaryStoreSize());
    dv.encode(stream);
  } catch {
    return undefined;
  }
  stream.rewind();
  const out = new DataValue();
  out.decode(stream);
  return out;
}

const UNITS: Unit[] = ['degC', 'kWh', 'bool', 'text'];
const id = 'hall1/fuzzed' as PointId;
const NOW = 1_000_000_000_000;

function check(dv: DataValue, what: Sent, unit: Unit, hadLast: boolean): void {
  const want = valueTypeOfUnit(unit);
  const last = hadLast
    ? { id, value: want === 'number' ? 1 : 'x', ts: 5, receivedAt: 5, quality: 'good' as const }
    : undefined;
  const { sample, problem } = sampleOfDataValue(dv, { id, unit }, last, NOW);
  const fine =
    sample.id === id &&
    sample.receivedAt === NOW &&
    Number.isFinite(sample.ts) &&
    ['good', 'uncertain', 'bad'].includes(sample.quality) &&
    (sample.quality !== 'good' ||
      (typeof sample.value === want && (want !== 'number' || Number.isFinite(sample.value)))) &&
    (problem === undefined ||
      (sample.quality === 'bad' &&
        problem.length > 0 &&
        !/\bundefined\b|\[object \w+\]|\bNaN\b(?!\))/.test(problem)));
  const shown = {
    unit,
    sent: { ...what, value: String(what.value).slice(0, 100) },
    sample: { ...sample, value: String(sample.value).slice(0, 100) },
    problem,
  };
  expect({ ...shown, fine }).toEqual({ ...shown, fine: true });
}

describe('fuzz: OPC UA values to samples', () => {
  it(
    'real Variants and DataValues, as built and after a binary round trip: a good value of the point type, a bad sample with a reason, or the status; never a throw',
    () => {
      const heap = heapProbe();
      fc.assert(
        fc.property(sent, fc.constantFrom(...UNITS), fc.boolean(), (what, unit, hadLast) => {
          heap.tick();
          const dv = build(what);
          check(dv, what, unit, hadLast);
          const received = roundTrip(dv);
          if (received) check(received, what, unit, hadLast);
        }),
        fuzzParams,
      );
      heap.print('opcua: DataValues');
    },
    fuzzTimeoutMs(),
  );
});
