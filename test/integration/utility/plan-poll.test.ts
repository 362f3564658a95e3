import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { Secret } from '../../../src/config/secret';
import type { ComponentContext } from '../../../src/runtime/component';
import { VirtualClock } from '../../../src/simulation/virtual-clock';
import { PollSource, type PollSourceOptions } from '../../../src/utility/plan-sources';
import { PlanStore } from '../../../src/utility/plan-store';
import { planIntakeOf } from '../../../src/utility/utility-wiring';
import { memoryLogger } from '../../helpers/logger';
import { selfSignedCertificate } from '../../helpers/tls';

/**
 * The polled plan source against a real HTTPS server on loopback, with a certificate made here
 * by openssl: verification, the bearer token, a bad body, recovery.
 */

const H = 3_600_000;
const NOW = Date.parse('2031-11-05T16:05:00Z');
const HOUR = Math.floor(NOW / H) * H;
const TOKEN = 'utility-token-0123456789';
const iso = (t: number): string => new Date(t).toISOString();

let dir: string;
let server: Server;
let url: string;
/** What the server answers next. */
const answer = {
  status: 200,
  type: 'application/json',
  body: '',
  etag: undefined as string | undefined,
};
const requests: { auth?: string; ifNoneMatch?: string }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hb-plan-poll-'));
  const { cert, key } = selfSignedCertificate(dir);
  server = createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => {
    requests.push({
      ...(req.headers.authorization ? { auth: req.headers.authorization } : {}),
      ...(typeof req.headers['if-none-match'] === 'string'
        ? { ifNoneMatch: req.headers['if-none-match'] }
        : {}),
    });
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('unauthorized');
      return;
    }
    if (answer.etag && req.headers['if-none-match'] === answer.etag) {
      res.writeHead(304).end();
      return;
    }
    res
      .writeHead(answer.status, {
        'content-type': answer.type,
        ...(answer.etag ? { etag: answer.etag } : {}),
      })
      .end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/plans/site-42.json?key=hidden`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  requests.length = 0;
  Object.assign(answer, {
    status: 200,
    type: 'application/json',
    body: planJson(95),
    etag: undefined,
  });
});

function planJson(temp: number): string {
  return JSON.stringify({
    issued: iso(NOW - H),
    hours: [0, 1, 2].map((i) => ({
      start: iso(HOUR + i * H),
      supplyTempC: temp,
      capacityKw: 1500,
      mode: 'on-demand',
    })),
  });
}

function setup(opts: Partial<PollSourceOptions> = {}) {
  const clock = new VirtualClock(NOW);
  const { log, lines } = memoryLogger('debug');
  const plans = new PlanStore({ log, now: () => clock.now() });
  const reports: string[] = [];
  const ctx: ComponentContext = { log, report: (s, m) => reports.push(`${s}${m ? `: ${m}` : ''}`) };
  const source = new PollSource({
    name: 'utility plan poll',
    what: 'day-ahead plan',
    intake: planIntakeOf(plans, () => clock.now(), 'UTC'),
    log,
    scheduler: clock,
    url,
    everyMs: 900_000,
    token: new Secret(TOKEN, 'env UTILITY_TOKEN'),
    caFile: join(dir, 'cert.pem'),
    random: () => 0.5,
    ...opts,
  });
  return { clock, plans, source, ctx, reports, lines };
}

const logText = (lines: () => Record<string, unknown>[]): string =>
  lines()
    .map((l) => JSON.stringify(l))
    .join('\n');

describe('a polled HTTPS plan source', () => {
  it('fetches with the bearer token, verifies the certificate against caFile, takes the plan, then asks with If-None-Match', async () => {
    const { plans, source, ctx, lines } = setup();
    answer.etag = '"v1"';
    await source.start(ctx);
    await source.stop(); // the scheduled polls are driven by hand below
    expect(await source.poll()).toBe('accepted');
    expect(requests.at(-1)).toEqual({ auth: `Bearer ${TOKEN}` });
    expect(plans.hourAt(NOW)).toMatchObject({
      supplyTempC: 95,
      mode: 'on-demand',
      issuedAt: NOW - H,
      source: expect.stringMatching(/^poll:https:\/\/127\.0\.0\.1:\d+\/plans\/site-42\.json$/),
    });
    expect(await source.poll()).toBe('unchanged');
    expect(requests.at(-1)).toEqual({ auth: `Bearer ${TOKEN}`, ifNoneMatch: '"v1"' });
    const text = logText(lines);
    expect(text).toMatch(
      /day-ahead plan from poll:https:\/\/127\.0\.0\.1:\d+\/plans\/site-42\.json: 3 of 3 hours taken/,
    );
    // Neither the token nor the URL's query reach the log.
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('hidden');
  });

  it('polls at once at start, on its scheduler', async () => {
    const { clock, plans, source, ctx } = setup();
    const changed = firstValueFrom(plans.changes$);
    await source.start(ctx);
    clock.runUntil(NOW);
    await changed;
    expect(plans.hourAt(NOW)?.supplyTempC).toBe(95);
    await source.stop();
  });

  it('refuses a certificate it cannot verify, with a clear error, and takes nothing', async () => {
    const { plans, source, ctx, reports, lines } = setup({ caFile: undefined });
    await source.start(ctx);
    await source.stop();
    expect(await source.poll()).toBe('failed');
    expect(requests).toHaveLength(0);
    expect(plans.status(NOW).state).toBe('missing');
    const warn = lines().find((l) => l.level === 'warn');
    expect(warn?.msg).toMatch(
      /^day-ahead plan from poll:https:\/\/127\.0\.0\.1:\d+\/plans\/site-42\.json: the server's certificate is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\); give the utility's CA as caFile; keeping the last good one$/,
    );
    expect(reports.at(-1)).toMatch(/^degraded: poll:.*certificate is not trusted/);
  });

  it('a refused token (401) is logged without the token', async () => {
    const wrong = 'wrong-token-abcdef';
    const { plans, source, ctx, lines } = setup({ token: new Secret(wrong, 'env UTILITY_TOKEN') });
    await source.start(ctx);
    await source.stop();
    expect(await source.poll()).toBe('failed');
    expect(requests.at(-1)?.auth).toBe(`Bearer ${wrong}`);
    expect(plans.status(NOW).state).toBe('missing');
    const text = logText(lines);
    expect(text).toContain(
      'the server refused the token (HTTP 401); check utility token (env UTILITY_TOKEN)',
    );
    expect(text).not.toContain(wrong);
    expect(text).not.toContain(TOKEN);
  });

  it('without a token configured, says the server asks for one', async () => {
    const { source, ctx, lines } = setup({ token: undefined });
    await source.start(ctx);
    await source.stop();
    expect(await source.poll()).toBe('failed');
    expect(logText(lines)).toContain('the server asks for a token (HTTP 401); none is configured');
  });

  it('a malformed body keeps the last good plan; a good one recovers', async () => {
    const { plans, source, ctx, reports, lines } = setup();
    await source.start(ctx);
    await source.stop();
    expect(await source.poll()).toBe('accepted');
    answer.body = '{"hours": [{"start": "tomorrow", "mode": "spot"}]}';
    expect(await source.poll()).toBe('rejected');
    expect(plans.hourAt(NOW)?.supplyTempC).toBe(95);
    expect(reports.at(-1)).toMatch(
      /^degraded: poll:.*rejected: hours\[0\], start: expected an ISO 8601 time/,
    );
    answer.body = '<html>502 Bad Gateway</html>';
    answer.type = 'text/html';
    expect(await source.poll()).toBe('rejected');
    expect(plans.hourAt(NOW)?.supplyTempC).toBe(95);
    answer.status = 503;
    expect(await source.poll()).toBe('failed');
    expect(logText(lines)).toContain('HTTP 503; keeping the last good one');
    Object.assign(answer, {
      status: 200,
      type: 'text/csv; charset=utf-8',
      body: `start,supply_temp_c,mode\r\n${iso(HOUR)},104,spot\r\n`,
    });
    expect(await source.poll()).toBe('accepted');
    expect(plans.hourAt(NOW)?.supplyTempC).toBe(104);
    expect(reports.at(-1)).toBe('running');
    expect(logText(lines)).toMatch(/day-ahead plan from poll:\S+: good again/);
    expect(source.details()).toMatchObject({ failedPolls: 0, everyMs: 900_000 });
  });

  it('backs off after failures, from a tenth of the period up to it; a rejected body waits a period', () => {
    const { source } = setup();
    // Equal jitter with random 0.5: three quarters of the capped delay.
    const delays = [1, 2, 3, 4, 5].map(() => source.nextDelayMs('failed'));
    expect(delays).toEqual([67_500, 135_000, 270_000, 540_000, 675_000]);
    expect(source.nextDelayMs('rejected')).toBe(900_000);
    expect(source.nextDelayMs('accepted')).toBe(900_000);
  });

  it('an unreachable server is a failure said in words', async () => {
    const { source, ctx, lines } = setup({ url: 'https://127.0.0.1:1/plan.json' });
    await source.start(ctx);
    await source.stop();
    expect(await source.poll()).toBe('failed');
    expect(logText(lines)).toContain('the connection was refused (ECONNREFUSED)');
  });
});
