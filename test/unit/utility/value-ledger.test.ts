import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import {
  ELECTRICITY_PRICE,
  HEAT,
  HEAT_PRICE,
  HOUR,
  HP1,
  HP2,
  ledgerRun,
  tmp,
  type Inputs,
} from './value-ledger-harness';

const T0 = Date.parse('2026-12-03T10:00:00Z'); // 12:00 in Helsinki
const steady = (over: Inputs = {}): Inputs => ({
  [HEAT]: 1000,
  [HP1]: 150,
  [HP2]: 150,
  [HEAT_PRICE]: 50,
  [ELECTRICITY_PRICE]: 100,
  ...over,
});

describe('the value ledger', () => {
  it('a constant 1,000 kW for an hour at 50 EUR/MWh earns 50 EUR; 300 kW at 100 EUR/MWh cost 30', async () => {
    const run = ledgerRun({
      file: join(tmp(), 'value.json'),
      start: T0 - 10_000,
      inputs: () => steady(),
    });
    await run.start();
    run.runUntil(T0 + HOUR + 10_000);
    const [hour] = run.ledger.buckets('hour', T0, T0 + 1);
    expect(hour).toMatchObject({ start: '2026-12-03T12:00:00+02:00', startMs: T0, gaps: 0 });
    expect(hour!.heatMWh).toBeCloseTo(1, 9);
    expect(hour!.electricityMWh).toBeCloseTo(0.3, 9);
    expect(hour!.revenueEur).toBeCloseTo(50, 9);
    expect(hour!.costEur).toBeCloseTo(30, 9);
    expect(hour!.netEur).toBeCloseTo(20, 9);
    expect(hour!.unpricedHours).toBe(0);
    expect(hour!.gapHours).toBe(0);
    // The rates now, and the day and month so far (the hour and the 20 s around it).
    expect(run.lastOf('revenue_rate')).toMatchObject({ value: 50, quality: 'good' });
    expect(run.lastOf('cost_rate')).toMatchObject({ value: 30, quality: 'good' });
    expect(run.lastOf('net_rate')).toMatchObject({ value: 20, quality: 'good' });
    const net = 20 * (1 + 19 / 3600); // the first second has no held value yet
    expect(run.lastOf('net_today')!.value as number).toBeCloseTo(net, 9);
    expect(run.lastOf('net_month')!.value as number).toBeCloseTo(net, 9);
    const [day] = run.ledger.buckets('day', 0, Infinity);
    expect(day!.start).toBe('2026-12-03T00:00:00+02:00');
    expect(day!.netEur).toBeCloseTo(net, 9);
    expect(run.ledger.buckets('month', 0, Infinity)[0]!.start).toBe('2026-12-01T00:00:00+02:00');
    await run.stop();
  });

  it('a price change mid-hour counts each price for its part of the hour', async () => {
    const run = ledgerRun({
      file: join(tmp(), 'value.json'),
      start: T0 - 10_000,
      inputs: (t) =>
        steady({
          [HEAT_PRICE]: t < T0 + HOUR / 2 ? 50 : 80,
          [ELECTRICITY_PRICE]: t < T0 + HOUR / 4 ? 100 : 20,
        }),
    });
    await run.start();
    run.runUntil(T0 + HOUR);
    const [hour] = run.ledger.buckets('hour', T0, T0 + 1);
    expect(hour!.revenueEur).toBeCloseTo(0.5 * 50 + 0.5 * 80, 9);
    expect(hour!.costEur).toBeCloseTo(0.3 * (0.25 * 100 + 0.75 * 20), 9);
    await run.stop();
  });

  it('an hour without a price counts its energy, not its value, and says unpriced', async () => {
    const run = ledgerRun({
      file: join(tmp(), 'value.json'),
      start: T0 - 10_000,
      // The second hour has no heat price (the feed says bad) and no electricity price sample.
      inputs: (t) =>
        t >= T0 + HOUR && t < T0 + 2 * HOUR
          ? { [HEAT]: 1000, [HP1]: 150, [HP2]: 150, [HEAT_PRICE]: null }
          : steady(),
    });
    await run.start();
    run.runUntil(T0 + HOUR + HOUR / 2);
    expect(run.lastOf('revenue_rate')).toMatchObject({ value: 50, quality: 'bad' });
    expect(run.lastOf('net_rate')!.quality).toBe('bad');
    run.runUntil(T0 + 3 * HOUR);
    const [first, unpriced, third] = run.ledger.buckets('hour', T0, T0 + 3 * HOUR);
    expect(first!.unpricedHours).toBe(0);
    expect(unpriced!.heatMWh).toBeCloseTo(1, 9);
    expect(unpriced!.electricityMWh).toBeCloseTo(0.3, 9);
    expect(unpriced!.revenueEur).toBe(0);
    // The electricity price is stale 5 s after its last sample: those seconds still have it.
    expect(unpriced!.costEur).toBeCloseTo((0.3 * 100 * 5) / 3600, 9);
    expect(unpriced!.unpricedHours).toBeCloseTo(1, 9);
    expect(unpriced!.unpricedHeatMWh).toBeCloseTo(1, 9);
    expect(unpriced!.gapHours).toBe(0);
    expect(third!.revenueEur).toBeCloseTo(50, 9);
    expect(third!.unpricedHours).toBe(0);
    // Idle heat pumps cost nothing whatever the price: not unpriced.
    await run.stop();
  });

  it('idle energy needs no price: nothing flows, nothing is unpriced', async () => {
    const run = ledgerRun({
      file: join(tmp(), 'value.json'),
      start: T0 - 10_000,
      inputs: () => ({ [HEAT]: 0, [HP1]: 0, [HP2]: 0 }),
    });
    await run.start();
    run.runUntil(T0 + HOUR);
    const [hour] = run.ledger.buckets('hour', T0, T0 + 1);
    expect(hour).toMatchObject({ heatMWh: 0, netEur: 0, unpricedHours: 0, gapHours: 0 });
    expect(run.lastOf('net_rate')).toMatchObject({ value: 0, quality: 'good' });
    await run.stop();
  });

  it('a data gap longer than the stale window is not integrated, and counted once', async () => {
    const off = [T0 + 10 * 60_000, T0 + 20 * 60_000]; // the heat meter silent 10 min
    const run = ledgerRun({
      file: join(tmp(), 'value.json'),
      start: T0 - 10_000,
      staleAfterMs: 5000,
      inputs: (t) => {
        const i = steady();
        if (t >= off[0]! && t < off[1]!) delete i[HEAT];
        return i;
      },
    });
    await run.start();
    run.runUntil(T0 + HOUR);
    const [hour] = run.ledger.buckets('hour', T0, T0 + 1);
    // The last sample at off[0] − 1 s holds 5 s; unknown from off[0] + 5 s to off[1].
    const gapS = 600 - 5;
    expect(hour!.gaps).toBe(1);
    expect(hour!.gapHours).toBeCloseTo(gapS / 3600, 9);
    expect(hour!.heatMWh).toBeCloseTo((3600 - gapS) / 3600, 9);
    // The electricity was known throughout.
    expect(hour!.electricityMWh).toBeCloseTo(0.3, 9);
    await run.stop();
  });

  it('steps further apart than maxGapMs (a suspended process) are not integrated', async () => {
    const run = ledgerRun({
      file: join(tmp(), 'value.json'),
      start: T0 - 10_000,
      maxGapMs: 60_000,
      inputs: () => steady(),
    });
    await run.start();
    run.runUntil(T0 + 10 * 60_000);
    run.suspend(5 * 60_000);
    run.runUntil(T0 + HOUR - 5 * 60_000);
    const [hour] = run.ledger.buckets('hour', T0, T0 + 1);
    expect(hour!.gaps).toBe(1);
    expect(hour!.gapHours).toBeCloseTo((5 * 60 + 1) / 3600, 9);
    expect(hour!.heatMWh).toBeCloseTo((3600 - 301) / 3600, 9);
    await run.stop();
  });

  it('a 23-hour and a 25-hour day in Helsinki', async () => {
    for (const [date, hours, offset] of [
      ['2026-03-29', 23, '+02:00'],
      ['2026-10-25', 25, '+03:00'],
    ] as const) {
      const midnight = Date.parse(`${date}T00:00:00${offset}`);
      const run = ledgerRun({
        file: join(tmp(), 'value.json'),
        start: midnight - 2 * HOUR,
        periodMs: 60_000,
        saveEveryMs: 24 * HOUR,
        inputs: () => steady(),
      });
      await run.start();
      run.runUntil(midnight + 27 * HOUR);
      const [day] = run.ledger.buckets('day', midnight, midnight + 1);
      expect(day!.start).toBe(`${date}T00:00:00${offset}`);
      expect(day!.heatMWh).toBeCloseTo(hours, 9);
      expect(day!.revenueEur).toBeCloseTo(50 * hours, 6);
      const inDay = run.ledger.buckets('hour', midnight, midnight + hours * HOUR);
      expect(inDay).toHaveLength(hours);
      for (const h of inDay) expect(h.heatMWh).toBeCloseTo(1, 9);
      const next = run.ledger.buckets('day', midnight + 1, Infinity)[0]!;
      expect(next.startMs - day!.startMs).toBe(hours * HOUR);
      await run.stop();
    }
  });
});
