import { beforeAll, describe, expect, it } from '@jest/globals';
import { demoConfigPath } from '../../../src/cli/commands';
import { loadSiteConfig, type SiteConfig } from '../../../src/config';
import type { HistoryPoint } from '../../../src/historian/backend';
import { localDays } from '../../../src/reporting/calendar';
import { energyReport } from '../../../src/reporting/energy-report';
import { formatReport } from '../../../src/reporting/format';
import { parseReportTime } from '../../../src/reporting/time';
import { valueSection } from '../../../src/reporting/value-report';

/**
 * The energy report's value section from the value ledger's rates as the historian holds them:
 * two Helsinki days across a month's end, 15-minute samples (the reporting gap limit), revenue
 * 40 €/h, cost 20 €/h, net 20 €/h; on the first day two hours without data and an hour whose
 * net is bad (no price).
 */
const TZ = 'Europe/Helsinki';
const MIN = 60_000;
const HOUR = 60 * MIN;
let site: SiteConfig;
let from: number;
let to: number;

beforeAll(async () => {
  const loaded = await loadSiteConfig(demoConfigPath(), {});
  if (!loaded.ok) throw new Error('demo config invalid');
  site = loaded.config;
  from = parseReportTime('2026-01-31', TZ)!;
  to = parseReportTime('2026-02-02', TZ)!;
});

function history(id: string, a: number, b: number): Promise<HistoryPoint[]> {
  const rate = { 'value/revenue_rate': 40, 'value/cost_rate': 20, 'value/net_rate': 20 }[id];
  if (rate === undefined) return Promise.resolve([]);
  const points: HistoryPoint[] = [];
  for (let t = from - HOUR; t < to + HOUR; t += 15 * MIN) {
    if (t < a || t >= b) continue;
    // 10:15–11:45 on the first day: nothing recorded (HeatBridge down).
    if (t > from + 10 * HOUR && t < from + 12 * HOUR) continue;
    // 20:00–20:45: the net rate is bad (no electricity price).
    const unpriced = id === 'value/net_rate' && t >= from + 20 * HOUR && t < from + 21 * HOUR;
    points.push({ t, value: rate, quality: unpriced ? 'bad' : 'good' });
  }
  return Promise.resolve(points);
}

describe('the energy report’s value section', () => {
  it('integrates each rate per local day and month, counting no value where it is unknown', async () => {
    const v = await valueSection(site, history, localDays(from, to, TZ));
    expect(v?.days).toEqual([
      // 22 h with data; the net's bad hour counts nothing (19:45–20:00 still does).
      { date: '2026-01-31', revenueEur: 880, costEur: 440, netEur: 420, coverage: 0.875 },
      { date: '2026-02-01', revenueEur: 960, costEur: 480, netEur: 480, coverage: 1 },
    ]);
    expect(v?.months.map((m) => [m.month, m.netEur])).toEqual([
      ['2026-01', 420],
      ['2026-02', 480],
    ]);
    expect(v?.totals).toEqual({
      revenueEur: 1840,
      costEur: 920,
      netEur: 900,
      coverage: 0.9375,
    });
  });

  it('is in the report, its Markdown and its CSV; absent for a site without utility.value', async () => {
    const report = await energyReport(site, history, from, to, { now: to });
    expect(report.value?.totals.netEur).toBe(900);
    const md = formatReport(report, 'md');
    expect(md).toContain('## Value');
    expect(md).toContain('| 2026-01 | 880.00 | 440.00 | 420.00 | 87.5 % |');
    const csv = formatReport(report, 'csv').split('\n');
    expect(csv[0]).toMatch(/,revenue_eur,cost_eur,net_eur,value_coverage$/);
    expect(csv[1]).toMatch(/^2026-01-31,.*,880\.00,440\.00,420\.00,0\.8750$/);
    const plain = structuredClone(site);
    delete plain.utility;
    const without = await energyReport(plain, history, from, to, { now: to });
    expect(without.value).toBeNull();
    expect(formatReport(without, 'md')).not.toContain('## Value');
  });
});
