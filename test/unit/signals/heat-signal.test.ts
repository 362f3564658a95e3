import { describe, expect, it } from '@jest/globals';
import { HEAT_PRICE_DEFAULTS } from '../../../src/config/utility';
import {
  capacityAtLift,
  hourConditions,
  planForHour,
  type SiteHeatModel,
} from '../../../src/signals/heat-forecast';
import {
  computeHeatSignal,
  MIN_GAIN_EUR_PER_MWH,
  windowStart,
} from '../../../src/signals/heat-signal';
import type { HourInputs } from '../../../src/signals/heat-signal-types';

const HOUR = 3_600_000;
// 2021-03-10 06:00 Helsinki (UTC+2): a deadline-window start at deadlineHour 6.
const T0 = Date.UTC(2021, 2, 10, 4);

function model(over: Partial<SiteHeatModel> = {}): SiteHeatModel {
  return {
    timeZone: 'Europe/Helsinki',
    horizonHours: 24,
    recoverableShare: 0.7,
    heatPumpCapacityKw: 2400,
    supply: {
      curve: [
        { outdoor: -20, supply: 90 },
        { outdoor: 15, supply: 70 },
      ],
      minC: 60,
      maxC: 120,
      reachC: 85,
    },
    heatPrice: HEAT_PRICE_DEFAULTS,
    acceptance: {
      curve: [
        { outdoorC: -5, kw: 3000 },
        { outdoorC: 20, kw: 600 },
      ],
      hourFactors: new Array<number>(24).fill(1),
    },
    dryCoolers: {
      capacity: [
        { outdoorC: -20, kw: 15300 },
        { outdoorC: 35, kw: 1940 },
      ],
      marginPct: 10,
    },
    valueAware: true,
    flexible: { minKw: 100, maxKw: 800, rampKwPerH: 200, dailyEnergyKwh: 9600, deadlineHour: 6 },
    ...over,
  };
}

/** 24 hours from T0: 1,600 kW of inflexible IT, 400 kW flexible, at these outdoor temperatures. */
function day(outdoor: (i: number) => number | undefined, capacity?: (i: number) => number) {
  return Array.from({ length: 24 }, (_, i): HourInputs => ({
    start: T0 + i * HOUR,
    outdoorC: outdoor(i),
    electricityPrice: 20,
    inflexibleItKw: 1600,
    baselineFlexKw: 400,
    ...(capacity
      ? { plan: { capacityKw: capacity(i), supplyTempC: 75, priceEurPerMWh: 40, mode: 'spot' } }
      : {}),
  }));
}

describe('the heat signal', () => {
  it('moves flexible work out of hours whose heat would be dumped into hours with room, keeping the energy', () => {
    // The network takes 1,200 kW for 12 hours (the heat pumps can use ~880 kW of IT heat at
    // COP ~3.3), 3,000 kW the other 12 (every kW of IT heat used).
    const hours = day(
      () => 5,
      (i) => (i < 12 ? 1200 : 3000),
    );
    // A ramp limit that does not bind: the ramps have their own case.
    const m = model({ flexible: { ...model().flexible, rampKwPerH: 1000 } });
    const s = computeHeatSignal({ now: T0 + 60_000, hours, sourceC: 35 }, m);
    expect(s.status).toBe('ok');
    const first = s.hours.slice(0, 12);
    const last = s.hours.slice(12);
    for (const h of first) expect(h.signalKw).toBeLessThan(0);
    for (const h of last) expect(h.signalKw).toBeGreaterThan(0);
    expect(first[0]!.headroomItKw).toBeLessThan(0);
    expect(last[0]!.headroomItKw).toBeGreaterThan(0);
    // A minute of the first hour is gone: the energy is planned from now on.
    const total = s.hours.reduce(
      (sum, h, i) => sum + h.recommendedFlexKw * (i === 0 ? 59 / 60 : 1),
      0,
    );
    expect(total).toBeCloseTo((23 + 59 / 60) * 400, 6);
    expect(s.windows).toHaveLength(1);
    expect(s.windows[0]!.recommendedKwh).toBeCloseTo(s.windows[0]!.energyKwh, 6);
    expect(s.totals.dumpedKwh.recommended).toBeLessThan(s.totals.dumpedKwh.baseline);
    expect(s.totals.valueEur.recommended).toBeGreaterThan(s.totals.valueEur.baseline);
    expect(s.current.signal).toBeLessThan(0);
    expect(s.current.signal).toBeGreaterThanOrEqual(-1);
  });

  it('plans the current hour from now: half an hour before the deadline, the rest at twice the power', () => {
    // 05:30 site time, the window ends at 06:00 with 300 kWh of its work left: 600 kW for 30 min.
    const now = T0 - HOUR / 2;
    const hours = day(() => -10).map((h, i) => ({ ...h, start: T0 - HOUR + i * HOUR }));
    const m = model({ flexible: { ...model().flexible, rampKwPerH: 1000 } });
    const s = computeHeatSignal(
      { now, hours, sourceC: 35, currentFlexKw: 600, currentWindowRemainingKwh: 300 },
      m,
    );
    expect(s.windows[0]!.to).toBe(T0);
    expect(s.current.recommendedFlexKw).toBeCloseTo(600, 6);
    expect(s.windows[0]!.recommendedKwh).toBeCloseTo(300, 6);
  });

  it('keeps every hour within the bounds and the ramp limit', () => {
    const hours = day(
      () => 5,
      (i) => (i % 6 < 3 ? 800 : 3000),
    );
    const s = computeHeatSignal({ now: T0, hours, sourceC: 35, currentFlexKw: 400 }, model());
    let prev = 400;
    for (const h of s.hours) {
      expect(h.recommendedFlexKw).toBeGreaterThanOrEqual(100 - 1e-6);
      expect(h.recommendedFlexKw).toBeLessThanOrEqual(800 + 1e-6);
      expect(Math.abs(h.recommendedFlexKw - prev)).toBeLessThanOrEqual(200 + 1e-6);
      prev = h.recommendedFlexKw;
    }
    expect(s.hours.some((h) => h.signalKw !== 0)).toBe(true);
  });

  it('never recommends more IT load than the dry coolers take alone', () => {
    // At 35 °C the dry coolers take 1,940 kW less 10 %: 2,494 kW of IT at a 0.7 share, so the
    // flexible work may run at most 894 kW over 1,600. The network and the heat pumps would take
    // far more in those hours, so the profile would like more there.
    const hours = day(
      (i) => (i < 18 ? 0 : 35),
      (i) => (i < 18 ? 500 : 8000),
    );
    const m = model({
      heatPumpCapacityKw: 8000,
      flexible: { ...model().flexible, maxKw: 1500, rampKwPerH: 2000 },
    });
    const s = computeHeatSignal({ now: T0, hours, sourceC: 35 }, m);
    for (const h of s.hours) {
      expect(h.recommendedFlexKw + 1600).toBeLessThanOrEqual(h.coolingLimitItKw + 1e-6);
    }
    const hot = s.hours[20]!;
    expect(hot.coolingLimitItKw).toBeCloseTo((1940 * 0.9) / 0.7, 3);
    // Up to the limit, within the profile's last step (a 160th of the flexible range).
    expect(hot.recommendedFlexKw).toBeGreaterThan(hot.coolingLimitItKw - 1600 - 1400 / 160);
    expect(s.notes.some((n) => n.includes("dry coolers' limit"))).toBe(true);
  });

  it('is neutral, saying why, without a forecast for the current hour; keeps hours without one at the baseline', () => {
    const none = computeHeatSignal({ now: T0, hours: day(() => undefined), sourceC: 35 }, model());
    expect(none.status).toBe('neutral');
    expect(none.reason).toMatch(/forecast/);
    expect(none.current.signal).toBe(0);
    expect(none.current.recommendedFlexKw).toBe(400);

    const half = computeHeatSignal(
      {
        now: T0,
        hours: day(
          (i) => (i < 12 ? 5 : undefined),
          (i) => (i < 6 ? 800 : 3000),
        ),
        sourceC: 35,
      },
      model(),
    );
    expect(half.status).toBe('ok');
    expect(half.hours).toHaveLength(12);
    expect(half.notes.join(' ')).toMatch(/12 hour\(s\) without an outdoor forecast/);
    const placed = half.hours.reduce((s, h) => s + h.recommendedFlexKw, 0);
    // The 12 frozen hours keep 400 kW each; the modelled 12 hold the rest of the day's energy.
    expect(placed).toBeCloseTo(12 * 400, 6);
  });

  it('leaves the load alone where moving it gains nothing', () => {
    // The network takes everything all day: every hour's IT heat is used, no hour is better.
    const s = computeHeatSignal(
      {
        now: T0,
        hours: day(
          () => -10,
          () => 5000,
        ),
        sourceC: 35,
      },
      model(),
    );
    for (const h of s.hours) expect(h.signalKw).toBeCloseTo(0, 9);
  });

  it('does not chase price differences worth less than the least gain of a move', () => {
    // Every hour uses all its heat; the afternoon pays 1 EUR/MWh more: ~1 EUR per MWh of IT
    // moved, under the 2 EUR/MWh a move must earn. 15 EUR/MWh more is worth moving for.
    const priced = (afternoon: number): HourInputs[] =>
      day(
        () => -10,
        () => 5000,
      ).map((h, i) => ({
        ...h,
        plan: { ...h.plan!, priceEurPerMWh: i >= 8 && i < 12 ? 40 + afternoon : 40 },
      }));
    const flat = computeHeatSignal({ now: T0, hours: priced(1), sourceC: 35 }, model());
    expect(MIN_GAIN_EUR_PER_MWH).toBe(2);
    for (const h of flat.hours) expect(h.signalKw).toBeCloseTo(0, 9);
    const worth = computeHeatSignal({ now: T0, hours: priced(15), sourceC: 35 }, model());
    expect(worth.hours[9]!.signalKw).toBeGreaterThan(0);
  });

  it('counts the heat pumps as off in an hour that runs at a loss (value-aware dispatch)', () => {
    const c = hourConditions(
      {
        start: T0,
        outdoorC: 5,
        electricityPrice: 400,
        inflexibleItKw: 1600,
        baselineFlexKw: 400,
        plan: { priceEurPerMWh: 20, mode: 'spot' },
      },
      35,
      model(),
    );
    expect(c.runs).toBe(false);
    expect(c.usableEvapKw).toBe(0);
    const onDemand = hourConditions(
      {
        start: T0,
        outdoorC: 5,
        electricityPrice: 400,
        inflexibleItKw: 1600,
        baselineFlexKw: 400,
        plan: { priceEurPerMWh: 20, mode: 'on-demand' },
      },
      35,
      model(),
    );
    expect(onDemand.runs).toBe(true);
  });

  it('finds deadline windows in site time across a daylight-saving change', () => {
    // 2021-03-28: Helsinki goes from UTC+2 to UTC+3 at 03:00 local.
    const before = Date.UTC(2021, 2, 27, 4); // 06:00 EET
    const after = Date.UTC(2021, 2, 28, 3); // 06:00 EEST
    expect(windowStart(before + 5 * HOUR, 6, 'Europe/Helsinki')).toBe(before);
    expect(windowStart(after + 2 * HOUR, 6, 'Europe/Helsinki')).toBe(after);
    expect(windowStart(after - HOUR, 6, 'Europe/Helsinki')).toBe(before);
  });

  it('starts one window on the day the deadline hour repeats, and the hour after on the day it is skipped', () => {
    // 2021-10-31: Helsinki falls back at 04:00 EEST to 03:00 EET; 03:00–04:00 comes twice.
    const firstThree = Date.UTC(2021, 9, 31, 0); // 03:00 EEST
    const secondThree = Date.UTC(2021, 9, 31, 1); // 03:00 EET
    expect(windowStart(firstThree, 3, 'Europe/Helsinki')).toBe(firstThree);
    expect(windowStart(secondThree, 3, 'Europe/Helsinki')).toBe(firstThree);
    expect(windowStart(secondThree + 5 * HOUR, 3, 'Europe/Helsinki')).toBe(firstThree);
    // 2021-03-28: 03:00 EET is skipped (straight to 04:00 EEST): the window starts at 04:00.
    const four = Date.UTC(2021, 2, 28, 1); // 04:00 EEST
    expect(windowStart(four, 3, 'Europe/Helsinki')).toBe(four);
    expect(windowStart(four - HOUR, 3, 'Europe/Helsinki')).toBe(Date.UTC(2021, 2, 27, 1));
  });

  it("takes the heat pumps' capacity at the hour's lift from the data sheet's derating", () => {
    const m = model({
      heatPumpDerating: {
        referenceSupplyC: 75,
        referenceSourceC: 45,
        pctPerKSupply: 1,
        pctPerKSource: 1.5,
        minShare: 0.6,
      },
    });
    // 85 °C from a 42 °C loop: 1 − 10 % − 4.5 % of 2,400 kW.
    expect(capacityAtLift(m, 85, 42)).toBeCloseTo(2400 * 0.855, 6);
    expect(capacityAtLift(m, 130, 20)).toBeCloseTo(2400 * 0.6, 6);
    expect(capacityAtLift(model(), 85, 42)).toBe(2400);
    const c = hourConditions(
      { start: T0, outdoorC: -10, electricityPrice: 0, inflexibleItKw: 1600, baselineFlexKw: 400 },
      42,
      m,
    );
    expect(c.heatPumpKw).toBeCloseTo(capacityAtLift(m, c.supplyC, 42), 6);
  });

  it("uses the plan's same hour a day earlier beyond the published plan, and says so", () => {
    const day1 = T0;
    const planned = new Map([[day1, { mode: 'spot' as const, capacityKw: 1500, supplyTempC: 92 }]]);
    const plans = { hourAt: (t: number) => planned.get(t) };
    expect(planForHour(plans, day1)).toEqual({ mode: 'spot', capacityKw: 1500, supplyTempC: 92 });
    expect(planForHour(plans, day1 + 24 * HOUR)).toEqual({
      mode: 'spot',
      capacityKw: 1500,
      supplyTempC: 92,
      dayBefore: true,
    });
    expect(planForHour(plans, day1 + 48 * HOUR)?.dayBefore).toBe(true);
    expect(planForHour(plans, day1 + 72 * HOUR)).toBeUndefined();
    expect(planForHour(undefined, day1)).toBeUndefined();
    const c = hourConditions(
      {
        start: day1 + 24 * HOUR,
        outdoorC: -10,
        electricityPrice: 0,
        inflexibleItKw: 1600,
        baselineFlexKw: 400,
        plan: planForHour(plans, day1 + 24 * HOUR)!,
      },
      42,
      model(),
    );
    expect(c.basis).toBe('plan-day-before');
  });
});
