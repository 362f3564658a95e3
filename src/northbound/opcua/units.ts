import { makeEUInformation, type EUInformation } from 'node-opcua';
import type { Unit } from '../../domain/units';

/**
 * HeatBridge's units as OPC UA EngineeringUnits: the UNECE Recommendation 20 common code (which
 * OPC UA turns into `EUInformation.unitId`), the symbol a client shows and the unit's name. Money
 * has no UNECE code: its EUInformation carries unitId -1 ("no unit id", OPC 10000-8 5.6.3) and
 * the symbol. `bool` and `text` are not analog: their variables have no EngineeringUnits.
 */
export const UNECE_UNITS: Record<
  Unit,
  { code?: string; symbol: string; name: string } | undefined
> = {
  degC: { code: 'CEL', symbol: '°C', name: 'degree Celsius' },
  K: { code: 'KEL', symbol: 'K', name: 'kelvin' },
  kW: { code: 'KWT', symbol: 'kW', name: 'kilowatt' },
  kWh: { code: 'KWH', symbol: 'kWh', name: 'kilowatt hour' },
  MWh: { code: 'MWH', symbol: 'MWh', name: 'megawatt hour' },
  'm3/h': { code: 'MQH', symbol: 'm³/h', name: 'cubic metre per hour' },
  'kg/s': { code: 'KGS', symbol: 'kg/s', name: 'kilogram per second' },
  bar: { code: 'BAR', symbol: 'bar', name: 'bar [unit of pressure]' },
  '%': { code: 'P1', symbol: '%', name: 'percent' },
  ratio: { code: 'C62', symbol: '1', name: 'one (dimensionless ratio)' },
  count: { code: 'C62', symbol: '1', name: 'one (a count)' },
  s: { code: 'SEC', symbol: 's', name: 'second [unit of time]' },
  EUR: { symbol: 'EUR', name: 'euro (no UNECE unit code)' },
  'EUR/h': { symbol: 'EUR/h', name: 'euro per hour (no UNECE unit code)' },
  'EUR/MWh': { symbol: 'EUR/MWh', name: 'euro per megawatt hour (no UNECE unit code)' },
  bool: undefined,
  text: undefined,
};

/** The EngineeringUnits of a numeric point; undefined for `bool` and `text`. */
export function euInformationOf(unit: Unit): EUInformation | undefined {
  const u = UNECE_UNITS[unit];
  if (!u) return undefined;
  if (u.code) return makeEUInformation(u.code, u.symbol, u.name);
  const eu = makeEUInformation('', u.symbol, u.name);
  eu.unitId = -1;
  return eu;
}
