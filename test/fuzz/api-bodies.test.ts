import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { stopAfterEach } from '../helpers/cleanup';
import { startDemoStack } from '../helpers/stack';
import {
  failOnUnhandledRejections,
  fuzzParamsScaled,
  fuzzTimeoutMs,
  heapProbe,
  numRuns,
} from './fuzz-config';

/**
 * API bodies, fuzzed over real HTTP on the demo stack with an operator's token: random JSON,
 * JSON shaped like the real bodies with wrong and extreme values, and bodies that are not JSON
 * under any content type, to every state-changing route. Never a 5xx; every 4xx is JSON with an
 * error code and a message; the server still answers /api/health afterwards.
 *
 * A request costs milliseconds, not microseconds: each property runs half of FUZZ_RUNS.
 */
failOnUnhandledRejections();
const stopLater = stopAfterEach();
const TOKEN = 'olli-token-0123456789';

interface Route {
  method: string;
  path: string;
}

/** Path parameters worth trying: real ones, and some that are not. */
const param = fc.oneof(
  fc.constantFrom('hp1', 'hp2', 'dh', 'cooling-safety', 'offered_heat', 'nope'),
  fc.string({ unit: 'binary', maxLength: 12 }).map(encodeURIComponent),
);

/** A value of any JSON type, with the extremes that break arithmetic and dates. */
const wild: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    0,
    -1,
    1e308,
    -1e308,
    5e-324,
    2 ** 53,
    8.64e15,
    1e21,
    '',
    ' ',
    'NaN',
    '9'.repeat(40),
  ),
  fc.double({ noNaN: true }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.string({ maxLength: 600 }),
);

/** Bodies shaped like the real ones (override, mode, ack, shelve), each key optional. */
const shaped = fc.record(
  {
    point: fc.oneof(
      fc.constantFrom('dh/offered_heat', 'hp1/load_setpoint', 'plant/heartbeat', 'hall1/cdu_flow'),
      wild,
    ),
    value: wild,
    durationMin: wild,
    until: wild,
    reason: wild,
    mode: fc.oneof(fc.constantFrom('auto', 'manual'), wild),
    extra: wild,
  },
  { requiredKeys: [] },
);

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/merge-patch+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
];

function expectClearAnswer(
  sent: unknown,
  answer: { status: number; type: string | null; text: string },
): void {
  let body: { error?: unknown; message?: unknown } | undefined;
  try {
    body = JSON.parse(answer.text) as typeof body;
  } catch {
    body = undefined;
  }
  const fine =
    answer.status < 500 &&
    (answer.status < 400 ||
      (answer.type?.startsWith('application/json') === true &&
        typeof body?.error === 'string' &&
        typeof body.message === 'string' &&
        body.message.length > 0 &&
        !/\bundefined\b|\[object \w+\]/.test(body.message)));
  if (!fine)
    throw new Error(
      `unclear answer ${answer.status} ${answer.type ?? ''}: ${answer.text.slice(0, 300)}\nto ${JSON.stringify(sent)?.slice(0, 500)}`,
    );
}

describe('fuzz: API bodies over HTTP', () => {
  it(
    'random and shaped JSON, and bodies that are not JSON, to every state-changing route: never a 5xx, every 4xx a JSON message',
    async () => {
      const stack = await startDemoStack({
        openReads: false,
        users: { olli: { role: 'operator', token: TOKEN } },
      });
      stopLater(stack);
      const send = async (
        route: Route,
        params: string[],
        body: string | Buffer | undefined,
        headers: Record<string, string>,
      ) => {
        let i = 0;
        const path = route.path.replace(/\{[^}]+\}/g, () => params[i++ % params.length]!);
        const res = await fetch(`${stack.base}${path}`, {
          method: route.method,
          headers: { Authorization: `Bearer ${TOKEN}`, ...headers },
          ...(body !== undefined ? { body: body as string } : {}),
        });
        return {
          status: res.status,
          type: res.headers.get('content-type'),
          text: await res.text(),
        };
      };

      // Every state-changing operation the OpenAPI document lists: a route added later is fuzzed too.
      const doc = (await (await fetch(`${stack.base}/api/openapi.json`)).json()) as {
        paths: Record<string, Record<string, unknown>>;
      };
      const routes: Route[] = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops)
          .filter((m) => ['post', 'put', 'patch', 'delete'].includes(m))
          .map((m) => ({ method: m.toUpperCase(), path })),
      );
      expect(routes.length).toBeGreaterThanOrEqual(6);
      const route = fc.constantFrom(...routes);
      const params = fc.array(param, { minLength: 1, maxLength: 2 });
      const query = fc.option(
        fc.oneof(
          wild.map((r) => `reason=${encodeURIComponent(String(r))}`),
          fc.string({ maxLength: 30 }),
        ),
        { nil: undefined },
      );

      const heap = heapProbe(Math.max(20, Math.round(numRuns * 0.5)));
      await fc.assert(
        fc.asyncProperty(
          route,
          params,
          fc.oneof(fc.anything({ maxDepth: 3 }), shaped),
          query,
          async (r, p, value, q) => {
            heap.tick();
            const text = JSON.stringify(value) as string | undefined;
            const answer = await send(
              { ...r, path: q === undefined ? r.path : `${r.path}?${q}` },
              p,
              text,
              text === undefined ? {} : { 'Content-Type': 'application/json' },
            );
            expectClearAnswer({ r, p, q, text }, answer);
          },
        ),
        fuzzParamsScaled(0.5),
      );
      heap.print('api: JSON bodies');

      await fc.assert(
        fc.asyncProperty(
          route,
          params,
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 200 }),
            fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
            fc.constantFrom('{', '{"reason":', '[]', 'null', '"x"', '{"a":1}{"b":2}', '\ufeff{}'),
          ),
          fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }),
          fc.option(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'bogus'), {
            nil: undefined,
          }),
          async (r, p, body, type, encoding) => {
            const headers: Record<string, string> = {};
            if (type) headers['Content-Type'] = type;
            if (encoding) headers['Content-Encoding'] = encoding;
            const answer = await send(r, p, body, headers);
            expectClearAnswer({ r, p, body: String(body).slice(0, 100), type, encoding }, answer);
          },
        ),
        fuzzParamsScaled(0.5),
      );

      // Still serving.
      const health = await fetch(`${stack.base}/api/health`);
      expect([200, 503]).toContain(health.status);
      expect(await health.json()).toMatchObject({ status: expect.any(String) });
    },
    fuzzTimeoutMs(numRuns, 60),
  );
});
