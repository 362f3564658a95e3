import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli } from '../../helpers/cli';

const tmp = mkdtempSync(join(tmpdir(), 'hb-network-'));
const examples = join(ROOT, 'config', 'examples');

describe('heatbridge network generate', () => {
  it('makes the shipped examples again: the same hours, byte for byte (deterministic)', async () => {
    const out = join(tmp, 'day.csv');
    const prices = join(tmp, 'prices.csv');
    const r = await runCli([
      'network',
      'generate',
      '--from',
      '2021-01-11',
      '--days',
      '1',
      '--out',
      out,
      '--prices-out',
      prices,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/24 hours from 2021-01-11T00:00:00\.000Z, feed [\d.]+–[\d.]+ °C/);
    const lines = (file: string): string[] => readFileSync(file, 'utf8').trim().split('\n');
    expect(lines(out)[0]).toBe('time,demand_kw,supply_c,return_c,outdoor_c');
    expect(lines(out)).toEqual(lines(join(examples, 'network-winter.csv')).slice(0, 25));
    expect(lines(prices)).toEqual(lines(join(examples, 'prices-winter.csv')).slice(0, 25));
  });

  it('refuses a feed range upside down', async () => {
    const r = await runCli([
      'network',
      'generate',
      '--out',
      join(tmp, 'x.csv'),
      '--max-supply-c',
      '60',
      '--min-supply-c',
      '70',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the highest feed temperature must be above the lowest');
  });
});

describe('heatbridge simulate --network', () => {
  it('runs on the series with prices, reports the upper bound per month, value and the rule', async () => {
    const r = await runCli([
      'simulate',
      '--network',
      join(examples, 'network-winter.csv'),
      '--network-share',
      '0.06',
      '--prices',
      join(examples, 'prices-winter.csv'),
      '--compare-rule',
      '--days',
      '0.25',
      '--out',
      join(tmp, 'winter.svg'),
      '--json',
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      start: string;
      upperBound: {
        reachC: number;
        months: { period: string }[];
        total: {
          upperBoundMWh: number;
          deliveredMWh: number;
          aboveReachHours: number;
          value: { revenueEur: number; costEur: number; netEur: number };
        };
        rule: { netEur: number };
      };
    };
    expect(report.start).toBe('2021-01-11');
    const u = report.upperBound;
    expect(u.months.map((m) => m.period)).toEqual(['2021-01']);
    expect(u.total.upperBoundMWh).toBeGreaterThan(0);
    expect(u.total.deliveredMWh).toBeLessThanOrEqual(u.total.upperBoundMWh * 1.02);
    // The first six hours of the winter file ask for 88.5–120 °C: all above the reach.
    expect(u.total.aboveReachHours).toBe(6);
    // Each rounded to the euro.
    expect(
      Math.abs(u.total.value.netEur - (u.total.value.revenueEur - u.total.value.costEur)),
    ).toBeLessThanOrEqual(1);
    expect(typeof u.rule.netEur).toBe('number');
    expect(r.stderr).toContain('value-aware dispatch off');
    expect(readFileSync(join(tmp, 'winter.svg'), 'utf8')).toContain('data-series="Upper bound"');
  });

  it('takes a share or a peak, not both, and only with a series', async () => {
    const both = await runCli([
      'simulate',
      '--network',
      join(examples, 'network-winter.csv'),
      '--network-share',
      '0.1',
      '--network-peak-kw',
      '3000',
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--network-share and --network-peak-kw: give one or the other');
    const alone = await runCli(['simulate', '--network-share', '0.1']);
    expect(alone.code).toBe(2);
  });
});
