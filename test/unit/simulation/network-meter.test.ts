import { describe, expect, it } from '@jest/globals';
import { HEAT_PRICE_DEFAULTS } from '../../../src/config/utility';
import { NetworkMeter, type NetworkStep } from '../../../src/simulation/network-meter';
import { networkReport, formatNetworkReport } from '../../../src/simulation/network-report';
import { parsePriceCsv } from '../../../src/simulation/price-series';
import type { BoundSetup, BoundUnits } from '../../../src/simulation/upper-bound';
import { PlanStore } from '../../../src/utility/plan-store';
import { UtilityPublisher } from '../../../src/simulation/utility-publisher';
import { VirtualClock } from '../../../src/simulation/virtual-clock';
import { parseNetworkCsv } from '../../../simulators';
import { createLogger } from '../../../src/log';

const setup: BoundSetup = {
  modes: ['supply', 'top-up'],
  reachC: 85,
  minUsefulCop: 2,
  returnLine: { maxRiseK: 15, maxC: 70 },
};
const units: BoundUnits = { cop: () => 4, capacityKw: () => 2000, returnFlowShare: 1 };
/** Local midnight of 1 February in Helsinki. */
const FEB = Date.UTC(2021, 0, 31, 22);
const HOUR = 3_600_000;

/** A step of an hour ending at `end`. */
function step(end: number, over: Partial<NetworkStep> = {}): NetworkStep {
  return {
    t: end,
    dtS: 3600,
    coolantKw: 1200,
    evaporatorInC: 42,
    outdoorC: -5,
    network: { supplyC: 80, returnC: 45, acceptanceKw: 3000 },
    deliveredKw: 1000,
    hpElectricKw: 250,
    modeCode: 1,
    ...over,
  };
}

describe('the network meter', () => {
  it("splits by the site's months and counts energy by mode and hours above reach", () => {
    const m = new NetworkMeter(setup, units, 'Europe/Helsinki', undefined, HEAT_PRICE_DEFAULTS);
    m.measure(step(FEB));
    m.measure(
      step(FEB + HOUR, { modeCode: 3, network: { supplyC: 110, returnC: 50, acceptanceKw: 3000 } }),
    );
    expect(m.months.map((f) => f.period)).toEqual(['2021-01', '2021-02']);
    expect(m.months[0]!.upperBoundKwh).toBeCloseTo(1600, 6);
    expect(m.months[1]!.aboveReachHours).toBe(1);
    expect(m.months[1]!.deliveredByModeKwh).toEqual({
      none: 0,
      supply: 0,
      return: 0,
      'top-up': 1000,
    });
    expect(m.total.deliveredKwh).toBe(2000);
    expect(m.total.deliveredByModeKwh.supply).toBe(1000);
    expect(m.total.revenueEur).toBe(0);
    const text = formatNetworkReport(
      networkReport({ setup, priced: false, months: m.months, total: m.total }),
    );
    expect(text).toMatch(/2021-01\s+1\.60\s+1\.00\s+62\.5 %/);
    expect(text).toContain('Delivered by connection mode: supply 1 MWh, top-up 1 MWh');
    expect(text).not.toContain('Value:');
  });

  it("counts the bound below one unit's minimum output apart, and the share of the rest", () => {
    const withMin: BoundUnits = { ...units, minOutputKw: () => 500 };
    const m = new NetworkMeter(setup, withMin, 'Europe/Helsinki', undefined, HEAT_PRICE_DEFAULTS);
    // 400 kW accepted: below the 500 kW a unit makes at its minimum load; 100 kW delivered
    // anyway (a unit running down): left out of the rest's share too.
    m.measure(
      step(FEB, { deliveredKw: 100, network: { supplyC: 80, returnC: 45, acceptanceKw: 400 } }),
    );
    m.measure(step(FEB + HOUR, { deliveredKw: 1200 }));
    expect(m.total.upperBoundKwh).toBeCloseTo(2000, 6);
    expect(m.total.belowMinimumKwh).toBeCloseTo(400, 6);
    expect(m.total.deliveredBelowMinimumKwh).toBeCloseTo(100, 6);
    const r = networkReport({ setup, priced: false, months: m.months, total: m.total });
    expect(r.total.sharePct).toBe(65);
    expect(r.total.shareAboveMinimumPct).toBe(75);
    expect(formatNetworkReport(r)).toContain("Bound below one unit's minimum output: 0.4 MWh");
  });

  it("values the heat at the file's price, else the model's, and leaves hours without a price unpriced", () => {
    const prices = parsePriceCsv(
      [
        'time,electricity_eur_per_mwh,heat_eur_per_mwh',
        `${new Date(FEB).toISOString()},80,40`,
        `${new Date(FEB + HOUR).toISOString()},60,`,
      ].join('\n'),
      'p.csv',
    );
    const m = new NetworkMeter(setup, units, 'Europe/Helsinki', prices, HEAT_PRICE_DEFAULTS);
    m.measure(step(FEB + HOUR));
    // 1 MWh at 40 €, 0.25 MWh electricity at 80 €.
    expect(m.total.revenueEur).toBeCloseTo(40, 9);
    expect(m.total.costEur).toBeCloseTo(20, 9);
    m.measure(step(FEB + 2 * HOUR));
    // The model: 30 + 0.4 × (80 − 75) + 0.3 × 5 = 33.5 €/MWh.
    expect(m.total.revenueEur).toBeCloseTo(40 + 33.5, 9);
    m.measure(step(FEB + 3 * HOUR));
    expect(m.total.unpricedHours).toBe(1);
    expect(m.total.netEur).toBeCloseTo(73.5 - 20 - 15, 9);
  });
});

describe('the simulated utility', () => {
  it("publishes today's plan at the start, the next day's every day at 14:00", () => {
    const start = Date.UTC(2021, 0, 11, 3);
    const clock = new VirtualClock(start);
    const plans = new PlanStore({ log: createLogger({ level: 'silent' }), now: () => clock.now() });
    const rows = Array.from({ length: 96 }, (_, i) => {
      const t = new Date(Date.UTC(2021, 0, 10, 22) + i * HOUR).toISOString();
      return `${t},${1000 + i},${100 + (i % 10)},50`;
    });
    const network = parseNetworkCsv(
      ['time,demand_kw,supply_c,return_c', ...rows].join('\n'),
      'n.csv',
    );
    const accepted: number[] = [];
    const publisher = new UtilityPublisher({
      scheduler: clock,
      timeZone: 'Europe/Helsinki',
      plans: { accept: (p) => (accepted.push(p.hours.length), plans.accept(p)) },
      network,
    });
    publisher.start();
    expect(accepted).toEqual([24]);
    expect(plans.hourAt(Date.UTC(2021, 0, 11, 21, 30))).toBeDefined();
    expect(plans.hourAt(Date.UTC(2021, 0, 11, 22, 30))).toBeUndefined();
    const hour = plans.hourAt(start)!;
    expect(hour).toMatchObject({ supplyTempC: 105, capacityKw: 1005, mode: 'spot' });
    expect(hour.priceEurPerMWh).toBeUndefined();
    // 14:00 Helsinki is 12:00 UTC.
    clock.runUntil(Date.UTC(2021, 0, 11, 11, 59));
    expect(accepted).toEqual([24]);
    clock.runUntil(Date.UTC(2021, 0, 11, 12));
    expect(accepted).toEqual([24, 24]);
    expect(plans.hourAt(Date.UTC(2021, 0, 12, 21, 30))).toBeDefined();
    expect(plans.hourAt(Date.UTC(2021, 0, 12, 22, 30))).toBeUndefined();
    clock.runUntil(Date.UTC(2021, 0, 12, 12));
    expect(accepted).toEqual([24, 24, 24]);
    expect(plans.hourAt(Date.UTC(2021, 0, 12, 22, 30))).toBeDefined();
    publisher.stop();
  });
});
