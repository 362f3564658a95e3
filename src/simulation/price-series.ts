import { readFileSync } from 'node:fs';
import { formatProblems } from '../utility/table-text';
import { parsePricesCsv, PriceSeries as LivePrices } from '../utility/price-series';

/**
 * Prices for `simulate --prices`: the live price format (CSV `time,electricity_eur_per_mwh
 * [,heat_eur_per_mwh]`, src/utility/price-series.ts), read by the same parser so a file that
 * simulates also loads on a site, without the live source's one-month limit (a year is 8,760
 * rows). Hours may be missing (two separate weeks in one file): a time without a price has none,
 * and value is then not counted for it (reported as unpriced), never guessed. An empty heat cell
 * means the price model prices that hour.
 */
export interface PriceSeries {
  /** Electricity price in effect at `t`, €/MWh; NaN when the file has none for then. */
  electricityAt(t: number): number;
  /** The file's heat price at `t`, €/MWh; NaN when none (the price model's hour). */
  heatAt(t: number): number;
  /** Start times of the file's prices, ascending. */
  readonly hours: readonly number[];
  describe(): string;
}

export function parsePriceCsv(text: string, name: string): PriceSeries {
  const parsed = parsePricesCsv(text, { maxRows: Number.POSITIVE_INFINITY });
  if (!parsed.ok) {
    const text = formatProblems(parsed.problems, Number.POSITIVE_INFINITY);
    throw new Error(
      text
        .split('\n')
        .map((line) => `${name}: ${line}`)
        .join('\n'),
    );
  }
  // Kept whole: nothing of a simulated year is "past".
  const series = new LivePrices(() => 0, Number.POSITIVE_INFINITY);
  series.accept(parsed.value);
  const hours = parsed.value.map((e) => e.start);
  const withHeat = parsed.value.filter((e) => e.heatEurPerMWh !== undefined).length;
  return {
    hours,
    electricityAt: (t) => series.at(t)?.electricityEurPerMWh ?? NaN,
    heatAt: (t) => series.at(t)?.heatEurPerMWh ?? NaN,
    describe: () =>
      `${name} (${hours.length} prices, ${withHeat} with a heat price, from ${new Date(hours[0]!).toISOString()})`,
  };
}

export function loadPriceCsv(file: string): PriceSeries {
  return parsePriceCsv(readFileSync(file, 'utf8'), file);
}
