import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Subject } from 'rxjs';
import type { HeatBridgeApp } from '../../../src/app';
import { AlarmList } from '../../../src/alarms/alarm-list';
import { AuditLog } from '../../../src/api/audit-log';
import { KpiTracker } from '../../../src/api/kpi';
import * as S from '../../../src/api/schemas';
import { createApiApp } from '../../../src/api/server';
import type { SiteConfig } from '../../../src/config';
import { Secret } from '../../../src/config/secret';
import type { Sample } from '../../../src/domain/sample';
import { COMPONENT_STATES } from '../../../src/runtime/component';
import type { SimHost } from '../../../simulators/host';
import { eventually, eventuallyAsync } from '../../helpers/components';
import { memoryLogger } from '../../helpers/logger';
import {
  counterNameProblems,
  histogramProblems,
  histogramSeries,
  packedLabelValues,
  parseExposition,
  stateSetProblems,
  type Exposition,
} from '../../helpers/prometheus';
import { startDemoStack, type DemoStack } from '../../helpers/stack';
import { authorization, TOKENS, USERS, type Who } from '../../helpers/api-users';

/**
 * The HTTP API over loopback, on the demo site with its simulators (real OPC UA and Modbus), the
 * control loop and the file historian. Every endpoint, every role, bad inputs.
 */

let stack: DemoStack;
let site: SiteConfig;
let host: SimHost;
let app: HeatBridgeApp;
let base: string;

beforeAll(async () => {
  stack = await startDemoStack({
    openReads: false,
    users: USERS,
    tweak: (s) => {
      s.api.failedLogins = { max: 5, windowMs: 60_000 };
      s.api.maxBodyBytes = 2048;
    },
  });
  ({ site, host, app, base } = stack);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

async function call(
  who: Who,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const h: Record<string, string> = { ...headers };
  Object.assign(h, authorization(who));
  if (body !== undefined && !h['Content-Type']) h['Content-Type'] = 'application/json';
  const res = await fetch(`${base}${path}`, {
    method,
    headers: h,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (metrics, HTML)
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

type AuditJson = { seq: number; action: string; actor: string; target: string; result: string };
const auditEntries = async (): Promise<AuditJson[]> =>
  (await call('viewer', 'GET', '/api/audit?limit=1000')).body as AuditJson[];
/** What a refused request must not change: overrides, modes, and what was done (audited ok). */
const state = async () => ({
  overrides: (await call('viewer', 'GET', '/api/overrides')).body,
  done: (await auditEntries()).filter((e) => e.result.startsWith('ok')).length,
  modes: (await call('viewer', 'GET', '/api/modes')).body,
});

describe('API: every endpoint, every role', () => {
  // [method, path, body, expected status for none, viewer, operator, engineer]
  const reads: [string, string][] = [
    ['GET', '/api/points'],
    ['GET', '/api/points/hall1/cdu_supply_temp'],
    ['GET', '/api/points/hall1/cdu_supply_temp/history'],
    ['GET', '/api/plant'],
    ['GET', '/api/kpi'],
    ['GET', '/api/alarms'],
    ['GET', '/api/overrides'],
    ['GET', '/api/modes'],
    ['GET', '/api/audit'],
    ['GET', '/metrics'],
  ];
  it.each(reads)('%s %s: 401 without a token, 200 for every role', async (method, path) => {
    expect((await call('none', method, path)).status).toBe(401);
    for (const who of ['viewer', 'operator', 'engineer'] as const)
      expect((await call(who, method, path)).status).toBe(200);
  });

  it.each([
    ['GET', '/api/health', 200],
    ['GET', '/api/session', 200],
    ['GET', '/api/openapi.json', 200],
    ['GET', '/api/docs', 200],
  ] as const)('%s %s is public', async (method, path, status) => {
    expect((await call('none', method, path)).status).toBe(status);
  });

  it('answers each read with the shape its OpenAPI schema documents', async () => {
    const check: [string, { safeParse(x: unknown): { success: boolean; error?: unknown } }][] = [
      ['/api/points', S.pointSummarySchema.array()],
      ['/api/points/hall1/cdu_supply_temp', S.pointSummarySchema],
      ['/api/points/hall1/cdu_supply_temp/history?every=5s', S.historySchema],
      ['/api/plant', S.plantSchema],
      ['/api/kpi', S.kpiSchema],
      ['/api/alarms', S.alarmSchema.array()],
      ['/api/overrides', S.overrideSchema.array()],
      ['/api/modes', S.modeSchema.array()],
      ['/api/audit', S.auditEntrySchema.array()],
      ['/api/session', S.sessionSchema],
    ];
    for (const [path, schema] of check) {
      const r = await call('viewer', 'GET', path);
      const parsed = schema.safeParse(r.body);
      expect([path, parsed.success, parsed.error]).toEqual([path, true, undefined]);
    }
  });

  it('session says who the token belongs to', async () => {
    expect((await call('operator', 'GET', '/api/session')).body).toEqual({
      authenticated: true,
      name: 'olli',
      role: 'operator',
      openReads: false,
    });
    expect((await call('none', 'GET', '/api/session')).body).toEqual({
      authenticated: false,
      openReads: false,
    });
  });

  it('serves live values and history of the simulated plant', async () => {
    const p = (await call('viewer', 'GET', '/api/points/hall1/cdu_supply_temp')).body as {
      value: number;
      quality: string;
      unit: string;
    };
    expect(p).toMatchObject({ quality: 'good', unit: 'degC' });
    expect(p.value).toBeCloseTo(host.sim.read('hall/cdu_supply_temp')!.value as number, 1);
    const filtered = (await call('viewer', 'GET', '/api/points?device=hp1&kind=setpoint')).body as {
      id: string;
    }[];
    // In the order of the site config.
    expect(filtered.map((x) => x.id)).toEqual(['hp1/load_setpoint', 'hp1/condenser_out_setpoint']);
    // The IT load moves all the time, so its history has a point in each second.
    await eventuallyAsync(
      async () =>
        (
          (await call('viewer', 'GET', '/api/points/hall1/it_power/history?every=1s')).body as {
            points: unknown[];
          }
        ).points.length > 2,
      10_000,
      'history of the IT load',
    );
    const plant = (await call('viewer', 'GET', '/api/plant')).body as {
      heatPumps: unknown[];
      control: { heartbeat: string };
    };
    expect(plant.heatPumps).toHaveLength(2);
    expect(plant.control.heartbeat).toBe('ok');
    // HeatBridge's heartbeats take the simulated PLC out of its boot safe state.
    await eventually(
      () => !host.sim.state.watchdog.safeState,
      30_000,
      'the PLC out of its safe state',
    );
  });
});

describe('API: state changes need a role, are audited, and bad requests change nothing', () => {
  it('overrides: a viewer is refused; an operator sets one, it reaches the device, is listed and audited', async () => {
    const body = { point: 'dh/offered_heat', value: 321, durationMin: 10, reason: 'network trial' };
    expect((await call('none', 'POST', '/api/overrides', body)).status).toBe(401);
    const refused = await call('viewer', 'POST', '/api/overrides', body);
    expect(refused).toMatchObject({
      status: 403,
      body: { error: 'forbidden', message: 'vera is a viewer; this needs operator or more' },
    });
    const set = await call('operator', 'POST', '/api/overrides', body);
    expect(set.status).toBe(201);
    expect(set.body).toMatchObject({ point: 'dh/offered_heat', value: 321, actor: 'user:olli' });
    await eventually(
      () => host.sim.commands.offeredHeatKw === 321,
      10_000,
      'the override at the device',
    );
    expect((await call('viewer', 'GET', '/api/overrides')).body).toEqual([
      expect.objectContaining({ point: 'dh/offered_heat', value: 321 }),
    ]);
    const audit = (await call('viewer', 'GET', '/api/audit?target=dh/offered_heat')).body as {
      action: string;
      actor: string;
      new: unknown;
      old: unknown;
    }[];
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['override-set']));
    expect(audit.find((e) => e.action === 'override-set')).toMatchObject({
      actor: 'user:olli',
      new: 321,
      old: expect.any(Number),
    });
    // What was written is in the overrides list (the write itself goes to the historian's
    // write record, not the audit log: issue 21).
    await eventuallyAsync(
      async () =>
        (
          (await call('viewer', 'GET', '/api/overrides')).body as { written: { value: unknown } }[]
        )[0]?.written?.value === 321,
      10_000,
      'the write in the overrides list',
    );
    // Cancelled: needs a reason; then the controllers take the point back.
    expect((await call('operator', 'DELETE', '/api/overrides/dh/offered_heat')).status).toBe(400);
    const cancel = await call(
      'engineer',
      'DELETE',
      '/api/overrides/dh/offered_heat?reason=trial%20over',
    );
    expect(cancel.status).toBe(200);
    expect(
      (await call('engineer', 'DELETE', '/api/overrides/dh/offered_heat?reason=again')).status,
    ).toBe(404);
    expect((await call('viewer', 'GET', '/api/overrides')).body).toEqual([]);
  });

  it('an expired override is gone: not listed, not cancellable, and its expiry is audited', async () => {
    const set = await call('operator', 'POST', '/api/overrides', {
      point: 'dh/offered_heat',
      value: 111,
      durationMin: 0.02,
      reason: 'short trial',
    });
    expect(set.status).toBe(201);
    await eventuallyAsync(
      async () =>
        ((await call('viewer', 'GET', '/api/audit?action=override-expired')).body as unknown[])
          .length > 0,
      10_000,
      'the expiry',
    );
    expect((await call('viewer', 'GET', '/api/overrides')).body).toEqual([]);
    expect(
      (await call('operator', 'DELETE', '/api/overrides/dh/offered_heat?reason=late')).status,
    ).toBe(404);
  });

  it.each([
    [
      'a wrong type',
      { point: 'dh/offered_heat', value: 'lots', durationMin: 5, reason: 'test' },
      400,
      'body.value',
    ],
    [
      'a missing field',
      { point: 'dh/offered_heat', value: 5, reason: 'test' },
      400,
      'body.durationMin',
    ],
    [
      'both durations',
      {
        point: 'dh/offered_heat',
        value: 5,
        durationMin: 5,
        until: new Date(Date.now() + 86_400_000).toISOString(), // tomorrow, whenever this runs
        reason: 'test',
      },
      400,
      'body.durationMin',
    ],
    [
      'an unknown field',
      { point: 'dh/offered_heat', value: 5, durationMin: 5, reason: 'test', force: true },
      400,
      'body',
    ],
    [
      'an unknown point',
      { point: 'dh/nothing', value: 5, durationMin: 5, reason: 'test' },
      404,
      undefined,
    ],
    [
      'a read-only point',
      { point: 'hall1/cdu_supply_temp', value: 5, durationMin: 5, reason: 'test' },
      400,
      'value',
    ],
    [
      'a value outside the bounds',
      { point: 'hp1/load_setpoint', value: 150, durationMin: 5, reason: 'test' },
      400,
      'value',
    ],
    [
      'too long',
      { point: 'hp1/load_setpoint', value: 50, durationMin: 100_000, reason: 'test' },
      400,
      'value',
    ],
    [
      'a boolean for a number',
      { point: 'hp1/load_setpoint', value: true, durationMin: 5, reason: 'test' },
      400,
      'value',
    ],
    [
      'no reason',
      { point: 'hp1/load_setpoint', value: 50, durationMin: 5, reason: '' },
      400,
      'body.reason',
    ],
  ] as const)(
    'POST /api/overrides with %s: refused, nothing changes, the attempt is audited',
    async (_l, body, status, path) => {
      const before = await state();
      const r = await call('operator', 'POST', '/api/overrides', body);
      expect(r.status).toBe(status);
      const err = r.body as { error: string; message: string; issues?: { path: string }[] };
      expect(typeof err.message).toBe('string');
      if (path) expect(err.issues?.map((i) => i.path)).toEqual(expect.arrayContaining([path]));
      expect(await state()).toEqual(before);
      expect((await auditEntries())[0]).toMatchObject({
        action: 'override-set',
        actor: 'user:olli',
        result: `rejected: ${status} ${err.message}`,
      });
    },
  );

  it.each([
    ['a huge body', 'x'.repeat(5000), {}, 413, 'payload_too_large'],
    ['not JSON', '{"point": ', {}, 400, 'invalid_request'],
    [
      'another content type',
      'point=a',
      { 'Content-Type': 'application/x-www-form-urlencoded' },
      415,
      'unsupported_media_type',
    ],
  ] as const)('POST /api/overrides with %s: refused', async (_l, body, headers, status, code) => {
    const before = await state();
    const r = await call('operator', 'POST', '/api/overrides', body, {
      'Content-Type': 'application/json',
      ...headers,
    });
    expect(r).toMatchObject({ status, body: { error: code } });
    expect(await state()).toEqual(before);
  });

  it('modes: an operator puts a device in manual mode and back, audited; bad requests are refused', async () => {
    expect(
      (await call('viewer', 'PUT', '/api/modes/hp2', { mode: 'manual', reason: 'maintenance' }))
        .status,
    ).toBe(403);
    expect(
      (await call('operator', 'PUT', '/api/modes/hp9', { mode: 'manual', reason: 'maintenance' }))
        .status,
    ).toBe(404);
    expect(
      (await call('operator', 'PUT', '/api/modes/hp2', { mode: 'hand', reason: 'maintenance' }))
        .status,
    ).toBe(400);
    const r = await call('operator', 'PUT', '/api/modes/hp2', {
      mode: 'manual',
      reason: 'maintenance',
    });
    expect(r).toMatchObject({ status: 200, body: { device: 'hp2', mode: 'manual' } });
    expect((await call('viewer', 'GET', '/api/modes')).body).toContainEqual({
      device: 'hp2',
      mode: 'manual',
    });
    expect(app.control.operator.mode('hp2')).toBe('manual');
    await call('operator', 'PUT', '/api/modes/hp2', { mode: 'auto', reason: 'maintenance done' });
    const audit = (await call('viewer', 'GET', '/api/audit?action=mode-changed')).body as {
      old: string;
      new: string;
    }[];
    expect(audit.slice(0, 2).map((e) => `${e.old}->${e.new}`)).toEqual([
      'manual->auto',
      'auto->manual',
    ]);
  });

  it('alarms: a failed sensor raises cooling safety; a viewer cannot acknowledge, an operator can, once', async () => {
    const fault = host.sim.addFault({ kind: 'bad', point: 'hall1/cdu_supply_temp' });
    try {
      await eventuallyAsync(
        async () =>
          ((await call('viewer', 'GET', '/api/alarms')).body as { key: string }[]).some(
            (a) => a.key === 'cooling-safety',
          ),
        20_000,
        'the cooling-safety alarm',
      );
      const key = encodeURIComponent('cooling-safety');
      expect((await call('viewer', 'POST', `/api/alarms/${key}/ack`, {})).status).toBe(403);
      const ack = await call('operator', 'POST', `/api/alarms/${key}/ack`, {
        reason: 'seen, sensor crew called',
      });
      expect(ack).toMatchObject({
        status: 200,
        body: { key: 'cooling-safety', state: 'active-acked', ackedBy: 'user:olli' },
      });
      expect((await call('operator', 'POST', `/api/alarms/${key}/ack`, {})).status).toBe(409);
      expect((await call('operator', 'POST', '/api/alarms/nope/ack', {})).status).toBe(404);
      const audit = (await call('viewer', 'GET', '/api/audit?action=alarm-acknowledged')).body as {
        reason: string;
        actor: string;
        result: string;
      }[];
      // Newest first: the refused second acknowledgement and the viewer's attempt are audited too.
      expect(audit.map((e) => [e.actor, e.result.split(' ').slice(0, 2).join(' ')])).toEqual(
        expect.arrayContaining([
          ['user:olli', 'rejected: 409'],
          ['user:olli', 'ok'],
          ['user:vera', 'rejected: 403'],
        ]),
      );
      expect(audit.find((e) => e.result === 'ok')!.reason).toBe('seen, sensor crew called');
      // Shelving: operators only, with a reason, bounded; hidden from the list, then back.
      const shelf = { durationMin: 30, reason: 'sensor crew on it' };
      expect((await call('viewer', 'POST', `/api/alarms/${key}/shelve`, shelf)).status).toBe(403);
      expect(
        (
          await call('operator', 'POST', `/api/alarms/${key}/shelve`, {
            durationMin: 10_000,
            reason: 'long',
          })
        ).status,
      ).toBe(400);
      expect((await call('operator', 'POST', `/api/alarms/${key}/shelve`, shelf)).status).toBe(200);
      const listed = (await call('viewer', 'GET', '/api/alarms')).body as { key: string }[];
      expect(listed.map((a) => a.key)).not.toContain('cooling-safety');
      const shelved = (await call('viewer', 'GET', '/api/alarms?shelved=true')).body as {
        key: string;
        shelved: { by: string };
      }[];
      expect(shelved.find((a) => a.key === 'cooling-safety')?.shelved.by).toBe('user:olli');
      expect((await call('operator', 'POST', `/api/alarms/${key}/unshelve`, {})).status).toBe(200);
      expect(
        ((await call('viewer', 'GET', '/api/audit?action=alarm-shelved')).body as unknown[]).length,
      ).toBeGreaterThan(0);
      expect((await call('viewer', 'GET', '/api/alarms/floods')).status).toBe(200);
    } finally {
      host.sim.clearFault(fault.id);
    }
  });

  it('history: bad ranges and unknown points are refused clearly', async () => {
    expect(
      (
        await call(
          'viewer',
          'GET',
          '/api/points/hall1/cdu_supply_temp/history?from=2026-01-02&to=2026-01-01',
        )
      ).status,
    ).toBe(400);
    expect(
      (await call('viewer', 'GET', '/api/points/hall1/cdu_supply_temp/history?every=soon')).body,
    ).toMatchObject({ error: 'invalid_request', issues: [{ path: 'query.every' }] });
    expect(
      (await call('viewer', 'GET', '/api/points/hall1/cdu_supply_temp/history?every=1ms')).status,
    ).toBe(400);
    expect((await call('viewer', 'GET', '/api/points/hall1/nothing/history')).status).toBe(404);
    expect((await call('viewer', 'GET', '/api/points?colour=red')).body).toMatchObject({
      error: 'invalid_request',
    });
  });

  it('the PLC watchdog cannot be overridden (it would hide a dead control loop)', async () => {
    const r = await call('engineer', 'POST', '/api/overrides', {
      point: 'plant/heartbeat',
      value: 1,
      durationMin: 5,
      reason: 'test',
    });
    expect(r).toMatchObject({ status: 400, body: { message: /PLC watchdog/ } });
    expect((await call('viewer', 'GET', '/api/overrides')).body).toEqual([]);
  });

  it('every state-changing operation the OpenAPI document lists refuses no token and a viewer, and changes nothing', async () => {
    // Taken from the served document, so a route added later is covered without editing this.
    const doc = (await call('none', 'GET', '/api/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const changes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ['post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => [m.toUpperCase(), path.replace(/\{[^}]+\}/g, 'hp1')] as const),
    );
    expect(changes.length).toBeGreaterThanOrEqual(6);
    const before = await state();
    const body = { point: 'hp1/supply_setpoint', value: 60, durationMin: 5, reason: 'probe' };
    const answers = [];
    for (const [method, path] of changes) {
      answers.push([method, path, (await call('none', method, path, body)).status]);
      answers.push([method, path, (await call('viewer', method, path, body)).status]);
    }
    expect(answers.filter(([, , status]) => status !== 401 && status !== 403)).toEqual([]);
    expect(answers.filter(([, , status]) => status === 401)).toHaveLength(changes.length);
    expect(await state()).toEqual(before);
  });

  it('client mistakes get a 4xx in JSON, never a 500', async () => {
    const cases: [string, string, Record<string, string>, number][] = [
      ['GET', '/api/points/%E0%A4%A/x', {}, 400],
      ['GET', '/api/points/hall1/cdu_supply_temp/history?from=99999999999999000000', {}, 400],
      ['GET', `/api/points/hall1/cdu_supply_temp/history?to=${'9'.repeat(60)}`, {}, 400],
      ['GET', '/api/plant?colour=red', {}, 400],
      ['GET', '/metrics/extra', {}, 404],
      ['GET', '/api/docs/assets/index.html', {}, 404],
    ];
    for (const [method, path, headers, status] of cases) {
      const r = await call('viewer', method, path, undefined, headers);
      expect([path, r.status, typeof (r.body as { error?: unknown }).error]).toEqual([
        path,
        status,
        'string',
      ]);
    }
    const zipped = await call('operator', 'PUT', '/api/modes/hp2', '{}', {
      'Content-Type': 'application/json',
      'Content-Encoding': 'zstdx',
    });
    expect(zipped.status).toBe(415);
  });

  it('health shows its components (addresses, messages) only to those who may read', async () => {
    const anon = (await call('none', 'GET', '/api/health')).body as Record<string, unknown>;
    expect(anon.status).toEqual(expect.any(String));
    expect(anon.components).toBeUndefined();
    expect(JSON.stringify(anon)).not.toMatch(/127\.0\.0\.1/);
    const viewer = (await call('viewer', 'GET', '/api/health')).body as Record<string, unknown>;
    expect(viewer.components).toEqual(expect.any(Array));
  });

  it('energy report: from the live historian, for readers; bad ranges refused', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const r = await call('viewer', 'GET', `/api/reports/energy?from=${today}&to=${tomorrow}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      site: { id: site.site.id },
      period: { days: expect.any(Number) },
    });
    const md = await call(
      'viewer',
      'GET',
      `/api/reports/energy?from=${today}&to=${tomorrow}&format=md`,
    );
    expect(md.headers.get('content-type')).toMatch(/text\/markdown/);
    expect(md.body).toMatch(/^# Energy-reuse report/);
    expect(
      (await call('none', 'GET', `/api/reports/energy?from=${today}&to=${tomorrow}`)).status,
    ).toBe(401);
    expect(
      (await call('viewer', 'GET', `/api/reports/energy?from=${tomorrow}&to=${today}`)).status,
    ).toBe(400);
    expect(
      (await call('viewer', 'GET', '/api/reports/energy?from=2020-01-01&to=2026-01-01')).status,
    ).toBe(400);
  });

  it('unknown API routes answer a JSON 404', async () => {
    expect(await call('viewer', 'GET', '/api/nope')).toMatchObject({
      status: 404,
      body: { error: 'not_found' },
    });
  });
});

describe('API: live updates, metrics, docs, headers', () => {
  it('streams changed values over SSE, and replays missed events after Last-Event-ID', async () => {
    const read = async (
      headers: Record<string, string>,
      until: (events: { id: string; event: string }[]) => boolean,
    ) => {
      const ctl = new AbortController();
      const res = await fetch(`${base}/api/stream?access_token=${TOKENS.viewer}`, {
        headers,
        signal: ctl.signal,
      });
      expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
      const events: { id: string; event: string; data: unknown }[] = [];
      const reader = res.body!.getReader();
      let buf = '';
      const deadline = Date.now() + 15_000;
      while (!until(events) && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += Buffer.from(value).toString();
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const id = /^id: ([0-9a-f]+-\d+)$/m.exec(block)?.[1];
          const event = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (id && event) events.push({ id, event, data: data ? JSON.parse(data) : null });
        }
      }
      ctl.abort();
      return events;
    };
    const first = await read({}, (e) => e.filter((x) => x.event === 'points').length >= 2);
    expect(first[0]!.event).toBe('hello');
    const points = first.filter((e) => e.event === 'points');
    expect(points.length).toBeGreaterThanOrEqual(2);
    expect((points[0]!.data as { id: string }[]).length).toBeGreaterThan(0);
    // Reconnect from the first points event: the ones after it come again, in order.
    const from = points[0]!.id;
    const [boot, seq] = from.split('-');
    const again = await read({ 'Last-Event-ID': from }, (e) =>
      e.some((x) => x.id === points[1]!.id),
    );
    expect(again[0]!.id).toBe(`${boot}-${Number(seq) + 1}`);
    expect(again.map((e) => e.id)).toContain(points[1]!.id);
    // An id from before a restart (another boot, or a number this run has not reached): reset.
    for (const stale of ['0badc0de-5', `${boot}-99999999`, '17']) {
      const r = await read({ 'Last-Event-ID': stale }, (e) => e.length > 0);
      expect(r[0]!.event).toBe('reset');
    }
    // Without a token (reads are not open here) there is no stream.
    expect((await fetch(`${base}/api/stream`)).status).toBe(401);
  });

  it('exposes Prometheus metrics of the adapters, the historian, control and the process', async () => {
    const r = await call('viewer', 'GET', '/metrics');
    expect(r.headers.get('content-type')).toMatch(/text\/plain/);
    const text = r.body as string;
    for (const name of [
      'heatbridge_adapter_requests_total{protocol="modbus",connection="plant"}',
      'heatbridge_adapter_requests_total{protocol="modbus",connection="dh"}',
      'heatbridge_adapter_connected{protocol="opcua",connection="hall1"} 1',
      'heatbridge_adapter_info{protocol="modbus",connection="plant",transport="tcp",host="127.0.0.1"',
      'heatbridge_adapter_queue_depth{protocol="modbus",connection="plant"}',
      'heatbridge_historian_backlog_lines',
      'heatbridge_historian_dropped_lines_total',
      'heatbridge_control_cycle_duration_seconds_count',
      'heatbridge_component_state{component="control",state="running"} 1',
      'heatbridge_component_state{component="adapter",protocol="opcua",connection="hall1",state="running"} 1',
      'nodejs_eventloop_lag_p99_seconds',
      'process_resident_memory_bytes',
    ]) {
      expect(text).toContain(name);
    }
  });

  it('/metrics is what Prometheus expects: *_total counters, a round-trip histogram that grows with real requests, one state per component, no packed labels (issue 19)', async () => {
    const ROUND_TRIP = 'heatbridge_adapter_round_trip_seconds';
    const scrape = async () =>
      parseExposition((await call('viewer', 'GET', '/metrics')).body as string);
    const roundTrips = (e: Exposition, connection: string): number =>
      histogramSeries(e, ROUND_TRIP).find((s) => s.labels.connection === connection)?.count ?? -1;
    const before = await scrape();
    expect(counterNameProblems(before)).toEqual([]);
    expect(histogramProblems(before, ROUND_TRIP)).toEqual([]);
    expect(stateSetProblems(before, 'heatbridge_component_state', COMPONENT_STATES)).toEqual([]);
    expect(packedLabelValues(before)).toEqual([]);
    // Every component has its one state: adapters by protocol and connection name.
    const running = before.samples
      .filter((s) => s.name === 'heatbridge_component_state' && s.value === 1)
      .map((s) => s.labels.connection ?? s.labels.component ?? '');
    const names = app.supervisor.health().components.map((c) => c.name);
    expect(running).toHaveLength(names.length);
    expect(running.filter((n) => !names.includes(n)).sort()).toEqual(['dh', 'hall1', 'plant']);
    // Modbus reads are timed as they are polled; an OPC UA write (an override of a point the
    // hall's BMS is told) is timed when the server answers it.
    expect(roundTrips(before, 'plant')).toBeGreaterThan(0);
    const set = await call('operator', 'POST', '/api/overrides', {
      point: 'hall1/recovered_power',
      value: 1234,
      durationMin: 5,
      reason: 'metrics test: an OPC UA write',
    });
    expect(set.status).toBe(201);
    let after = before;
    await eventuallyAsync(
      async () => {
        after = await scrape();
        return (
          roundTrips(after, 'hall1') > Math.max(roundTrips(before, 'hall1'), 0) &&
          roundTrips(after, 'plant') > roundTrips(before, 'plant') &&
          roundTrips(after, 'dh') > roundTrips(before, 'dh')
        );
      },
      15_000,
      'round trips of Modbus reads and the OPC UA write',
    );
    expect(
      (
        await call(
          'operator',
          'DELETE',
          '/api/overrides/hall1/recovered_power?reason=metrics%20test%20over',
        )
      ).status,
    ).toBe(200);
    expect(histogramProblems(after, ROUND_TRIP)).toEqual([]);
    const hall1 = histogramSeries(after, ROUND_TRIP).find((s) => s.labels.connection === 'hall1')!;
    expect(hall1.labels).toEqual({ protocol: 'opcua', connection: 'hall1' });
    expect(hall1.sum).toBeGreaterThan(0);
    // The histogram is the health details' count and sum, not a second count.
    const health = app.supervisor.health().components.find((c) => c.name === 'opcua hall1')!
      .details as { roundTrips: number };
    expect(health.roundTrips).toBeGreaterThanOrEqual(hall1.count!);
  });

  it('serves the OpenAPI document and its browsable docs from HeatBridge itself', async () => {
    const doc = (await call('none', 'GET', '/api/openapi.json')).body as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/stream');
    const bundle = await fetch(`${base}/api/docs/assets/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
  });

  it('sends security headers and no CORS headers unless configured', async () => {
    const r = await call('viewer', 'GET', '/api/kpi', undefined, {
      Origin: 'https://evil.example',
    });
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    expect(r.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.headers.get('x-powered-by')).toBeNull();
    expect(r.headers.get('cache-control')).toBe('no-store');
  });

  it('rate-limits failed logins per address: 429 with Retry-After; a right token still gets in', async () => {
    for (let i = 0; i < 5; i++) {
      expect(
        (await fetch(`${base}/api/kpi`, { headers: { Authorization: 'Bearer wrong-guess' } }))
          .status,
      ).toBe(401);
    }
    const blocked = await fetch(`${base}/api/kpi`, {
      headers: { Authorization: 'Bearer another-guess' },
    });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Operators sharing the address (a proxy, a NAT) are not locked out by someone's guessing.
    const operator = await fetch(`${base}/api/kpi`, {
      headers: { Authorization: `Bearer ${TOKENS.viewer}` },
    });
    expect(operator.status).toBe(200);
  });
});

/** A second API app on the same plant, with its own config and audit log. */
async function startSideApp(
  api: Partial<SiteConfig['api']>,
  audit = new AuditLog(undefined),
): Promise<{ url: string; stop: () => Promise<void> }> {
  const s: SiteConfig = { ...site, api: { ...site.api, ...api } };
  const created = createApiApp(
    s.api,
    {
      site: s,
      defs: app.defs,
      latest: app.latest,
      health: () => app.supervisor.health(),
      alarms: new AlarmList(),
      audit,
      kpi: new KpiTracker({ site: s, defs: app.defs, latest: app.latest, startedAt: Date.now() }),
      samples$: new Subject<Sample>(),
      now: Date.now,
    },
    memoryLogger().log,
  );
  const server = createServer(created.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      created.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('API limits and failures', () => {
  it('refuses more live streams than configured, per address, with 429', async () => {
    const side = await startSideApp({ openReads: true, streams: { max: 10, perAddress: 2 } });
    const ctl = new AbortController();
    try {
      const open = () => fetch(`${side.url}/api/stream`, { signal: ctl.signal });
      const [a, b] = [await open(), await open()];
      expect([a.status, b.status]).toEqual([200, 200]);
      const third = await open();
      expect(third.status).toBe(429);
      expect(await third.json()).toMatchObject({ error: 'too_many_requests' });
    } finally {
      ctl.abort();
      await side.stop();
    }
  });

  it('refuses state changes with 503 while the audit log cannot be written, and says why in the log', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hb-audit-')), 'audit.jsonl');
    const audit = new AuditLog(file);
    const side = await startSideApp(
      { tokens: [{ name: 'olli', role: 'operator', token: new Secret(TOKENS.operator, 'test') }] },
      audit,
    );
    try {
      mkdirSync(file); // a folder where the file should be: appends fail
      audit.record({ actor: 'user:x', action: 'write', target: 'a/b', reason: 'x', result: 'ok' });
      const post = () =>
        fetch(`${side.url}/api/alarms/any/ack`, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${TOKENS.operator}`,
            'Content-Type': 'application/json',
          },
          body: '{}',
        });
      const refused = await post();
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ message: /audit log cannot be written/ });
      rmdirSync(file);
      // Writable again: the kept entry is written and the request goes through (404: no alarm).
      expect((await post()).status).toBe(404);
      expect(readFileSync(file, 'utf8')).toContain('"target":"a/b"');
    } finally {
      await side.stop();
    }
  });
});

describe('API with open reads and CORS configured', () => {
  let url: string;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ url, stop } = await startSideApp({
      openReads: true,
      tokens: [],
      corsOrigins: ['https://scada.example'],
    }));
  });
  afterAll(() => stop());

  it('reads need no token; state changes still do', async () => {
    expect((await fetch(`${url}/api/points`)).status).toBe(200);
    const post = await fetch(`${url}/api/overrides`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(post.status).toBe(401);
  });

  it('answers CORS for a configured origin only', async () => {
    const ok = await fetch(`${url}/api/kpi`, { headers: { Origin: 'https://scada.example' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://scada.example');
    const preflight = await fetch(`${url}/api/overrides`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://scada.example' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    const other = await fetch(`${url}/api/kpi`, { headers: { Origin: 'https://other.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
