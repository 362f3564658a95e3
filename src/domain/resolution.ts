import type { Unit } from './units';

/**
 * The step a point's value is shown at (API, page, CLI, reports, alarm text). Data is stored at
 * full precision; only presentation rounds, so `80.30000000000001` (a float sum) reads `80.3`.
 * A point's configured `resolution` wins; otherwise its unit's default below.
 */
const UNIT_RESOLUTION: Record<Unit, number> = {
  degC: 0.1,
  K: 0.1,
  kW: 0.1,
  kWh: 0.1,
  MWh: 0.001,
  'm3/h': 0.01,
  'kg/s': 0.01,
  bar: 0.01,
  '%': 0.1,
  ratio: 0.01,
  bool: 1,
  count: 1,
  s: 1,
  text: 1,
  EUR: 0.01,
  'EUR/h': 0.01,
  'EUR/MWh': 0.01,
};

/** How a unit is written for people (alarm text, CLI, page). */
const UNIT_SYMBOL: Record<Unit, string> = {
  degC: '°C',
  K: 'K',
  kW: 'kW',
  kWh: 'kWh',
  MWh: 'MWh',
  'm3/h': 'm³/h',
  'kg/s': 'kg/s',
  bar: 'bar',
  '%': '%',
  ratio: '',
  bool: '',
  count: '',
  s: 's',
  text: '',
  EUR: '€',
  'EUR/h': '€/h',
  'EUR/MWh': '€/MWh',
};

export interface Resolved {
  unit: Unit;
  /** Configured presentation step (e.g. 0.5, 1, 0.01); the unit's default when absent. */
  resolution?: number;
}

export function resolutionOf(p: Resolved): number {
  const r = p.resolution;
  return r !== undefined && Number.isFinite(r) && r > 0 ? r : UNIT_RESOLUTION[p.unit];
}

/** Decimals a step needs: 0.1 → 1, 0.25 → 2, 5 → 0. */
export function decimalsOf(step: number): number {
  for (let d = 0; d <= 9; d++) {
    if (Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-9) return d;
  }
  return 9;
}

/**
 * A number rounded to the point's resolution, as a number (for JSON). Rounding goes through the
 * decimal string so the result is the shortest float that prints as intended (0.1 + 0.2 → 0.3).
 * Non-numbers and non-finite numbers pass through unchanged.
 */
export function atResolution<T>(value: T, p: Resolved): T {
  if (typeof value !== 'number' || !Number.isFinite(value)) return value;
  const step = resolutionOf(p);
  const rounded = Math.round(value / step) * step;
  return Number(rounded.toFixed(decimalsOf(step))) as T;
}

/** A number as text at the point's resolution (fixed decimals, so 60 reads 60.0 for °C). */
export function formatAtResolution(value: number, p: Resolved): string {
  if (!Number.isFinite(value)) return String(value);
  const step = resolutionOf(p);
  return (Math.round(value / step) * step).toFixed(decimalsOf(step));
}

export function unitSymbol(unit: Unit): string {
  return UNIT_SYMBOL[unit];
}

/** "60.2 °C", "4.12", "true": a value with its unit as a person reads it. */
export function formatWithUnit(value: unknown, p: Resolved): string {
  const text = typeof value === 'number' ? formatAtResolution(value, p) : String(value);
  const sym = UNIT_SYMBOL[p.unit];
  if (!sym) return text;
  return sym === '%' ? `${text} %` : `${text} ${sym}`;
}
