import { describe, expect, it } from '@jest/globals';
import { DataType, standardUnits } from 'node-opcua';
import {
  typeProblem,
  uneceCode,
  unitWarnings,
  valueProblem,
  type NodeInfo,
} from '../../../../src/adapters/opcua/node-checks';
import type { OpcuaPointConfig } from '../../../../src/config/opcua';
import type { Unit } from '../../../../src/domain/units';

const point = (unit: Unit, more: Partial<OpcuaPointConfig> = {}): OpcuaPointConfig =>
  ({ name: 'p', nodeId: 'ns=1;s=p', unit, access: 'r', ...more }) as OpcuaPointConfig;

describe("OPC UA points checked against the server's node (issue 21.12, 21.13)", () => {
  it('reads UNECE common codes from EUInformation unit ids', () => {
    expect(uneceCode(standardUnits.degree_celsius.unitId)).toBe('CEL');
    expect(uneceCode(standardUnits.kilowatt.unitId)).toBe('KWT');
    expect(uneceCode(standardUnits.cubic_metre_per_hour.unitId)).toBe('MQH');
    expect(uneceCode(standardUnits.percent.unitId)).toBe('P1');
    expect(uneceCode(-1)).toBeUndefined();
  });

  it('a type the unit cannot be is an error: Boolean or String for a number, Double for bool, arrays', () => {
    expect(typeProblem({ dataType: DataType.Boolean }, 'kW')).toBe(
      'the node is a Boolean; a point with unit kW needs a number',
    );
    expect(typeProblem({ dataType: DataType.String }, 'degC')).toMatch(/String; .* needs a number/);
    expect(typeProblem({ dataType: DataType.Double }, 'bool')).toMatch(
      /a Double; a point with unit bool needs a Boolean/,
    );
    expect(typeProblem({ dataType: DataType.Double, valueRank: 1 }, 'kW')).toMatch(/an array/);
    // Fine: what each unit can be, including a state carried as 0/1 in an integer.
    expect(typeProblem({ dataType: DataType.Float }, 'kW')).toBeUndefined();
    expect(typeProblem({ dataType: DataType.UInt16 }, 'bool')).toBeUndefined();
    expect(typeProblem({ dataType: DataType.String }, 'text')).toBeUndefined();
    expect(typeProblem({}, 'kW')).toBeUndefined(); // not known: nothing to say
  });

  it('a unit other than the EngineeringUnits, or a percent deadband without EURange, is a warning', () => {
    const celsius: NodeInfo = {
      dataType: DataType.Double,
      eu: { code: 'CEL', symbol: '°C' },
      euRange: { low: 0, high: 100 },
    };
    expect(unitWarnings(celsius, point('degC'))).toEqual([]);
    expect(unitWarnings(celsius, point('K'))).toEqual([]); // a ΔT in °C is the same number
    expect(unitWarnings(celsius, point('kW'))).toEqual([
      "unit kW is configured, but the server's EngineeringUnits are °C (CEL); values are taken as kW, unconverted",
    ]);
    // Without a UNECE code, the symbol tells.
    expect(unitWarnings({ eu: { symbol: 'kW' } }, point('kW'))).toEqual([]);
    expect(unitWarnings({ eu: { symbol: 'W' } }, point('kW'))).toHaveLength(1);
    // No EngineeringUnits at all: nothing to compare.
    expect(unitWarnings({ dataType: DataType.Double }, point('kW'))).toEqual([]);
    const percent = point('degC', { deadband: { type: 'percent', value: 1 } });
    expect(unitWarnings(celsius, percent)).toEqual([]);
    expect(unitWarnings({ dataType: DataType.Double }, percent)).toEqual([
      expect.stringMatching(/^a percent deadband needs the node to have an EURange/),
    ]);
  });

  it('says why the node cannot hold a value (C6), and nothing before its type is known', () => {
    expect(valueProblem(2.5, { dataType: DataType.Int16 })).toBe(
      '2.5 is not an Int16 (whole numbers \u221232768..32767)',
    );
    expect(valueProblem(40000, { dataType: DataType.Int16 })).toMatch(/40000 is not an Int16/);
    expect(valueProblem(2.5, { dataType: DataType.Boolean })).toBe(
      '2.5 is not a Boolean (true or false)',
    );
    expect(valueProblem(true, { dataType: DataType.Double })).toBe(
      'true is not a Double (a number)',
    );
    expect(valueProblem(300, { dataType: DataType.Int16 })).toBeUndefined();
    expect(valueProblem(2.5, {})).toBeUndefined();
  });
});
