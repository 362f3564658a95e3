import { describe, expect, it } from '@jest/globals';
import { stopAfterEach } from '../../helpers/cleanup';
import { eventuallyAsync } from '../../helpers/components';
import { startDemoStack, type DemoStack } from '../../helpers/stack';
import { authorization, USERS, type Who } from '../../helpers/api-users';

/**
 * Text people type into the API (override and mode reasons, alarm acknowledgement and shelve
 * comments, the reason of a cancellation) over real HTTP on the demo stack: control characters
 * and bidirectional controls are refused with a 400 that names the field, the character and its
 * position, and nothing is stored (issue 18.4).
 */
const stopLater = stopAfterEach();

async function start(): Promise<DemoStack> {
  const stack = await startDemoStack({
    openReads: false,
    users: USERS,
  });
  stopLater(stack);
  return stack;
}

interface Answer {
  status: number;
  body: {
    error?: string;
    message?: string;
    issues?: { path: string; message: string }[];
    [k: string]: unknown;
  };
}

function client(base: string) {
  return async (
    who: Exclude<Who, 'none'>,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Answer> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...authorization(who),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  };
}

type AuditJson = { action: string; reason: string; target: string; result: string };

/** A reason, as JSON would carry it, with one refused character, and where it is (1-based). */
const BAD: [name: string, text: string, shown: RegExp][] = [
  ['NUL', 'sensor\u0000 swap', /^U\+0000 \(NUL, a control character\) at character 7 /],
  [
    'right-to-left override',
    'maintenance \u202Eenod',
    /^U\+202E \(right-to-left override, a bidirectional control\) at character 13 /,
  ],
  [
    'escape sequence',
    'ok \u001b[2J',
    /^U\+001B \(ESC, escape, a control character\) at character 4 /,
  ],
  ['line feed', 'two\nlines', /^U\+000A \(LF, line feed, a control character\) at character 4 /],
  [
    'isolate',
    '\u2066trial',
    /^U\+2066 \(left-to-right isolate, a bidirectional control\) at character 1 /,
  ],
];
const hasRefusedChar = (s: string): boolean =>
  [...s].some((ch) => {
    const cp = ch.codePointAt(0)!;
    return (
      cp < 0x20 ||
      (cp >= 0x7f && cp <= 0x9f) ||
      (cp >= 0x202a && cp <= 0x202e) ||
      (cp >= 0x2066 && cp <= 0x2069)
    );
  });

describe('API: text typed by people', () => {
  it('refuses control and bidirectional characters with a 400 naming field, character and position; nothing is stored', async () => {
    const { base, host } = await start();
    const call = client(base);
    // An alarm to acknowledge and shelve, an override to cancel: each would succeed with a clean reason.
    host.sim.addFault({ kind: 'bad', point: 'hall1/cdu_supply_temp' });
    // Both alarms the bad sensor raises, so the list is steady between the two snapshots below:
    // cooling safety acts within a cycle, the sensor's quality alarm after its 5-s delay.
    await eventuallyAsync(
      async () => {
        const keys = (
          (await call('viewer', 'GET', '/api/alarms')).body as unknown as { key: string }[]
        ).map((a) => a.key);
        return keys.includes('cooling-safety') && keys.includes('cdu_supply_sensor');
      },
      20_000,
      'the cooling-safety and cdu_supply_sensor alarms',
    );
    const override = { point: 'dh/offered_heat', value: 321, durationMin: 10 };
    expect(
      (await call('operator', 'POST', '/api/overrides', { ...override, reason: 'trial' })).status,
    ).toBe(201);

    // What people stored, without the plant's live side of an override: what the write guard last
    // wrote and when the value is reached change as control runs (cooling safety holds the point).
    const stored = ({ written: _w, reachesAt: _r, limitedBy: _l, ...o }: Record<string, unknown>) =>
      o;
    const snapshot = async () => ({
      overrides: (
        (await call('viewer', 'GET', '/api/overrides')).body as unknown as Record<string, unknown>[]
      ).map(stored),
      modes: (await call('viewer', 'GET', '/api/modes')).body,
      alarms: (await call('viewer', 'GET', '/api/alarms')).body,
      shelved: (await call('viewer', 'GET', '/api/alarms?shelved=true')).body,
      done: ((await call('viewer', 'GET', '/api/audit?limit=1000')).body as unknown as AuditJson[])
        .filter((e) => e.result.startsWith('ok'))
        .map((e) => `${e.action} ${e.target}`),
    });
    const before = await snapshot();
    expect(before.overrides).toEqual([
      expect.objectContaining({ point: override.point, value: 321 }),
    ]);

    const requests = (reason: string): [string, string, unknown, string][] => [
      ['POST', '/api/overrides', { ...override, value: 300, reason }, 'body.reason'],
      ['PUT', '/api/modes/hp2', { mode: 'manual', reason }, 'body.reason'],
      ['POST', '/api/alarms/cooling-safety/ack', { reason }, 'body.reason'],
      ['POST', '/api/alarms/cooling-safety/shelve', { durationMin: 30, reason }, 'body.reason'],
      ['POST', '/api/alarms/cooling-safety/unshelve', { reason }, 'body.reason'],
      [
        'DELETE',
        `/api/overrides/dh/offered_heat?reason=${encodeURIComponent(reason)}`,
        undefined,
        'query.reason',
      ],
    ];
    const answers = [];
    for (const [name, text, shown] of BAD) {
      for (const [method, path, body, field] of requests(text)) {
        const a = await call('operator', method, path, body);
        answers.push({
          name,
          method,
          path: path.split('?')[0],
          status: a.status,
          error: a.body.error,
          issue: a.body.issues?.find((i) => i.path === field),
          message: a.body.message,
          expected: shown,
          field,
        });
      }
    }
    expect(answers).toEqual(
      answers.map((a) => ({
        ...a,
        status: 400,
        error: 'invalid_request',
        issue: { path: a.field, message: expect.stringMatching(a.expected) },
        message: expect.stringContaining(`${a.field}: U+`),
      })),
    );
    expect(answers).toHaveLength(BAD.length * 6);

    // Nothing changed, and the audited refusals show what was sent without storing it as given.
    expect(await snapshot()).toEqual(before);
    const audit = (await call('viewer', 'GET', '/api/audit?limit=1000'))
      .body as unknown as AuditJson[];
    const rejected = audit.filter((e) => e.result.startsWith('rejected: 400'));
    expect(rejected).toHaveLength(BAD.length * 6);
    expect(audit.filter((e) => hasRefusedChar(e.reason + e.target))).toEqual([]);
    expect(rejected.map((e) => e.reason)).toContain('maintenance <U+202E>enod');
  }, 60_000);

  it('limits every text field to 500 characters; right-to-left text with its marks is kept as given', async () => {
    const { base } = await start();
    const call = client(base);
    const long = 'x'.repeat(501);
    for (const [method, path, body] of [
      ['PUT', '/api/modes/hp2', { mode: 'manual', reason: long }],
      ['POST', '/api/alarms/nope/ack', { reason: long }],
      ['POST', '/api/alarms/nope/shelve', { durationMin: 5, reason: long }],
      ['POST', '/api/alarms/nope/unshelve', { reason: long }],
      [
        'POST',
        '/api/overrides',
        { point: 'dh/offered_heat', value: 1, durationMin: 5, reason: long },
      ],
    ] as const) {
      expect(await call('operator', method, path, body)).toMatchObject({
        status: 400,
        body: {
          error: 'invalid_request',
          issues: [{ path: 'body.reason', message: 'expected at most 500 characters' }],
        },
      });
    }
    // A missing reason says so (found by the fuzz suite: it was zod's "Invalid input: expected
    // string, received undefined").
    expect(await call('operator', 'PUT', '/api/modes/hp2', { mode: 'manual' })).toMatchObject({
      status: 400,
      body: { issues: [{ path: 'body.reason', message: 'required: expected string' }] },
    });
    // 500 is allowed, and so is Hebrew with a right-to-left mark (U+200F): stored as given.
    const hebrew = `תחזוקה \u200F${'y'.repeat(492)}`;
    expect(hebrew).toHaveLength(500);
    const set = await call('operator', 'PUT', '/api/modes/hp2', { mode: 'manual', reason: hebrew });
    expect(set).toMatchObject({ status: 200, body: { device: 'hp2', mode: 'manual' } });
    const audit = (await call('viewer', 'GET', '/api/audit?action=mode-changed'))
      .body as unknown as AuditJson[];
    expect(audit.filter((e) => e.result === 'ok').map((e) => e.reason)).toEqual([hebrew]);
  }, 60_000);
});
