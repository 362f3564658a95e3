import { atResolution, formatAtResolution, unitSymbol, type Resolved } from '../domain/resolution';

/**
 * Every number the energy report gives, by what it is, with the step it is given at. The one
 * place that decides a report figure's resolution: the report's JSON carries the figures at
 * it and the Markdown and CSV print them with it, so no figure comes out as float noise
 * ("PUE 1.0781893004115226") because one code path forgot to round it.
 */
export const FIGURES = {
  /** Energies (MWh to the kWh). */
  mwh: { unit: 'MWh' },
  /** Energy across a gap or a counter jump. */
  kwh: { unit: 'kWh', resolution: 1 },
  /** A meter counter's reading (a reset's before and after), at the kWh unit's step. */
  counter: { unit: 'kWh' },
  /** Thermal power (hourly means and peaks). */
  kw: { unit: 'kW', resolution: 1 },
  degC: { unit: 'degC' },
  scop: { unit: 'ratio', resolution: 0.01 },
  /** Energy reuse factor: a share, given to four places as EN 50600-4-6 figures usually are. */
  erf: { unit: 'ratio', resolution: 0.0001 },
  /** PUE, PUE (EnEfG), ERE: three places (ISO/IEC 30134-2 reports two; the targets are 1.2, 1.3). */
  pue: { unit: 'ratio', resolution: 0.001 },
  /** Money: heat revenue, electricity cost, net value (to the cent). */
  eur: { unit: 'EUR' },
  /** Data coverage, a share 0…1 (printed as a percentage to 0.1 %). */
  coverage: { unit: 'ratio', resolution: 0.0001 },
} as const satisfies Record<string, Resolved>;

export type Figure = keyof typeof FIGURES;

/** A figure at its resolution (a number, for the JSON); null stays null. */
export function figure(x: number | null | undefined, kind: Figure): number | null {
  return x === null || x === undefined || !Number.isFinite(x)
    ? null
    : atResolution(x, FIGURES[kind]);
}

/** A figure as text at its resolution, with its unit when `withUnit`; 'n/a' when unknown. */
export function showFigure(x: number | null | undefined, kind: Figure, withUnit = false): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  const text = formatAtResolution(x, FIGURES[kind]);
  const sym = unitSymbol(FIGURES[kind].unit);
  return withUnit && sym ? `${text} ${sym}` : text;
}

/** A share 0…1 as a percentage to 0.1 % ("95.8 %"). */
export function showShare(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : `${(x * 100).toFixed(1)} %`;
}
