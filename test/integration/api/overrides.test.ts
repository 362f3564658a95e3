import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { isoInZone, siteTimeText } from '../../../src/util/site-time';
import { eventuallyAsync } from '../../helpers/components';
import { authorization, USERS, type Who } from '../../helpers/api-users';
import { startDemoStack, type DemoStack } from '../../helpers/stack';

/**
 * Issue 21 over real HTTP on the demo stack (its simulators over loopback): the overrides list
 * says requested vs written, bounds, rate and when the value is reached (item 3, contract C2);
 * a value the device cannot hold is refused with a 400 saying why (item 12, C6); the audit
 * trail has the operator's action once, with the end in site time, and can be filtered by who
 * and what (item 2, C3).
 */

let stack: DemoStack;
let tz: string;
beforeAll(async () => {
  stack = await startDemoStack({ openReads: false, users: USERS });
  tz = stack.site.site.timezone;
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

async function call<T = unknown>(
  who: Who,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${stack.base}${path}`, {
    method,
    headers: {
      ...authorization(who),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as T };
}

interface OverrideJson {
  point: string;
  value: unknown;
  actor: string;
  since: string;
  expiresAt: string;
  unit: string;
  requested: unknown;
  written: { value: number; at: string } | null;
  bounds: { min: number; max: number; maxRatePerMin?: number } | null;
  reachesAt: string | null;
  limitedBy: 'rate' | null;
}
interface AuditJson {
  at: string;
  actor: string;
  action: string;
  target: string;
  reason: string;
  result: string;
}

/** ISO 8601 with the site's offset, as the API writes every time (never `Z`). */
const expectSiteIso = (s: string | null | undefined): void => {
  expect(s).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?[+-]\d\d:\d\d$/);
  expect(s).toBe(isoInZone(Date.parse(s!), tz));
};

const SETPOINT = 'hp1/condenser_out_setpoint'; // 55..85 °C, 2 °C/min, int16 at 0.1

describe('overrides: requested vs written, bounds, rate, reachesAt', () => {
  let requested: number;

  it('the POST answer says what the guard will do with the value', async () => {
    const now = (await call<{ value: number }>('viewer', 'GET', `/api/points/${SETPOINT}`)).body;
    // Far from where the controller holds it: at 2 °C/min, minutes of ramp.
    requested = now.value >= 70 ? 55 : 85;
    const set = await call<OverrideJson>('operator', 'POST', '/api/overrides', {
      point: SETPOINT,
      value: requested,
      durationMin: 30,
      reason: 'ramp test',
    });
    expect(set.status).toBe(201);
    expect(set.body).toMatchObject({
      point: SETPOINT,
      value: requested,
      requested,
      unit: 'degC',
      actor: 'user:olli',
      bounds: { min: 55, max: 85, maxRatePerMin: 2 },
      limitedBy: 'rate',
    });
    expectSiteIso(set.body.since);
    expectSiteIso(set.body.expiresAt);
    expectSiteIso(set.body.reachesAt);
    // At least seven minutes of ramp (15 °C at 2 °C/min) from whatever the guard counts from.
    expect(Date.parse(set.body.reachesAt!) - Date.parse(set.body.since)).toBeGreaterThan(
      6.5 * 60_000,
    );
  });

  it('the list shows the ramp: written on its way, reached when the rate allows', async () => {
    let entry: OverrideJson | undefined;
    await eventuallyAsync(
      async () => {
        const list = (await call<OverrideJson[]>('viewer', 'GET', '/api/overrides')).body;
        entry = list.find((o) => o.point === SETPOINT);
        // A write made for the override: after it was set.
        return !!entry?.written && Date.parse(entry.written.at) > Date.parse(entry.since);
      },
      15_000,
      'a write for the override',
    );
    const e = entry!;
    expect(e.requested).toBe(requested);
    expect(e.written!.value).not.toBe(requested);
    expect(e.limitedBy).toBe('rate');
    expectSiteIso(e.written!.at);
    // Reached when the rest of the gap, at 2 °C/min, has passed since the last write (the
    // written value is shown at 0.1 °C: 0.05 °C is 1.5 s of ramp).
    const rest = (Math.abs(requested - e.written!.value) / 2) * 60_000;
    expect(
      Math.abs(Date.parse(e.reachesAt!) - (Date.parse(e.written!.at) + rest)),
    ).toBeLessThanOrEqual(1600);
  });

  it('its writes are not audited one by one: the action is one entry, with its end in site time', async () => {
    const audit = (
      await call<AuditJson[]>('viewer', 'GET', `/api/audit?target=${SETPOINT}&limit=1000`)
    ).body;
    expect(audit.filter((a) => a.action === 'write')).toEqual([]);
    const set = audit.filter((a) => a.action === 'override-set');
    expect(set).toHaveLength(1);
    const o = (await call<OverrideJson[]>('viewer', 'GET', '/api/overrides')).body.find(
      (x) => x.point === SETPOINT,
    )!;
    // The end asked for (30 min after the call), as people read it: no UTC ISO in the text.
    expect(set[0]!.reason).toMatch(/^ramp test \(until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+\)$/);
    // The loop starts the override by its own clock, a millisecond or so after the API asked:
    // its expiry may be in the next second.
    const end = Date.parse(o.expiresAt);
    expect([end, end - 1000].map((t) => `ramp test (until ${siteTimeText(t, tz)})`)).toContain(
      set[0]!.reason,
    );
    expectSiteIso(set[0]!.at);
  });

  it('cancelled: the answer is the override as it was', async () => {
    const cancel = await call<OverrideJson>(
      'operator',
      'DELETE',
      `/api/overrides/${SETPOINT}?reason=ramp%20test%20over`,
    );
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ point: SETPOINT, requested, unit: 'degC' });
    expectSiteIso(cancel.body.expiresAt);
  });
});

describe('a value the device cannot hold is refused, saying why', () => {
  it('2.55 on a uint16 register at scale 0.1: 400, nothing changes, the attempt is audited', async () => {
    const before = (await call('viewer', 'GET', '/api/overrides')).body;
    const r = await call<{ error: string; message: string; issues: unknown[] }>(
      'operator',
      'POST',
      '/api/overrides',
      { point: 'hp1/load_setpoint', value: 2.55, durationMin: 5, reason: 'too fine' },
    );
    const why =
      'hp1/load_setpoint: 2.55 cannot be held exactly by a uint16 register with scale 0.1 (nearest 2.5 or 2.6)';
    expect(r).toEqual({
      status: 400,
      body: { error: 'invalid_request', message: why, issues: [{ path: 'value', message: why }] },
    });
    expect((await call('viewer', 'GET', '/api/overrides')).body).toEqual(before);
    const [last] = (
      await call<AuditJson[]>('viewer', 'GET', '/api/audit?target=hp1/load_setpoint&limit=1')
    ).body;
    expect(last).toMatchObject({
      actor: 'user:olli',
      action: 'override-set',
      result: `rejected: 400 ${why}`,
    });
    // A value the register holds is taken.
    const ok = await call('operator', 'POST', '/api/overrides', {
      point: 'hp1/load_setpoint',
      value: 2.5,
      durationMin: 5,
      reason: 'on a step',
    });
    expect(ok.status).toBe(201);
    expect(
      (await call('operator', 'DELETE', '/api/overrides/hp1/load_setpoint?reason=done')).status,
    ).toBe(200);
  });
});

describe('the audit view, filtered by who and what (C3)', () => {
  it('actor (a bare name is the user), action, and a device prefix for target', async () => {
    expect(
      (await call('operator', 'PUT', '/api/modes/hp2', { mode: 'manual', reason: 'service' }))
        .status,
    ).toBe(200);
    expect(
      (await call('operator', 'PUT', '/api/modes/hp2', { mode: 'auto', reason: 'done' })).status,
    ).toBe(200);
    const q = async (query: string): Promise<AuditJson[]> =>
      (await call<AuditJson[]>('viewer', 'GET', `/api/audit?limit=1000&${query}`)).body;

    const olli = await q('actor=olli');
    expect(olli.length).toBeGreaterThan(3);
    expect(new Set(olli.map((e) => e.actor))).toEqual(new Set(['user:olli']));
    expect(await q('actor=user:olli')).toEqual(olli);
    expect(await q('actor=nobody')).toEqual([]);

    const sets = await q('actor=olli&action=override-set');
    expect(sets.length).toBeGreaterThan(0);
    expect(sets.every((e) => e.action === 'override-set')).toBe(true);

    // A device prefix: its points' entries, and the device's own (its mode changes).
    const hp1 = await q('target=hp1/');
    expect(hp1.length).toBeGreaterThan(0);
    expect(hp1.every((e) => e.target === 'hp1' || e.target.startsWith('hp1/'))).toBe(true);
    const hp2 = await q('target=hp2/&action=mode-changed');
    expect(hp2.map((e) => e.reason)).toEqual(['done', 'service']);
    // Exact otherwise.
    expect(await q('target=hp1')).toEqual([]);
    for (const e of [...olli, ...hp2]) expectSiteIso(e.at);
  });
});
