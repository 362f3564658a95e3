import { beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { loadSiteConfig, type SiteConfig } from '../../../src/config';
import { siteHeatModel } from '../../../src/signals/heat-forecast';
import { ClosedLoop, type ClosedLoopResult } from '../../../src/simulation/closed-loop';
import { flexComparison } from '../../../src/simulation/flex-report';
import { flexibleBounds, FlexMeter } from '../../../src/simulation/flexible-it';
import { DEFAULT_WEATHER_FILE, hourlyCsvWeather, type Simulation } from '../../../simulators';

/**
 * `simulate --flexible-it`: two spring days of the shipped Helsinki year, the IT load as it is and
 * with 20 % of it following the heat signal, the same seed. In April the network takes all the
 * heat pumps make by day and less at night, so the signal has something to move.
 */
let site: SiteConfig;
const START = Date.UTC(2021, 3, 14, 22); // 15 April 2021 00:00 in Helsinki (UTC+3)
const DAYS = 2;
let fixed: ClosedLoopResult;
let flexible: ClosedLoopResult;
const followed: number[] = [];

beforeAll(async () => {
  const loaded = await loadSiteConfig(join(__dirname, '../../../config/demo.yaml'), {});
  if (!loaded.ok) throw new Error('demo config invalid');
  // Without the utility section: no plans or prices, the signal runs on the site's curves.
  const { utility: _u, ...rest } = loaded.config;
  site = rest;
  const weather = hourlyCsvWeather(DEFAULT_WEATHER_FILE);
  const model = siteHeatModel(site)!;
  const deadlineHour = model.flexible.deadlineHour;
  const base = { site, weather, start: START, timelineEveryS: 3600 };
  const fixedLoop = new ClosedLoop({ ...base, flex: { deadlineHour } });
  fixed = fixedLoop.run(DAYS * 86_400);
  const bounds = flexibleBounds(0.2, fixedLoop.sim.params, deadlineHour);
  const loop = new ClosedLoop({
    ...base,
    flex: {
      deadlineHour,
      follow: { share: 0.2, end: START + DAYS * 86_400_000, model: { ...model, flexible: bounds } },
    },
  });
  for (let h = 0; h < DAYS * 24; h++) {
    loop.run(3600);
    followed.push(loop.sim.flexibleIt?.kw ?? NaN);
  }
  flexible = loop.run(0);
}, 120_000);

describe('simulate --flexible-it', () => {
  it('keeps the compute energy of every deadline window', () => {
    const c = flexComparison(20, fixed, flexible);
    expect(c.windows).toBeGreaterThanOrEqual(DAYS);
    // The plant integrates in 5 s steps: the balance holds to well under a kWh a day.
    expect(c.maxWindowItDiffKwh).toBeLessThan(2);
    expect(Math.abs(c.flexible.itMWh - c.fixed.itMWh)).toBeLessThan(0.002);
  });

  it('runs the flexible work within its bounds, and moves it', () => {
    // 20 % of 2 MW: 400 kW on average, 100–800 kW, ramp 200 kW/h.
    expect(followed.every((kw) => kw >= 100 - 1e-6 && kw <= 800 + 1e-6)).toBe(true);
    for (let i = 1; i < followed.length; i++)
      expect(Math.abs(followed[i]! - followed[i - 1]!)).toBeLessThanOrEqual(200 + 1e-6);
    expect(Math.max(...followed) - Math.min(...followed)).toBeGreaterThan(100);
  });

  it('dumps less heat and delivers more than the fixed load, with the cooling far from its limit', () => {
    const c = flexComparison(20, fixed, flexible);
    expect(c.flexible.dumpedMWh).toBeLessThan(c.fixed.dumpedMWh);
    expect(c.flexible.deliveredMWh).toBeGreaterThan(c.fixed.deliveredMWh);
    expect(c.flexible.maxCduSupplyC).toBeLessThan(43);
    expect(c.flexible.safetyCycles).toBe(0);
    expect(c.flexible.plcSafeStateTrips).toBe(0);
    expect(c.signalHours).toBe(DAYS * 24);
  });
});

describe("the flexible-it meter's months", () => {
  it('counts a step to the month its last instant is in, each month once', () => {
    const meter = new FlexMeter('Europe/Helsinki', 6);
    const feb1 = Date.UTC(2021, 0, 31, 22); // 1 February 2021 00:00 in Helsinki
    const state = { t: 0, itKw: 3600, drycoolerKw: 0, deliveredKw: 0, liquidKw: 0 };
    const sim = { state } as unknown as Simulation;
    // An hour before the month's end to an hour after, in 5 s steps ending on the boundary too.
    for (let t = feb1 - 3_600_000 + 5000; t <= feb1 + 3_600_000; t += 5000) {
      state.t = t;
      meter.sample(sim, 5);
    }
    expect(meter.figures.months.map((m) => m.month)).toEqual(['2021-01', '2021-02']);
    // 3,600 kW for an hour each side: 3,600 kWh in each month.
    expect(meter.figures.months[0]!.itKwh).toBeCloseTo(3600, 6);
    expect(meter.figures.months[1]!.itKwh).toBeCloseTo(3600, 6);
  });
});
