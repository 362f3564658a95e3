import { describe, expect, it } from '@jest/globals';
import { DataType, NodeId, StatusCodes } from 'node-opcua';
import { qualityOfStatus } from '../../../../src/adapters/opcua/quality';
import {
  builtInDataType,
  fromVariantValue,
  toVariant,
} from '../../../../src/adapters/opcua/values';

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
    expect(() => toVariant(12.5, DataType.Int16)).toThrow('12.5 is not a Int16');
    expect(() => toVariant(70000, DataType.UInt16)).toThrow(RangeError);
    expect(() => toVariant(1, DataType.Boolean)).toThrow('the node is Boolean');
    expect(() => toVariant(true, DataType.Double)).toThrow('the node is Double');
    expect(toVariant(2 ** 40 + 3, DataType.UInt64).value).toEqual([256, 3]);
  });

  it('reads numbers, booleans, strings and 64-bit integers; nothing else', () => {
    expect(fromVariantValue(21.5)).toBe(21.5);
    expect(fromVariantValue(false)).toBe(false);
    expect(fromVariantValue('on')).toBe('on');
    expect(fromVariantValue([256, 3])).toBe(2 ** 40 + 3);
    expect(fromVariantValue(Number.NaN)).toBeUndefined();
    expect(fromVariantValue({ a: 1 })).toBeUndefined();
    expect(fromVariantValue(null)).toBeUndefined();
  });

  it('knows built-in data type ids', () => {
    expect(builtInDataType(new NodeId(NodeId.NodeIdType.NUMERIC, 11, 0))).toBe(DataType.Double);
    expect(builtInDataType(new NodeId(NodeId.NodeIdType.NUMERIC, 10, 0))).toBe(DataType.Float);
    expect(builtInDataType(new NodeId(NodeId.NodeIdType.NUMERIC, 11, 2))).toBeUndefined();
  });
});
