import { beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { loadSiteConfig, type SiteConfig } from '../../../src/config';
import { HEAT_PRICE_DEFAULTS } from '../../../src/config/utility';
import { ClosedLoop } from '../../../src/simulation/closed-loop';
import { parsePriceCsv } from '../../../src/simulation/price-series';
import { constantWeather, parseNetworkCsv } from '../../../simulators';

/**
 * `simulate --network`: the plant runs on the series (not the built-in curves), the run is scored
 * against the upper bound and valued, and the simulated utility publishes the series as plans
 * through the `utility` device. Three simulated hours.
 */
let site: SiteConfig;
const HOUR = 3_600_000;
const START = Date.UTC(2021, 0, 11, 8);
const rows = Array.from({ length: 6 }, (_, i) => {
  const t = new Date(START + i * HOUR).toISOString();
  return `${t},${40_000 + i * 1000},${78 + i},48,-6`;
});
const network = parseNetworkCsv(
  ['time,demand_kw,supply_c,return_c,outdoor_c', ...rows].join('\n'),
  'n.csv',
  { share: 0.05 },
);
const prices = parsePriceCsv(
  [
    'time,electricity_eur_per_mwh,heat_eur_per_mwh',
    ...Array.from({ length: 3 }, (_, i) => `${new Date(START + i * HOUR).toISOString()},60,45`),
  ].join('\n'),
  'p.csv',
);

beforeAll(async () => {
  const loaded = await loadSiteConfig(join(__dirname, '../../../config/demo.yaml'), {});
  if (!loaded.ok) throw new Error('demo config invalid');
  site = {
    ...loaded.config,
    utility: loaded.config.utility ?? {
      plan: { stateFile: 'unused.json' },
      heatPrice: { ...HEAT_PRICE_DEFAULTS },
    },
  };
});

describe('simulate on a network series', () => {
  it('runs the plant on the series, scores it against the upper bound and values it', () => {
    const loop = new ClosedLoop({
      site,
      weather: constantWeather(20),
      start: START,
      network,
      prices,
      timelineEveryS: 600,
    });
    const published: number[] = [];
    const electricity = new Set<unknown>();
    loop.utility!.feed.samples$.subscribe((s) => {
      if (s.id === 'utility/plan_supply_temp' && typeof s.value === 'number')
        published.push(s.value);
      if (s.id === 'utility/electricity_price') electricity.add(s.value);
    });
    const r = loop.run(3 * 3600);
    // The series' temperatures, not the weather's 20 °C.
    expect(r.timeline.every((p) => p.outdoorC === -6)).toBe(true);
    expect(new Set(published)).toEqual(new Set([78, 79, 80, 81]));
    expect(electricity).toEqual(new Set([60]));
    const n = r.network!;
    expect(n.months.map((m) => m.period)).toEqual(['2021-01']);
    expect(n.total.hours).toBeCloseTo(3, 6);
    expect(n.total.upperBoundKwh).toBeGreaterThan(0);
    // A bound: nothing delivered above it (beyond the heat stored in the header at the start).
    expect(n.total.deliveredKwh).toBeGreaterThan(0.5 * n.total.upperBoundKwh);
    expect(n.total.deliveredKwh).toBeLessThanOrEqual(n.total.upperBoundKwh * 1.02);
    const byMode = Object.values(n.total.deliveredByModeKwh).reduce((a, b) => a + b, 0);
    expect(byMode).toBeCloseTo(n.total.deliveredKwh, 6);
    expect(n.total.deliveredKwh).toBeCloseTo(r.deliveredKwh, 0);
    // Priced: 45 €/MWh of heat (the file's), 60 €/MWh of electricity.
    expect(n.priced).toBe(true);
    expect(n.total.revenueEur).toBeCloseTo((n.total.deliveredKwh * 45) / 1000, 6);
    expect(n.total.costEur).toBeCloseTo((n.total.hpElectricKwh * 60) / 1000, 6);
    expect(r.timeline.some((p) => p.upperBoundKw > 0)).toBe(true);
  });
});
