import { describe, expect, it } from '@jest/globals';
import { parseNetworkCsv } from '../../../simulators';
import {
  generateNetworkSeries,
  networkSeriesCsv,
  priceSeriesCsv,
} from '../../../src/simulation/network-generator';
import { parsePriceCsv } from '../../../src/simulation/price-series';
import { parsePrices } from '../../../src/utility/price-series';

const HOUR = 3_600_000;
const T0 = Date.UTC(2021, 0, 1);
/** Two cold days in January and two warm ones in July. */
const hours = [
  ...Array.from({ length: 48 }, (_, i) => ({ t: T0 + i * HOUR, outdoorC: -18 })),
  ...Array.from({ length: 48 }, (_, i) => ({ t: T0 + (4500 + i) * HOUR, outdoorC: 22 })),
];

describe('network generate', () => {
  const series = generateNetworkSeries(hours, { peakKw: 10_000, seed: 3 });

  it('is deterministic: the same weather and seed, the same series; another seed, another', () => {
    expect(generateNetworkSeries(hours, { peakKw: 10_000, seed: 3 })).toEqual(series);
    expect(generateNetworkSeries(hours, { peakKw: 10_000, seed: 4 })).not.toEqual(series);
  });

  it('feeds near the top in the cold and at the minimum in summer, with night dips; peak as asked', () => {
    const winter = series.slice(24, 48);
    const summer = series.slice(72);
    expect(Math.max(...winter.map((h) => h.supplyC))).toBeGreaterThanOrEqual(115);
    expect(Math.max(...winter.map((h) => h.supplyC))).toBeLessThanOrEqual(120);
    expect(Math.min(...summer.map((h) => h.supplyC))).toBe(70);
    expect(Math.max(...summer.map((h) => h.supplyC))).toBeLessThanOrEqual(75);
    // 02:00 Helsinki (00 UTC) against 12:00 (10 UTC) of the second cold day.
    expect(series[24]!.supplyC).toBeLessThan(series[34]!.supplyC);
    expect(Math.max(...series.map((h) => h.demandKw))).toBe(10_000);
    const mean = (xs: { demandKw: number }[]): number =>
      xs.reduce((a, h) => a + h.demandKw, 0) / xs.length;
    expect(mean(summer)).toBeLessThan(mean(winter) / 4);
    for (const h of series) expect(h.supplyC).toBeGreaterThan(h.returnC);
  });

  it('writes CSV the network loader reads, and prices both price parsers read', () => {
    const first = series.slice(0, 48);
    const loaded = parseNetworkCsv(networkSeriesCsv(first), 'generated', { share: 0.5 });
    expect(loaded.kind).toBe('demand');
    expect(loaded.hasOutdoor).toBe(true);
    expect(loaded.hourAt(T0 + 5 * HOUR).demandKw).toBe(first[5]!.demandKw * 0.5);
    const csv = priceSeriesCsv(first, 'Europe/Helsinki');
    const ours = parsePriceCsv(csv, 'p.csv');
    expect(ours.hours).toHaveLength(48);
    const utility = parsePrices(csv, 'csv');
    expect(utility.ok).toBe(true);
    if (utility.ok)
      expect(utility.value[3]!.electricityEurPerMWh).toBe(ours.electricityAt(T0 + 3 * HOUR));
  });
});

describe('simulate --prices', () => {
  it('looks prices up by hour; an hour without a row has none, a blank heat cell none for heat', () => {
    const p = parsePriceCsv(
      'time,electricity_eur_per_mwh,heat_eur_per_mwh\n2021-01-01T00:00:00Z,50,30\n2021-01-01T03:00:00+02:00,-5,\n',
      'p.csv',
    );
    expect(p.electricityAt(T0 + 59 * 60_000)).toBe(50);
    expect(p.heatAt(T0)).toBe(30);
    expect(p.electricityAt(T0 + HOUR)).toBe(-5);
    expect(p.heatAt(T0 + HOUR)).toBeNaN();
    expect(p.electricityAt(T0 + 2 * HOUR)).toBeNaN();
  });

  it('reads the live price format with its parser: every problem named with its line and column at once', () => {
    expect(() =>
      parsePriceCsv(
        'time,electricity_eur_per_mwh\n2021-01-01T00:00:00Z,x\nyesterday,5\n2021-01-01T02:00:00Z,5\n2021-01-01T02:00:00Z,6\n',
        'p.csv',
      ),
    ).toThrow(
      [
        'p.csv: line 2, electricity_eur_per_mwh: expected a number, found "x"',
        'p.csv: line 3, time: expected an ISO 8601 time with offset, e.g. 2026-01-15T14:00:00+01:00',
        'p.csv: line 5, time:',
      ].join('\n'),
    );
    expect(() => parsePriceCsv('when,price\n', 'q.csv')).toThrow(/^q\.csv: /);
  });

  it("reads a year of hourly prices, beyond the live sources' month", () => {
    const rows = Array.from(
      { length: 8760 },
      (_, h) => `${new Date(T0 + h * HOUR).toISOString()},${h % 100}`,
    );
    const p = parsePriceCsv(`time,electricity_eur_per_mwh\n${rows.join('\n')}\n`, 'year.csv');
    expect(p.hours).toHaveLength(8760);
    expect(p.electricityAt(T0 + 8759 * HOUR + 1)).toBe(8759 % 100);
  });
});
