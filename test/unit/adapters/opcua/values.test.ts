import { describe, expect, it } from '@jest/globals';
import { DataType, DataValue, NodeId, StatusCodes, Variant, VariantArrayType } from 'node-opcua';
import { qualityOfStatus } from '../../../../src/adapters/opcua/quality';
import {
  builtInDataType,
  readingOf,
  sampleOfDataValue,
  sampleTime,
  toVariant,
} from '../../../../src/adapters/opcua/values';
import type { PointId } from '../../../../src/domain/point-id';
import type { Unit } from '../../../../src/domain/units';

describe('OPC UA status codes to quality', () => {
  it.each([
    [StatusCodes.Good, 'good'],
    [StatusCodes.GoodClamped, 'good'], // node-opcua's isGood() says false here
    [StatusCodes.UncertainLastUsableValue, 'uncertain'],
    [StatusCodes.UncertainSubNormal, 'uncertain'],
    [StatusCodes.BadSensorFailure, 'bad'],
    [StatusCodes.BadCommunicationError, 'bad'],
    [StatusCodes.BadNodeIdUnknown, 'bad'],
  ])('%s → %s', (status, quality) => {
    expect(qualityOfStatus(status)).toBe(quality);
  });
});

describe('OPC UA values', () => {
  it('writes in the node data type, refusing what it cannot hold', () => {
    expect(toVariant(12.5, DataType.Float)).toMatchObject({
      dataType: DataType.Float,
      value: 12.5,
    });
    expect(toVariant(true, DataType.Boolean)).toMatchObject({
      dataType: DataType.Boolean,
      value: true,
    });
    expect(toVariant(300, DataType.Int16)).toMatchObject({ dataType: DataType.Int16, value: 300 });
    // Issue 21.12: the messages the override API answers with (400).
    expect(() => toVariant(2.5, DataType.Int16)).toThrow(
      '2.5 is not an Int16 (whole numbers \u221232768..32767)',
    );
    expect(() => toVariant(70000, DataType.UInt16)).toThrow(
      '70000 is not a UInt16 (whole numbers 0..65535)',
    );
    expect(() => toVariant(1, DataType.Boolean)).toThrow('1 is not a Boolean (true or false)');
    expect(() => toVariant(true, DataType.Double)).toThrow('true is not a Double (a number)');
    expect(() => toVariant(1e39, DataType.Float)).toThrow('1e+39 is not a Float');
    expect(() => toVariant(Number.NaN, DataType.Double)).toThrow('a finite number');
    expect(toVariant(2 ** 40 + 3, DataType.UInt64).value).toEqual([256, 3]);
  });

  it('reads numbers, booleans, strings and 64-bit integers, each only for a point of its type', () => {
    const v = (dataType: DataType, value: unknown) => new Variant({ dataType, value });
    const int64 = (value: [number, number]) =>
      new Variant({ dataType: DataType.Int64, arrayType: VariantArrayType.Scalar, value });
    expect(readingOf(v(DataType.Double, 21.5), 'degC')).toEqual({ value: 21.5 });
    expect(readingOf(v(DataType.Boolean, false), 'bool')).toEqual({ value: false });
    expect(readingOf(v(DataType.Byte, 1), 'bool')).toEqual({ value: true });
    expect(readingOf(v(DataType.String, 'on'), 'text')).toEqual({ value: 'on' });
    expect(readingOf(int64([256, 3]), 'kWh')).toEqual({ value: 2 ** 40 + 3 });
  });

  // Seen while writing the fuzz target (test/fuzz/opcua-values.test.ts: a good sample has the
  // point's type, a bad one says why). Before, the value was taken
  // whatever the point's unit (a String on a degC point was a good sample), NaN was logged as
  // "an unsupported type", a 64-bit integer beyond 2^53 was rounded, and a DateTime of 1601
  // (OPC UA's "no time") or an invalid one became the sample's time.
  it.each<[string, Variant, Unit, RegExp]>([
    [
      'a String on a number point',
      new Variant({ dataType: DataType.String, value: '21.5' }),
      'degC',
      /^a String, expected a number \(unit degC\)$/,
    ],
    [
      'a Double on a Boolean point',
      new Variant({ dataType: DataType.Double, value: 0.5 }),
      'bool',
      /^a Double \(0.5\), expected a Boolean \(unit bool\)$/,
    ],
    [
      'NaN on a Boolean point (found by the long fuzz pass)',
      new Variant({ dataType: DataType.Double, value: Number.NaN }),
      'bool',
      /^a Double \(NaN\), expected a Boolean \(unit bool\)$/,
    ],
    [
      'NaN',
      new Variant({ dataType: DataType.Double, value: Number.NaN }),
      'degC',
      /^a Double that is not a finite number \(NaN\)$/,
    ],
    [
      '-Infinity',
      new Variant({ dataType: DataType.Float, value: -Infinity }),
      'kW',
      /not a finite number \(-Infinity\)$/,
    ],
    [
      'an Int64 beyond 2^53',
      new Variant({
        dataType: DataType.Int64,
        arrayType: VariantArrayType.Scalar,
        value: [0x7fffffff, 0xffffffff],
      }),
      'kWh',
      /^an Int64 beyond ±2\^53/,
    ],
    [
      'an array',
      new Variant({ dataType: DataType.Double, arrayType: VariantArrayType.Array, value: [1, 2] }),
      'degC',
      /^an array of 2 Double values, expected a number \(unit degC\)$/,
    ],
    ['Null', new Variant({ dataType: DataType.Null }), 'degC', /^no value \(Null\)$/],
    [
      'a null String',
      new Variant({ dataType: DataType.String, value: null }),
      'text',
      /^a String without a value \(null\)$/,
    ],
    [
      'a huge String',
      new Variant({ dataType: DataType.String, value: 'x'.repeat(100_000) }),
      'text',
      /^a String of 100000 characters, more than 1000$/,
    ],
  ])(
    '%s with a good status is a bad sample that says why, keeping the last value',
    (_name, value, unit, why) => {
      const id = 'hall1/x' as PointId;
      const last = { id, value: 20, ts: 5, receivedAt: 5, quality: 'good' as const };
      const dv = new DataValue({
        value,
        statusCode: StatusCodes.Good,
        sourceTimestamp: new Date(1_000),
      });
      expect(sampleOfDataValue(dv, { id, unit }, last, 9_000)).toEqual({
        sample: { id, value: 20, ts: 5, receivedAt: 9_000, quality: 'bad' },
        problem: expect.stringMatching(why),
        sourceTs: 1_000,
      });
    },
  );

  it("keeps a bad or uncertain status, and takes the server's time when the source time is none", () => {
    // A change seen while watching (a previous source time of 1 000) carries its source time.
    const id = 'hall1/x' as PointId;
    const dv = (statusCode: typeof StatusCodes.Good, sourceTimestamp: Date | null) =>
      new DataValue({
        value: new Variant({ dataType: DataType.Double, value: 42 }),
        statusCode,
        sourceTimestamp,
        serverTimestamp: new Date(7_000),
      });
    const point = { id, unit: 'degC' as const };
    expect(
      sampleOfDataValue(
        dv(StatusCodes.Good, new Date(Date.UTC(1601, 0, 1))),
        point,
        undefined,
        9_000,
        1_000,
      ).sample,
    ).toEqual({ id, value: 42, ts: 7_000, receivedAt: 9_000, quality: 'good' });
    expect(
      sampleOfDataValue(
        dv(StatusCodes.BadSensorFailure, new Date(Number.NaN)),
        point,
        undefined,
        9_000,
        1_000,
      ).sample,
    ).toEqual({ id, value: 42, ts: 7_000, receivedAt: 9_000, quality: 'bad' });
    expect(
      sampleOfDataValue(
        dv(StatusCodes.UncertainLastUsableValue, new Date(3_000)),
        point,
        undefined,
        9_000,
        1_000,
      ),
    ).toEqual({
      sample: { id, value: 42, ts: 3_000, receivedAt: 9_000, quality: 'uncertain' },
      sourceTs: 3_000,
    });
  });

  it('knows built-in data type ids', () => {
    expect(builtInDataType(new NodeId(NodeId.NodeIdType.NUMERIC, 11, 0))).toBe(DataType.Double);
    expect(builtInDataType(new NodeId(NodeId.NodeIdType.NUMERIC, 10, 0))).toBe(DataType.Float);
    expect(builtInDataType(new NodeId(NodeId.NodeIdType.NUMERIC, 11, 2))).toBeUndefined();
  });
});

// Issue 21.17: the first value of a session carried the server's old source time (22:12:34 for a
// connection at 22:13:20), the confirmations after it the confirmation time.
describe('OPC UA sample times', () => {
  const id = 'hall1/x' as PointId;
  const point = { id, unit: 'degC' as const };
  const at = (sourceMs: number) =>
    new DataValue({
      value: new Variant({ dataType: DataType.Double, value: 42 }),
      statusCode: StatusCodes.Good,
      sourceTimestamp: new Date(sourceMs),
    });
  const connectedAt = Date.UTC(2026, 11, 3, 22, 13, 20);
  const changedAt = Date.UTC(2026, 11, 3, 22, 12, 34);

  it('the first value of a session is stamped with the time it arrived, not its old source time', () => {
    const first = sampleOfDataValue(at(changedAt), point, undefined, connectedAt);
    expect(first.sample.ts).toBe(connectedAt);
    expect(first.sourceTs).toBe(changedAt);
  });

  it('a poll of an unchanged value is a confirmation too; a change carries its source time', () => {
    const first = sampleOfDataValue(at(changedAt), point, undefined, connectedAt);
    const again = sampleOfDataValue(
      at(changedAt),
      point,
      first.sample,
      connectedAt + 1000,
      first.sourceTs,
    );
    expect(again.sample.ts).toBe(connectedAt + 1000);
    const changed = sampleOfDataValue(
      at(connectedAt + 1500),
      point,
      again.sample,
      connectedAt + 1800,
      again.sourceTs,
    );
    expect(changed.sample.ts).toBe(connectedAt + 1500);
  });

  it('a device clock that is off never moves a series back or into the future', () => {
    expect(sampleTime(50, 10, 100, 200)).toBe(100); // behind: not before the previous sample
    expect(sampleTime(500, 10, 100, 200)).toBe(200); // ahead: not after it arrived
    expect(sampleTime(undefined, 10, 100, 200)).toBe(200); // no time: when it arrived
  });
});
