import { describe, expect, it } from '@jest/globals';
import type { HeatPriceConfig } from '../../../src/config/utility';
import { HEAT_PRICE_DEFAULTS } from '../../../src/config/utility';
import { pointId, type PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import { VirtualClock } from '../../../src/simulation/virtual-clock';
import type { PlanHour } from '../../../src/utility/plan';
import { PlanStore } from '../../../src/utility/plan-store';
import { PriceSeries } from '../../../src/utility/price-series';
import { ScadaRequests } from '../../../src/utility/scada-requests';
import { UtilityFeed } from '../../../src/utility/utility-feed';
import { utilityPointDefs } from '../../../src/utility/utility-points';
import { memoryLogger } from '../../helpers/logger';

const H = 3_600_000;
const CYCLE = 5000;
// Times are built from this instant, never from today's date.
const START = Date.parse('2031-01-20T13:30:00Z');
const HOUR = Math.floor(START / H) * H;
const OUTDOOR = pointId('dh', 'outdoor_temp');
const SUPPLY = pointId('dh', 'supply_temp');
const MODE = pointId('derived', 'connection_mode');
const HEAT_PRICE: HeatPriceConfig = { ...HEAT_PRICE_DEFAULTS };

function setup(inputs: Partial<Record<PointId, number>> = {}) {
  const clock = new VirtualClock(START);
  const { log } = memoryLogger();
  const plans = new PlanStore({ log, now: () => clock.now(), timeZone: 'Europe/Berlin' });
  const prices = new PriceSeries(() => clock.now());
  const values = new Map<PointId, number>(Object.entries(inputs) as [PointId, number][]);
  const feed = new UtilityFeed({
    plans,
    prices,
    heatPrice: HEAT_PRICE,
    inputs: { outdoorTemp: OUTDOOR, supplyTemp: SUPPLY, connectionMode: MODE },
    read: (id): Sample | undefined => {
      const v = values.get(id);
      return v === undefined ? undefined : { id, value: v, ts: 0, receivedAt: 0, quality: 'good' };
    },
    cycleMs: CYCLE,
    scheduler: clock,
    timeZone: 'Europe/Berlin',
  });
  const samples: Sample[] = [];
  feed.samples$.subscribe((s) => samples.push(s));
  /** The last sample of a point published at or before `t`. */
  const at = (name: string, t = clock.now()): Sample | undefined =>
    samples.filter((s) => s.id === `utility/${name}` && s.ts <= t).at(-1);
  return { clock, plans, prices, feed, samples, at, values };
}

const plan = (from: number, hours: Partial<PlanHour>[]): PlanHour[] =>
  hours.map((h, i) => ({ start: from + i * H, mode: 'spot', ...h }));

describe('the utility device feed', () => {
  it('with no plan: plan_active false, plan temperature and capacity bad, the model price, the fallback said', async () => {
    const { feed, at } = setup({ [OUTDOOR]: -10, [SUPPLY]: 85 });
    await feed.start();
    expect(at('plan_active')).toMatchObject({ value: false, quality: 'good', ts: START });
    expect(at('plan_supply_temp')).toMatchObject({ value: null, quality: 'bad' });
    expect(at('plan_capacity')).toMatchObject({ value: null, quality: 'bad' });
    expect(at('delivery_required')).toMatchObject({ value: false, quality: 'good' });
    // 30 + 0.4 × (85 − 75) + 0.3 × (0 − (−10)) = 37
    expect(at('heat_price')?.value).toBeCloseTo(37, 9);
    expect(at('electricity_price')).toMatchObject({ value: null, quality: 'bad' });
    expect(at('plan_status')?.value).toBe('no day-ahead plan received: supply curve');
    await feed.stop();
  });

  it('publishes every cycle and follows the plan across hour boundaries, then falls back when it ends', async () => {
    const { clock, plans, feed, at, samples } = setup({ [OUTDOOR]: 0, [SUPPLY]: 75 });
    plans.accept({
      source: 'poll:https://utility.example/p',
      receivedAt: START,
      hours: plan(HOUR, [
        { supplyTempC: 95, capacityKw: 1200, priceEurPerMWh: 44, mode: 'on-demand' },
        { supplyTempC: 110, capacityKw: 800 },
      ]),
    });
    await feed.start();
    expect(at('plan_active')?.value).toBe(true);
    expect(at('plan_supply_temp')).toMatchObject({ value: 95, quality: 'good' });
    expect(at('delivery_required')?.value).toBe(true);
    expect(at('heat_price')?.value).toBe(44);
    // The site's time zone (Berlin, UTC+1 in January) in the status text.
    expect(at('plan_status')?.value).toBe(
      'plan from poll:https://utility.example/p for 14:00–15:00 (on-demand)',
    );

    clock.runUntil(HOUR + H - 1);
    expect(at('plan_supply_temp')?.value).toBe(95);
    // The next hour's temperature, for the setpoint to start toward before the hour.
    expect(at('plan_next_supply_temp')).toMatchObject({ value: 110, quality: 'good' });
    const perPoint = samples.filter((s) => s.id === 'utility/plan_active').length;
    // At start, then every 5 s for the half hour left.
    expect(perPoint).toBe(1 + Math.floor((HOUR + H - 1 - START) / CYCLE));

    // The first cycle of the next hour publishes its values.
    clock.runUntil(HOUR + H + CYCLE);
    expect(at('plan_supply_temp')?.value).toBe(110);
    expect(at('plan_capacity')?.value).toBe(800);
    expect(at('delivery_required')?.value).toBe(false);
    expect(at('heat_price')?.value).toBeCloseTo(30, 9); // no plan price: the model's
    expect(at('plan_status')?.value).toBe(
      'plan from poll:https://utility.example/p for 15:00–16:00 (spot)',
    );

    clock.runUntil(HOUR + 2 * H + CYCLE);
    expect(at('plan_active')?.value).toBe(false);
    // Bad, carrying the last value for display.
    expect(at('plan_supply_temp')).toMatchObject({ value: 110, quality: 'bad' });
    expect(at('plan_status')?.value).toBe(
      'the plan ended at 2031-01-20 16:00:00 CET: supply curve',
    );
    await feed.stop();
  });

  it('publishes a new plan at once, not at the next cycle', async () => {
    const { clock, plans, feed, at } = setup();
    await feed.start();
    clock.runUntil(START + 1000);
    plans.accept({
      source: 'api:utility',
      receivedAt: clock.now(),
      hours: plan(HOUR, [{ supplyTempC: 101 }]),
    });
    expect(at('plan_supply_temp')).toMatchObject({ value: 101, quality: 'good', ts: START + 1000 });
    await feed.stop();
  });

  it('the electricity price from the series, at once when a series arrives; the heat column stands in for a plan price', async () => {
    const { clock, prices, feed, at } = setup({ [OUTDOOR]: 0, [SUPPLY]: 75 });
    await feed.start();
    clock.runUntil(START + 2000);
    prices.accept([{ start: HOUR, electricityEurPerMWh: 92.5, heatEurPerMWh: 38, stepMs: H }]);
    expect(at('electricity_price')).toMatchObject({
      value: 92.5,
      quality: 'good',
      ts: START + 2000,
    });
    expect(at('heat_price')?.value).toBe(38);
    await feed.stop();
  });

  it('prices the heat by the connection mode: return-line feed-in and top-up are paid their share', async () => {
    const { feed, plans, values, at } = setup();
    plans.accept({ source: 'x', receivedAt: START, hours: plan(HOUR, [{ priceEurPerMWh: 40 }]) });
    await feed.start();
    values.set(MODE, 2);
    feed.publish();
    expect(at('heat_price')?.value).toBe(20);
    values.set(MODE, 3);
    feed.publish();
    expect(at('heat_price')?.value).toBe(32);
    values.set(MODE, 1);
    feed.publish();
    expect(at('heat_price')?.value).toBe(40);
    await feed.stop();
  });

  it('the heat price is bad when neither a plan price nor the model’s inputs are known', async () => {
    const { feed, at } = setup({ [OUTDOOR]: 0 });
    await feed.start();
    expect(at('heat_price')).toMatchObject({ value: null, quality: 'bad' });
    await feed.stop();
  });

  it('owns its points and no others, refuses writes, and stops publishing at stop', async () => {
    const { clock, feed, samples } = setup();
    const defs = utilityPointDefs({ control: { cycleMs: CYCLE } as never });
    expect(defs.map((d) => d.id).every((id) => feed.owns(id))).toBe(true);
    expect(defs.every((d) => d.access === 'r' && d.expectedPeriodMs === CYCLE)).toBe(true);
    expect(feed.owns(pointId('dh', 'power'))).toBe(false);
    await expect(feed.write(pointId('utility', 'plan_active'), true)).rejects.toThrow(/read-only/);
    await feed.start();
    await feed.stop();
    const n = samples.length;
    clock.runUntil(START + 10 * CYCLE);
    expect(samples.length).toBe(n);
  });
});

describe('the utility device feed with SCADA requests', () => {
  function withScada() {
    const base = setup({ [OUTDOOR]: 0, [SUPPLY]: 75 });
    const scada = new ScadaRequests(60_000);
    const { log } = memoryLogger();
    const plans = new PlanStore({ log, now: () => base.clock.now(), timeZone: 'Europe/Berlin' });
    const feed = new UtilityFeed({
      plans,
      heatPrice: HEAT_PRICE,
      inputs: {},
      read: () => undefined,
      cycleMs: CYCLE,
      scheduler: base.clock,
      timeZone: 'Europe/Berlin',
      scada,
    });
    const samples: Sample[] = [];
    feed.samples$.subscribe((s) => samples.push(s));
    const at = (name: string): Sample | undefined =>
      samples.filter((s) => s.id === `utility/${name}`).at(-1);
    return { clock: base.clock, plans, feed, scada, at };
  }

  it('lets each request in force win over the plan hour field by field, and falls back when it lapses', async () => {
    const { clock, plans, feed, at } = withScada();
    plans.accept({
      source: 'api:utility',
      receivedAt: START,
      hours: plan(HOUR, [{ supplyTempC: 95, capacityKw: 1200, priceEurPerMWh: 44, mode: 'spot' }]),
    });
    await feed.start();
    expect(feed.owns(pointId('utility', 'scada_supply_temp'))).toBe(true);
    expect(at('scada_active')?.value).toBe(false);
    expect(at('scada_supply_temp')).toMatchObject({ value: null, quality: 'bad' });

    await feed.write(pointId('utility', 'scada_supply_temp'), 78);
    await feed.write(pointId('utility', 'scada_delivery_required'), true);
    // Published at once, not at the next cycle.
    expect(at('plan_supply_temp')?.value).toBe(78);
    expect(at('plan_capacity')?.value).toBe(1200); // the plan's: no capacity request
    expect(at('delivery_required')?.value).toBe(true);
    expect(at('heat_price')?.value).toBe(44);
    expect(at('scada_active')?.value).toBe(true);
    expect(at('scada_supply_temp')).toMatchObject({ value: 78, quality: 'good' });
    // Berlin time, to the second: 13:30:00Z + 60 s.
    expect(at('plan_status')?.value).toBe(
      'SCADA requests 78 °C, delivery required (lapses at 14:31:00 unless renewed); under it: plan from api:utility for 14:00–15:00 (spot)',
    );
    // No anticipation of the next hour while a live request holds the temperature.
    expect(at('plan_next_supply_temp')?.quality).toBe('bad');

    clock.runUntil(START + 40_000);
    await feed.write(pointId('utility', 'scada_capacity'), 500);
    expect(at('plan_capacity')?.value).toBe(500);

    // The first two lapse at 60 s; the capacity, written at 40 s, at 100 s.
    clock.runUntil(START + 60_000);
    expect(at('plan_supply_temp')?.value).toBe(95);
    expect(at('delivery_required')?.value).toBe(false);
    expect(at('plan_capacity')?.value).toBe(500);
    expect(at('scada_active')?.value).toBe(true);
    clock.runUntil(START + 100_000);
    expect(at('plan_capacity')?.value).toBe(1200);
    expect(at('scada_active')?.value).toBe(false);
    expect(at('plan_status')?.value).toBe('plan from api:utility for 14:00–15:00 (spot)');
    await feed.stop();
  });

  it('makes plan_active true for a requested temperature without a plan, and still refuses writes to the plan points', async () => {
    const { feed, at } = withScada();
    await feed.start();
    expect(at('plan_active')?.value).toBe(false);
    await feed.write(pointId('utility', 'scada_supply_temp'), 70);
    expect(at('plan_active')?.value).toBe(true);
    expect(at('plan_supply_temp')?.value).toBe(70);
    await expect(feed.write(pointId('utility', 'plan_supply_temp'), 70)).rejects.toThrow(
      /read-only/,
    );
    await expect(feed.write(pointId('utility', 'scada_active'), true)).rejects.toThrow(/read-only/);
    await feed.stop();
  });
});
