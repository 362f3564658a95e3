import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { siteTimeText } from '../../../src/util/site-time';
import { startDemoStack, type DemoStack } from '../../helpers/stack';
import { authorization, USERS, type Who } from '../../helpers/api-users';

/**
 * The audit file, line by line, for every state-changing API call, allowed and refused, over
 * real HTTP on the demo stack: who, what, on what, from what to what, why and the result, in
 * that key order. It pins the records themselves (not just that there is one), so a change to
 * how they are made cannot change what operators and auditors read.
 */

let stack: DemoStack;
beforeAll(async () => {
  stack = await startDemoStack({
    openReads: false,
    users: USERS,
  });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

async function call(
  who: Who,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; message: string }> {
  const res = await fetch(`${stack.base}${path}`, {
    method,
    headers: {
      ...authorization(who),
      ...(body !== undefined ? { 'Content-Type': contentType } : {}),
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as { message?: string };
  return { status: res.status, message: json.message ?? '' };
}

/** The API's records in the file, as written (key order kept), without `seq` and `at`. */
function apiRecords(): Record<string, unknown>[] {
  return readFileSync(stack.site.api.auditFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((e) => e.action !== 'write' && e.action !== 'override-expired')
    .map(({ seq: _seq, at: _at, ...rest }) => rest);
}

/** A whole second some minutes ahead, as the API writes times back. */
const ahead = (min: number): string =>
  new Date(Math.ceil((Date.now() + min * 60_000) / 1000) * 1000).toISOString();

describe('API audit records: one per state change, allowed or refused', () => {
  it('writes the same record for each call as it always has', async () => {
    const until = ahead(10);
    const override = { point: 'dh/offered_heat', value: 321, until, reason: 'network trial' };
    const rejected = (r: { status: number; message: string }): string =>
      `rejected: ${r.status} ${r.message}`;
    const expected: unknown[] = [];
    const olli = (e: Record<string, unknown>) => ({ actor: 'user:olli', ...e });

    // No token: nobody to name, so nothing is recorded.
    expect((await call('none', 'POST', '/api/overrides', override)).status).toBe(401);
    // A role too low: refused before the body is read, so its point and reason are not known.
    const viewer = await call('viewer', 'POST', '/api/overrides', override);
    expect(viewer.status).toBe(403);
    expected.push({
      actor: 'user:vera',
      action: 'override-set',
      target: '',
      reason: '',
      result: rejected(viewer),
    });
    // A body the schema refuses.
    const badType = await call('operator', 'POST', '/api/overrides', { ...override, value: 'x' });
    expect(badType.status).toBe(400);
    expected.push(
      olli({
        action: 'override-set',
        target: 'dh/offered_heat',
        reason: 'network trial',
        result: rejected(badType),
      }),
    );
    // Refused by the handler.
    const unknown = await call('operator', 'POST', '/api/overrides', {
      ...override,
      point: 'dh/nothing',
    });
    expect(unknown.status).toBe(404);
    expected.push(
      olli({
        action: 'override-set',
        target: 'dh/nothing',
        reason: 'network trial',
        result: rejected(unknown),
      }),
    );
    // Not JSON: refused before anyone looks at it, not recorded.
    expect((await call('operator', 'POST', '/api/overrides', 'point=a', 'text/plain')).status).toBe(
      415,
    );

    expect((await call('operator', 'POST', '/api/overrides', override)).status).toBe(201);
    expected.push(
      olli({
        action: 'override-set',
        target: 'dh/offered_heat',
        old: 'a number',
        new: 321,
        // The end asked for as people read it: the site's zone, 24-hour, zone named (issue 21).
        reason: `network trial (until ${siteTimeText(Date.parse(until), stack.site.site.timezone)})`,
        result: 'ok',
      }),
    );
    const noReason = await call('operator', 'DELETE', '/api/overrides/dh/offered_heat');
    expect(noReason.status).toBe(400);
    expected.push(
      olli({
        action: 'override-cancelled',
        target: 'dh/offered_heat',
        reason: '',
        result: rejected(noReason),
      }),
    );
    const cancelPath = '/api/overrides/dh/offered_heat?reason=trial%20over';
    expect((await call('engineer', 'DELETE', cancelPath)).status).toBe(200);
    const cancelled = {
      actor: 'user:erik',
      action: 'override-cancelled',
      target: 'dh/offered_heat',
    };
    expected.push({ ...cancelled, old: 321, new: null, reason: 'trial over', result: 'ok' });
    const again = await call('engineer', 'DELETE', cancelPath);
    expect(again.status).toBe(404);
    expected.push({ ...cancelled, reason: 'trial over', result: rejected(again) });

    const mode = (m: string, reason: string) => ({ mode: m, reason });
    const modeChanged = (target: string) => olli({ action: 'mode-changed', target });
    expect(
      (await call('operator', 'PUT', '/api/modes/hp2', mode('manual', 'service'))).status,
    ).toBe(200);
    expected.push({
      ...modeChanged('hp2'),
      old: 'auto',
      new: 'manual',
      reason: 'service',
      result: 'ok',
    });
    expect((await call('operator', 'PUT', '/api/modes/hp2', mode('manual', 'still'))).status).toBe(
      200,
    );
    expected.push({
      ...modeChanged('hp2'),
      old: 'manual',
      new: 'manual',
      reason: 'still',
      result: 'ok (unchanged)',
    });
    const noDevice = await call('operator', 'PUT', '/api/modes/hp9', mode('manual', 'service'));
    expect(noDevice.status).toBe(404);
    expected.push({ ...modeChanged('hp9'), reason: 'service', result: rejected(noDevice) });
    expect((await call('operator', 'PUT', '/api/modes/hp2', mode('auto', 'done'))).status).toBe(
      200,
    );
    expected.push({
      ...modeChanged('hp2'),
      old: 'manual',
      new: 'auto',
      reason: 'done',
      result: 'ok',
    });

    const key = 'audit-golden';
    stack.app.alarms.apply({
      key,
      active: true,
      priority: 'low',
      message: 'raised by the test',
      at: Date.now(),
      source: 'system',
    });
    const alarm = (action: string) => olli({ action, target: key });
    expect(
      (await call('operator', 'POST', `/api/alarms/${key}/ack`, { reason: 'seen' })).status,
    ).toBe(200);
    expected.push({
      ...alarm('alarm-acknowledged'),
      old: 'active-unacked',
      new: 'active-acked',
      reason: 'seen',
      result: 'ok',
    });
    const twice = await call('operator', 'POST', `/api/alarms/${key}/ack`, { reason: 'again' });
    expect(twice.status).toBe(409);
    expected.push({ ...alarm('alarm-acknowledged'), reason: 'again', result: rejected(twice) });
    const noAlarm = await call('operator', 'POST', '/api/alarms/nope/ack', {});
    expect(noAlarm.status).toBe(404);
    expected.push(
      olli({ action: 'alarm-acknowledged', target: 'nope', reason: '', result: rejected(noAlarm) }),
    );
    // A key with a bidirectional control: refused by the schema, recorded as visible text.
    const bidi = await call(
      'operator',
      'POST',
      `/api/alarms/a${encodeURIComponent('\u202E')}b/ack`,
      {},
    );
    expect(bidi.status).toBe(400);
    expected.push(
      olli({
        action: 'alarm-acknowledged',
        target: 'a<U+202E>b',
        reason: '',
        result: rejected(bidi),
      }),
    );

    const shelfEnd = ahead(30);
    const shelf = { until: shelfEnd, reason: 'crew on it' };
    expect((await call('operator', 'POST', `/api/alarms/${key}/shelve`, shelf)).status).toBe(200);
    expected.push({
      ...alarm('alarm-shelved'),
      old: 'active-acked',
      new: `shelved until ${siteTimeText(Date.parse(shelfEnd), stack.site.site.timezone)}`,
      reason: 'crew on it',
      result: 'ok',
    });
    const tooLong = await call('operator', 'POST', `/api/alarms/${key}/shelve`, {
      durationMin: 100_000,
      reason: 'long',
    });
    expect(tooLong.status).toBe(400);
    expected.push({ ...alarm('alarm-shelved'), reason: 'long', result: rejected(tooLong) });
    expect((await call('operator', 'POST', `/api/alarms/${key}/unshelve`, {})).status).toBe(200);
    expected.push({
      ...alarm('alarm-unshelved'),
      old: 'shelved',
      // Put back on the list unacknowledged, to be seen again.
      new: 'active-unacked',
      reason: '',
      result: 'ok',
    });
    const notShelved = await call('operator', 'POST', `/api/alarms/${key}/unshelve`, {
      reason: 'again',
    });
    expect(notShelved.status).toBe(404);
    expected.push({ ...alarm('alarm-unshelved'), reason: 'again', result: rejected(notShelved) });

    const records = apiRecords();
    // The value before the override is whatever the plant had: a number, named as such here.
    const set = records.find((r) => r.action === 'override-set' && r.result === 'ok');
    expect(typeof set?.old).toBe('number');
    if (set) set.old = 'a number';
    // Key order is part of the file: compare the lines as written.
    expect(records.map((r) => JSON.stringify(r))).toEqual(expected.map((e) => JSON.stringify(e)));
  }, 60_000);
});
