import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { AlarmList } from '../../../src/alarms/alarm-list';
import { AuditLog } from '../../../src/api/audit-log';
import { KpiTracker } from '../../../src/api/kpi';
import { createApiApp, type ApiApp } from '../../../src/api/server';
import { buildPointDefs, type SiteConfig } from '../../../src/config';
import type { Role } from '../../../src/config/api';
import { Secret } from '../../../src/config/secret';
import type { PointDef } from '../../../src/domain/point';
import { pointId, type PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import type { Unit } from '../../../src/domain/units';
import { LatestValues } from '../../../src/runtime/latest-values';
import { VirtualClock } from '../../../src/simulation/virtual-clock';
import { PlanStore } from '../../../src/utility/plan-store';
import { PriceSeries } from '../../../src/utility/price-series';
import { ValueLedger } from '../../../src/utility/value-ledger';
import { valuePointDefs } from '../../../src/utility/value-points';
import { startComponent } from '../../helpers/components';
import { memoryLogger } from '../../helpers/logger';
import { demoSiteOnFreePorts } from '../../helpers/sites';

/**
 * The utility routes over loopback on the demo site's API, with a real plan store, price series
 * and value ledger, all on a virtual clock (no test depends on today's date): who may publish a
 * plan, what a bad plan is told, what GET /api/utility and /api/value show.
 */
type Who = 'vera' | 'olli' | 'erik' | 'uma';
const USERS: Record<Who, { role: Role; token: string }> = {
  vera: { role: 'viewer', token: 'vera-utility-token-0123' },
  olli: { role: 'operator', token: 'olli-utility-token-0123' },
  erik: { role: 'engineer', token: 'erik-utility-token-0123' },
  uma: { role: 'utility', token: 'uma-utility-token-01234' },
};

/** Local midnight in Helsinki (the demo site's zone), a winter day: +02:00. */
const T0 = Date.parse('2026-01-15T00:00:00+02:00');
const HOUR = 3_600_000;

let site: SiteConfig;
let clock: VirtualClock;
let plans: PlanStore;
let api: ApiApp;
let server: Server;
let base: string;
const samples = new Subject<Sample>();
let stopLedger: () => Promise<void>;

/** A point of the utility feed or control, as the test publishes it. */
function def(id: string, unit: Unit): PointDef {
  const [device, name] = id.split('/') as [string, string];
  return {
    id: pointId(device, name),
    device,
    name,
    unit,
    kind: 'status',
    access: 'r',
    historian: { mode: 'every' },
    expectedPeriodMs: 60_000,
    staleAfterMs: 10 * HOUR,
  };
}

function publish(
  id: string,
  value: number | boolean | string,
  quality: Sample['quality'] = 'good',
): void {
  const t = clock.now();
  samples.next({ id: id as PointId, value, ts: t, receivedAt: t, quality });
}

beforeAll(async () => {
  site = (await demoSiteOnFreePorts()).site;
  const dir = mkdtempSync(join(tmpdir(), 'hb-utility-api-'));
  site.api = {
    ...site.api,
    openReads: false,
    tokens: Object.entries(USERS).map(([name, u]) => ({
      name,
      role: u.role,
      token: new Secret(u.token, 'test'),
    })),
  };
  // The ledger's first step, at T0, starts its integration: a minute before, the inputs arrive.
  clock = new VirtualClock(T0 - 60_000);
  const now = (): number => clock.now();
  const { log } = memoryLogger();
  const defs = buildPointDefs(site);
  for (const d of [
    def('utility/plan_active', 'bool'),
    def('utility/plan_supply_temp', 'degC'),
    def('utility/plan_next_supply_temp', 'degC'),
    def('utility/plan_capacity', 'kW'),
    def('utility/delivery_required', 'bool'),
    def('utility/heat_price', 'EUR/MWh'),
    def('utility/electricity_price', 'EUR/MWh'),
    def('utility/plan_status', 'text'),
    def('derived/connection_mode', 'count'),
    ...valuePointDefs(60_000),
  ])
    defs.set(d.id, d);
  plans = new PlanStore({ log, now, timeZone: site.site.timezone });
  const prices = new PriceSeries(now);
  prices.accept(
    Array.from({ length: 48 }, (_, i) => ({
      start: T0 + i * HOUR,
      electricityEurPerMWh: 80 + i,
      stepMs: HOUR,
    })),
  );
  // The ledger integrates 1 MW of delivered heat at 40 €/MWh and 250 kW of heat-pump
  // electricity at 80 €/MWh: 40 € revenue, 20 € cost, 20 € net an hour.
  const ledger = new ValueLedger({
    file: join(dir, 'value.json'),
    timeZone: site.site.timezone,
    deliveredHeat: 'dh/power' as PointId,
    electricPower: ['hp1/electric_power' as PointId, 'hp2/electric_power' as PointId],
    samples$: samples,
    // Inputs hold for hours here (one sample each): the test is about the books, not staleness.
    defs: new Map(
      [
        'dh/power',
        'hp1/electric_power',
        'hp2/electric_power',
        'utility/heat_price',
        'utility/electricity_price',
      ].map((id) => [id as PointId, { staleAfterMs: 10 * HOUR }]),
    ),
    periodMs: 60_000,
    now,
    log,
    scheduler: clock,
  });
  const running = await startComponent(ledger);
  stopLedger = () => running.stop();
  const latest = new LatestValues(samples);
  publish('dh/power', 1000);
  publish('hp1/electric_power', 250);
  publish('hp2/electric_power', 0);
  publish('utility/heat_price', 40);
  publish('utility/electricity_price', 80);
  clock.runUntil(T0 + 3 * HOUR + 20 * 60_000);
  api = createApiApp(
    site.api,
    {
      site,
      defs,
      latest,
      health: () => ({ status: 'ok', components: [] }),
      alarms: new AlarmList(),
      audit: new AuditLog(join(dir, 'audit.jsonl'), now),
      kpi: new KpiTracker({ site, defs, latest, startedAt: T0 }),
      samples$: samples,
      utility: { plans, prices },
      value: ledger,
      now,
    },
    log,
  );
  server = createServer(api.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  api?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await stopLedger?.();
});

async function call(
  who: Who | 'none',
  method: string,
  path: string,
  body?: string,
  type = 'text/csv',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  if (who !== 'none') headers.Authorization = `Bearer ${USERS[who].token}`;
  if (body !== undefined) headers['Content-Type'] = type;
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A plan of `hours` hours from `start`, CSV, prices and temperatures moving hour by hour. */
function planCsv(start: number, hours: number): string {
  const lines = ['start,price_eur_per_mwh,supply_temp_c,capacity_kw,mode'];
  for (let i = 0; i < hours; i++)
    lines.push(
      `${new Date(start + i * HOUR).toISOString()},${40 + i},${95 + (i % 10)},1500,${i % 2 ? 'spot' : 'on-demand'}`,
    );
  return `${lines.join('\n')}\n`;
}

/** The newest plan-published audit entry (the clock stands still here: by sequence). */
async function lastAudit(): Promise<Record<string, unknown>> {
  const entries = (await call('vera', 'GET', '/api/audit?action=plan-published'))
    .body as unknown as { seq: number }[];
  return entries.reduce((a, b) => (b.seq > a.seq ? b : a));
}

describe('GET /api/utility without a plan', () => {
  it('says there is none and that the controller falls back to its curve', async () => {
    const r = await call('vera', 'GET', '/api/utility');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      at: '2026-01-15T03:20:00+02:00',
      status: { state: 'missing' },
      hours: [],
    });
    expect(r.body.fallback).toBe(
      "no day-ahead plan received: the supply curve sets the temperature (from the outdoor temperature, or the utility's live request)",
    );
  });
});

describe('PUT /api/utility/plan: who may publish', () => {
  it('refuses viewers and operators (403), and callers without a token (401)', async () => {
    const plan = planCsv(T0, 2);
    expect((await call('none', 'PUT', '/api/utility/plan', plan)).status).toBe(401);
    for (const who of ['vera', 'olli'] as const) {
      const r = await call(who, 'PUT', '/api/utility/plan', plan);
      expect(r.status).toBe(403);
      expect(r.body.message).toBe(`${who} is a ${USERS[who].role}; this needs engineer or utility`);
    }
    expect(plans.hours(T0, T0 + 48 * HOUR)).toEqual([]);
  });

  it('takes a plan from the utility’s role: 200 with what was accepted, audited with the hours', async () => {
    const r = await call('uma', 'PUT', '/api/utility/plan', planCsv(T0, 48));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      source: 'api:uma',
      hours: 48,
      accepted: 48,
      keptNewer: 0,
      from: '2026-01-15T00:00:00+02:00',
      to: '2026-01-17T00:00:00+02:00',
      status: { state: 'active', coversUntil: '2026-01-17T00:00:00+02:00' },
    });
    expect(plans.hourAt(T0 + 5 * HOUR)).toMatchObject({ priceEurPerMWh: 45, supplyTempC: 100 });
    expect(await lastAudit()).toMatchObject({
      actor: 'user:uma',
      action: 'plan-published',
      target: 'utility/plan',
      new: '48 hours, 2026-01-15T00:00:00+02:00 – 2026-01-17T00:00:00+02:00',
      result: 'ok',
    });
  });

  it('lets the utility read as a viewer does, but nothing an operator may do', async () => {
    expect((await call('uma', 'GET', '/api/points')).status).toBe(200);
    const override = await call(
      'uma',
      'POST',
      '/api/overrides',
      JSON.stringify({ point: 'dh/offered_heat', value: 100, durationMin: 5, reason: 'try' }),
      'application/json',
    );
    expect(override.status).toBe(403);
    expect(override.body.message).toBe('uma is a utility; this needs operator or more');
  });

  it('takes a JSON plan from an engineer too', async () => {
    const json = JSON.stringify({
      issued: '2026-01-14T15:00:00+02:00',
      hours: [{ start: '2026-01-17T00:00:00+02:00', priceEurPerMWh: 50, mode: 'spot' }],
    });
    const r = await call('erik', 'PUT', '/api/utility/plan', json, 'application/json');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      source: 'api:erik',
      hours: 1,
      issuedAt: '2026-01-14T15:00:00+02:00',
    });
  });
});

describe('PUT /api/utility/plan: a bad plan', () => {
  it('is refused whole with every problem and its line (400), nothing taken, the refusal audited', async () => {
    const before = plans.hours(T0, T0 + 72 * HOUR);
    const csv = [
      'start,price_eur_per_mwh,supply_temp_c,capacity_kw,mode',
      '2026-01-18T00:00:00+02:00,41,95,1500,on-demand',
      '2026-01-18T01:00:00+02:00,abc,95,1500,on-demand',
      '2026-01-18T02:00:00+02:00,42,140,1500,on-demand',
      '2026-01-18T03:30:00+02:00,42,95,1500,sometimes',
    ].join('\n');
    const r = await call('uma', 'PUT', '/api/utility/plan', csv);
    expect(r.status).toBe(400);
    const issues = r.body.issues as { path: string; message: string }[];
    expect(issues.map((i) => i.path)).toEqual([
      'body: line 3, price_eur_per_mwh',
      'body: line 4, supply_temp_c',
      'body: line 5, start',
      'body: line 5, mode',
    ]);
    expect(r.body.message).toMatch(
      /^the plan is not valid \(4 problems\): line 3, price_eur_per_mwh: /,
    );
    expect(plans.hours(T0, T0 + 72 * HOUR)).toEqual(before);
    expect(await lastAudit()).toMatchObject({
      actor: 'user:uma',
      result: expect.stringMatching(/^rejected: 400 the plan is not valid/),
    });
  });

  it('is refused in another media type (415)', async () => {
    const r = await call('uma', 'PUT', '/api/utility/plan', planCsv(T0, 1), 'text/plain');
    expect(r.status).toBe(415);
    expect(r.body.message).toBe('send the body as text/csv or application/json');
  });
});

describe('GET /api/utility with a plan', () => {
  it('shows the hours around now, the current one marked, with the spot price, and no fallback', async () => {
    publish('derived/connection_mode', 3);
    publish('utility/plan_supply_temp', 98);
    const r = await call('vera', 'GET', '/api/utility');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: { state: 'active', source: 'api:uma' },
      fallback: null,
      connection: { mode: 'top-up' },
      now: { planSupplyTemp: { value: 98, unit: 'degC', quality: 'good' } },
      from: '2026-01-14T03:00:00+02:00',
      to: '2026-01-16T04:00:00+02:00',
    });
    const hours = r.body.hours as Record<string, unknown>[];
    // From the plan's first hour (3 h ago) to 24 h after the current one.
    expect(hours).toHaveLength(28);
    const current = hours.filter((h) => h.current);
    expect(current).toEqual([
      {
        start: '2026-01-15T03:00:00+02:00',
        end: '2026-01-15T04:00:00+02:00',
        priceEurPerMWh: 43,
        supplyTempC: 98,
        capacityKw: 1500,
        mode: 'spot',
        electricityPriceEurPerMWh: 83,
        current: true,
      },
    ]);
  });
});

describe('GET /api/value', () => {
  it('gives the ledger’s hours and day in the site’s zone, at resolution, with totals', async () => {
    const r = await call('vera', 'GET', '/api/value?by=hour&from=2026-01-15&to=2026-01-16');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      by: 'hour',
      from: '2026-01-15T00:00:00+02:00',
      to: '2026-01-16T00:00:00+02:00',
      currency: 'EUR',
    });
    const buckets = r.body.buckets as Record<string, unknown>[];
    expect(buckets.slice(0, 3)).toEqual(
      ['00', '01', '02'].map((h) =>
        expect.objectContaining({
          start: `2026-01-15T${h}:00:00+02:00`,
          heatMWh: 1,
          electricityMWh: 0.25,
          revenueEur: 40,
          costEur: 20,
          netEur: 20,
          unpricedHours: 0,
        }),
      ),
    );
    const day = await call('vera', 'GET', '/api/value?by=day&from=2026-01-15&to=2026-01-16');
    expect(day.body.buckets).toEqual([
      expect.objectContaining({ start: '2026-01-15T00:00:00+02:00', netEur: 66.67 }),
    ]);
    expect(day.body.totals).toMatchObject({ heatMWh: 3.333, netEur: 66.67 });
  });

  it('refuses a range too long for its buckets, and a bad time, naming them (400)', async () => {
    const long = await call('vera', 'GET', '/api/value?by=hour&from=2026-01-01&to=2026-03-01');
    expect(long.status).toBe(400);
    expect(long.body.message).toMatch(/at most 31 days apart by hour/);
    const bad = await call('vera', 'GET', '/api/value?from=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.issues).toEqual([{ path: 'query.from', message: expect.any(String) }]);
    expect((await call('vera', 'GET', '/api/value?by=week')).status).toBe(400);
  });
});
