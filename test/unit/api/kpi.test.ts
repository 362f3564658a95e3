import { describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { KpiTracker } from '../../../src/api/kpi';
import { controlSchema } from '../../../src/config/controllers';
import { controlPointDefs } from '../../../src/control/control-points';
import { EnergyCounters } from '../../../src/control/energy-counters';
import type { PointDef } from '../../../src/domain/point';
import type { PointId } from '../../../src/domain/point-id';
import type { Quality } from '../../../src/domain/quality';
import type { Sample } from '../../../src/domain/sample';
import { createLogger } from '../../../src/log';

const at = (iso: string) => Date.parse(iso);
const CYCLE = 5000;

const control = controlSchema.parse({
  cycleMs: CYCLE,
  controllers: [
    {
      type: 'supply-setpoint',
      name: 'supply',
      outdoorTemp: 'dh/outdoor',
      curve: [
        { outdoor: -20, supply: 90 },
        { outdoor: 15, supply: 70 },
      ],
      min: 60,
      max: 85,
      outputs: ['hp1/cond_sp'],
      measuredSupply: 'dh/supply_temp',
    },
    {
      type: 'derived',
      name: 'kpis',
      heatPumps: [{ heatOutput: 'hp1/heat', electricPower: 'hp1/power' }],
      deliveredHeat: 'dh/power',
      itPower: 'hall/it',
    },
  ],
});

/** The site's points: the meter and heat pump polled every 2 s (stale after 6 s). */
function defs(): Map<PointId, PointDef> {
  const m = new Map<PointId, PointDef>();
  for (const d of controlPointDefs(control)) m.set(d.id, d);
  const field = (id: string, unit: PointDef['unit']): void => {
    const [device, name] = id.split('/') as [string, string];
    m.set(id as PointId, {
      id: id as PointId,
      device,
      name,
      unit,
      kind: 'measurement',
      access: 'r',
      historian: { mode: 'every' },
      expectedPeriodMs: 2000,
      staleAfterMs: 6000,
    });
  };
  for (const id of ['dh/power', 'hp1/heat', 'hp1/power', 'hall/it']) field(id, 'kW');
  for (const id of ['dh/supply_temp', 'hp1/cond_sp']) field(id, 'degC');
  return m;
}

/** A fake `latest`: what the adapters and control last said. */
class Latest {
  readonly values = new Map<PointId, Sample>();
  set(id: string, value: number, t: number, quality: Quality = 'good'): void {
    this.values.set(id as PointId, { id: id as PointId, value, ts: t, receivedAt: t, quality });
  }
  get(id: PointId): Sample | undefined {
    return this.values.get(id);
  }
}

const site = { site: { timezone: 'Europe/Helsinki' }, control };

describe('KPIs carry quality and age (issue 21)', () => {
  const t0 = at('2026-12-03T19:00:00Z');

  function plantAt(latest: Latest, t: number, meterKw: number): void {
    latest.set('hp1/heat', 1600, t);
    latest.set('hp1/power', 390, t);
    latest.set('hall/it', 2000, t);
    latest.set('dh/power', meterKw, t);
    latest.set('derived/delivered_heat', meterKw, t);
    latest.set('derived/delivered_energy', 100, t);
    latest.set('derived/recovered_heat', 1210, t);
  }

  it('is good and current while the meter is', () => {
    const latest = new Latest();
    plantAt(latest, t0, 1523);
    const k = new KpiTracker({ site, defs: defs(), latest, startedAt: t0 });
    expect(k.kpis(t0 + 1000).now.deliveredKw).toEqual({
      value: 1523,
      unit: 'kW',
      quality: 'good',
      at: '2026-12-03T21:00:00+02:00',
    });
  });

  it('is bad, with its old time, once the substation’s meter is bad', () => {
    const latest = new Latest();
    plantAt(latest, t0, 1523);
    // The substation goes offline: the adapter marks the meter bad, the derived controller can
    // no longer compute delivered heat, and the last derived value is only a second old.
    latest.values.set('dh/power' as PointId, {
      id: 'dh/power' as PointId,
      value: 1523,
      ts: t0,
      receivedAt: t0 + 1000,
      quality: 'bad',
    });
    const k = new KpiTracker({ site, defs: defs(), latest, startedAt: t0 });
    const f = k.kpis(t0 + 2000).now.deliveredKw;
    expect(f.quality).toBe('bad');
    expect(f.value).toBe(1523);
    expect(f.at).toBe('2026-12-03T21:00:00+02:00');
    expect(f.note).toContain('dh/power is bad');
    // The delivered-energy counter counts what it can: incomplete, not wrong.
    expect(k.kpis(t0 + 2000).today.deliveredKwh.quality).not.toBe('good');
  });

  it('goes stale by its stale window when the meter falls silent, judged at request time', () => {
    const latest = new Latest();
    plantAt(latest, t0, 1523);
    // Everything else goes on; the meter and so delivered heat are not refreshed.
    for (let t = t0 + CYCLE; t <= t0 + 60_000; t += CYCLE) {
      latest.set('hp1/heat', 1600, t);
      latest.set('hp1/power', 390, t);
      latest.set('derived/recovered_heat', 1210, t);
    }
    const k = new KpiTracker({ site, defs: defs(), latest, startedAt: t0 });
    const kpis = k.kpis(t0 + 60_000);
    expect(kpis.now.deliveredKw).toMatchObject({
      value: 1523,
      quality: 'stale',
      at: '2026-12-03T21:00:00+02:00',
    });
    expect(kpis.now.recoveredKw.quality).toBe('good');
  });

  it('says a figure the site does not compute is not there (value null), never a stale zero', () => {
    const latest = new Latest();
    const k = new KpiTracker({ site, defs: defs(), latest, startedAt: t0 });
    const kpis = k.kpis(t0);
    expect(kpis.now.pue).toMatchObject({ value: null, quality: 'bad', at: null });
    expect(kpis.now.pue.note).toMatch(/not computed at this site/);
    expect(kpis.now.cop).toMatchObject({ value: null, quality: 'bad', at: null });
  });

  it('says a COP with no heat pump running is not there now, plainly: neither red nor an old value', () => {
    const latest = new Latest();
    plantAt(latest, t0, 1523);
    latest.set('derived/cop', 4.1, t0);
    // The heat pump stops: its inputs stay good, the controller computes no COP any more, but
    // goes on counting energy.
    for (let t = t0 + CYCLE; t <= t0 + 60_000; t += CYCLE) {
      latest.set('hp1/heat', 0, t);
      latest.set('hp1/power', 0, t);
      latest.set('derived/delivered_energy', 100, t);
    }
    const k = new KpiTracker({ site, defs: defs(), latest, startedAt: t0 });
    expect(k.kpis(t0 + 60_000).now.cop).toMatchObject({
      value: null,
      quality: 'good',
      note: 'no heat pump running',
    });
    // Control stopped too (no counter written): then the old COP is stale, not "not running".
    const stalled = new Latest();
    plantAt(stalled, t0, 1523);
    stalled.set('derived/cop', 4.1, t0);
    for (let t = t0 + CYCLE; t <= t0 + 60_000; t += CYCLE) {
      stalled.set('hp1/heat', 1600, t);
      stalled.set('hp1/power', 390, t);
    }
    const k2 = new KpiTracker({ site, defs: defs(), latest: stalled, startedAt: t0 });
    expect(k2.kpis(t0 + 60_000).now.cop).toMatchObject({ value: 4.1, quality: 'stale' });
  });

  it('says why nothing is delivered while the heat pumps warm their loop (item 7)', () => {
    const latest = new Latest();
    plantAt(latest, t0, 0);
    latest.set('dh/supply_temp', 53.64, t0);
    latest.set('hp1/cond_sp', 77.3, t0);
    const k = new KpiTracker({ site, defs: defs(), latest, startedAt: t0 });
    const f = k.kpis(t0 + 1000).now.deliveredKw;
    expect(f).toMatchObject({ value: 0, quality: 'good' });
    expect(f.note).toBe(
      'warming up: the heat pumps make 1600.0 kW into their own loop, at 53.6 °C of the 77.3 °C supply setpoint; the substation takes heat once the supply nears its setpoint',
    );
    // At the setpoint, a zero reading is the meter's to explain.
    latest.set('dh/supply_temp', 77, t0 + 1000);
    expect(k.kpis(t0 + 1000).now.deliveredKw.note).toBe(
      'the heat pumps make 1600.0 kW, but the meter (dh/power) shows no delivery',
    );
    // Delivering: nothing to explain.
    plantAt(latest, t0 + 2000, 1200);
    expect(k.kpis(t0 + 2000).now.deliveredKw.note).toBeUndefined();
  });
});

describe('KPIs today and since the counters began', () => {
  it('computes today from the integrals at the site’s local midnight, and says since when', async () => {
    const samples = new Subject<Sample>();
    let now = at('2026-01-14T21:00:00Z'); // 23:00 in Helsinki
    const counters = new EnergyCounters({
      file: join(mkdtempSync(join(tmpdir(), 'hb-kpi-')), 'energy-counters.json'),
      ids: ['derived/recovered_energy', 'derived/hp_electric_energy'] as PointId[],
      samples$: samples,
      timeZone: 'Europe/Helsinki',
      saveEveryMs: 3_600_000,
      now: () => now,
      log: createLogger({ level: 'silent' }),
    });
    await counters.start({ log: createLogger({ level: 'silent' }), report: () => {} });
    const latest = new Latest();
    const feed = (iso: string, recovered: number, electric: number): void => {
      now = at(iso);
      for (const [name, value] of [
        ['recovered_energy', recovered],
        ['hp_electric_energy', electric],
        ['recovered_heat', 600],
        ['hp_electric_power', 200],
      ] as const) {
        latest.set(`derived/${name}`, value, now);
        samples.next(latest.get(`derived/${name}` as PointId)!);
      }
      for (const id of ['hp1/heat', 'hp1/power']) latest.set(id, 1, now);
    };
    const k = new KpiTracker({ site, defs: defs(), latest, counters, startedAt: now });
    feed('2026-01-14T21:00:00Z', 0, 0);
    feed('2026-01-14T21:59:00Z', 100, 30);
    expect(k.kpis(now).today).toMatchObject({
      since: '2026-01-14T23:00:00+02:00',
      recoveredKwh: { value: 100, quality: 'good' },
    });
    // 22:00 UTC is midnight in Helsinki: a new day starts from the integrals there.
    feed('2026-01-14T22:00:00Z', 102, 31);
    feed('2026-01-15T04:00:00Z', 702, 231);
    const kpis = k.kpis(now);
    expect(kpis.today.since).toBe('2026-01-15T00:00:00+02:00');
    expect(kpis.today.recoveredKwh.value).toBe(600);
    expect(kpis.today.hpElectricKwh.value).toBe(200);
    expect(kpis.today.cop).toMatchObject({ value: 4, quality: 'good' });
    expect(kpis.sinceStart).toMatchObject({
      since: '2026-01-14T23:00:00+02:00',
      recoveredKwh: { value: 702, quality: 'good', at: '2026-01-15T06:00:00+02:00' },
    });
    await counters.stop();
  });
});
