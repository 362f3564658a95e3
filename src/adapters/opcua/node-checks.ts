import { DataType } from 'node-opcua';
import type { OpcuaPointConfig } from '../../config/opcua';
import { valueTypeOfUnit, type Unit } from '../../domain/units';
import type { SampleValue } from '../../domain/sample';
import { INTEGER_TYPES, NUMERIC_TYPES, toVariant, typeName, withArticle } from './values';

/** What the server says about a point's node, read at connect (see node-info.ts). */
export interface NodeInfo {
  /** The built-in type its values are encoded as; undefined when it could not be told. */
  dataType?: DataType;
  /** -1 scalar, -2 any, -3 scalar or one dimension, 0 or more: an array. */
  valueRank?: number;
  /** Its EngineeringUnits property: the UNECE common code when it has one, and the symbol. */
  eu?: { code?: string; symbol?: string };
  /** Its EURange property, which a percent deadband is a percentage of. */
  euRange?: { low: number; high: number };
}

/** The UNECE common codes (Recommendation 20) each unit is, as OPC UA's EUInformation has them. */
const UNECE: Partial<Record<Unit, readonly string[]>> = {
  degC: ['CEL'],
  // A temperature difference in °C is the same number as in kelvin.
  K: ['KEL', 'CEL'],
  kW: ['KWT'],
  kWh: ['KWH'],
  MWh: ['MWH'],
  'm3/h': ['MQH'],
  'kg/s': ['KGS'],
  bar: ['BAR'],
  '%': ['P1'],
  s: ['SEC'],
  ratio: ['C62'],
  count: ['C62'],
};

/** The symbols a server without UNECE codes may name the same units by. */
const SYMBOLS: Partial<Record<Unit, readonly string[]>> = {
  degC: ['°C', '℃', 'degC'],
  K: ['K', '°C'],
  kW: ['kW'],
  kWh: ['kWh', 'kW·h'],
  MWh: ['MWh', 'MW·h'],
  'm3/h': ['m³/h', 'm3/h'],
  'kg/s': ['kg/s'],
  bar: ['bar'],
  '%': ['%'],
  s: ['s'],
  ratio: ['', '1'],
  count: ['', '1'],
};

/** The namespace of UNECE unit ids in EUInformation. */
export const UNECE_NAMESPACE = 'http://www.opcfoundation.org/UA/units/un/cefact';

/**
 * The UNECE common code an EUInformation's unitId encodes ("CEL" is 0x43454C): the code's
 * characters as bytes of the Int32, most significant first. Undefined for -1 (no unit) or an id
 * that is not such a code.
 */
export function uneceCode(unitId: number): string | undefined {
  if (!Number.isInteger(unitId) || unitId <= 0) return undefined;
  let code = '';
  for (let shift = 24; shift >= 0; shift -= 8) {
    const byte = (unitId >>> shift) & 0xff;
    if (byte !== 0 || code !== '') code += String.fromCharCode(byte);
  }
  return /^[A-Z0-9]{2,3}$/.test(code) ? code : undefined;
}

/**
 * Why a point of `unit` cannot be served by this node at all (an error: the point is not used),
 * or undefined. A number needs a numeric node; a Boolean a Boolean node, or an integer one that
 * carries a state as 0/1; text a String node; every point a single value, not an array.
 */
export function typeProblem(info: NodeInfo, unit: Unit): string | undefined {
  const array = arrayProblem(info);
  if (array) return array;
  const t = info.dataType;
  if (t === undefined) return undefined;
  const name = typeName(t);
  const expected = valueTypeOfUnit(unit);
  const fits =
    expected === 'number'
      ? NUMERIC_TYPES.has(t)
      : expected === 'boolean'
        ? t === DataType.Boolean || INTEGER_TYPES.has(t)
        : t === DataType.String;
  if (fits) return undefined;
  const needs =
    expected === 'number'
      ? 'a number'
      : expected === 'boolean'
        ? 'a Boolean (or an integer 0/1)'
        : 'a String';
  return `the node is ${withArticle(name)}; a point with unit ${unit} needs ${needs}`;
}

/**
 * What is doubtful about a point on this node, but not impossible (warnings): a unit other than
 * the server's EngineeringUnits, a percent deadband on a node without an EURange.
 */
export function unitWarnings(info: NodeInfo, point: OpcuaPointConfig): string[] {
  const warnings: string[] = [];
  const { unit } = point;
  const eu = info.eu;
  if (eu && valueTypeOfUnit(unit) === 'number') {
    const codes = UNECE[unit] ?? [];
    const symbols = SYMBOLS[unit] ?? [];
    const same =
      eu.code !== undefined ? codes.includes(eu.code) : symbols.includes(eu.symbol ?? '');
    if (!same) {
      const theirs = [eu.symbol, eu.code ? `(${eu.code})` : undefined].filter(Boolean).join(' ');
      warnings.push(
        `unit ${unit} is configured, but the server's EngineeringUnits are ${theirs || 'empty'}; values are taken as ${unit}, unconverted`,
      );
    }
  }
  if (point.deadband?.type === 'percent' && !info.euRange)
    warnings.push(
      'a percent deadband needs the node to have an EURange, which it has not: the server may refuse the monitored item or ignore the deadband',
    );
  return warnings;
}

/**
 * Why the node cannot hold `value`, or undefined when it can or its type is not known yet (C6):
 * "2.5 is not an Int16 (whole numbers −32768..32767)".
 */
export function valueProblem(value: SampleValue, info: NodeInfo): string | undefined {
  const array = arrayProblem(info);
  if (array) return array;
  if (info.dataType === undefined) return undefined;
  try {
    toVariant(value, info.dataType);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function arrayProblem({ valueRank }: NodeInfo): string | undefined {
  return valueRank !== undefined && valueRank >= 0
    ? `the node holds an array (ValueRank ${valueRank}), not a single value`
    : undefined;
}
