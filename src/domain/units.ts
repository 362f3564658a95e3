/**
 * Engineering units, SI-ish and spelled the same everywhere (config, historian `unit` tag, API).
 * Temperatures are absolute in `degC`; temperature differences are in `K` so a ΔT is never
 * mistaken for a reading.
 */
export const UNITS = [
  'degC', // temperature
  'K', // temperature difference
  'kW', // power (thermal or electric)
  'kWh', // energy
  'MWh', // energy, for reports
  'm3/h', // volume flow
  'kg/s', // mass flow
  'bar', // pressure
  '%', // share, position, load
  'ratio', // dimensionless: COP, ERF, PUE
  'bool', // on/off, true/false
  'count', // counters: starts, alarms, heartbeats
  's', // durations
  'text', // enumerated states reported as strings
  'EUR', // money: value of heat and electricity
  'EUR/h', // money per hour: the value rate now
  'EUR/MWh', // prices of heat and electricity
] as const;

export type Unit = (typeof UNITS)[number];

export function isUnit(value: string): value is Unit {
  return (UNITS as readonly string[]).includes(value);
}

/** The JavaScript value type a point of this unit carries. */
export function valueTypeOfUnit(unit: Unit): 'number' | 'boolean' | 'string' {
  if (unit === 'bool') return 'boolean';
  if (unit === 'text') return 'string';
  return 'number';
}
