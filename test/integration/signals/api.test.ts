import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Ajv2020 from 'ajv/dist/2020';
import { HEAT_SIGNAL_METRICS } from '../../../src/api/heat-signal-metrics';
import { offsetMinutes } from '../../../src/util/site-time';
import {
  HOUR_MS,
  HeatSignalStandIn,
  READER_TOKEN,
  neutral,
  okSignal,
  startSignalApi,
  type SignalApi,
} from '../../helpers/heat-signal-stand-in';
import { parseExposition } from '../../helpers/prometheus';

/**
 * GET /api/signals/heat and the heat gauges on /metrics, on HeatBridge's real API app over
 * loopback, with a stand-in for the live service serving signals the real model computed. The
 * clock is fixed: a winter morning in Helsinki (the demo site's zone, +02:00), 05:20.
 */
const NOW = Date.parse('2026-01-15T05:20:00+02:00');
const TZ = 'Europe/Helsinki';

let withSignal: SignalApi;
let without: SignalApi;
const standIn = new HeatSignalStandIn(okSignal(NOW));

beforeAll(async () => {
  withSignal = await startSignalApi({ heatSignal: standIn, now: () => NOW });
  without = await startSignalApi({ now: () => NOW });
});

afterAll(async () => {
  await withSignal?.stop();
  await without?.stop();
});

async function get(
  api: SignalApi,
  path: string,
  /** '' for none. */
  token = READER_TOKEN,
): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const res = await fetch(`${api.base}${path}`, {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return {
    status: res.status,
    body: type.includes('json') ? (JSON.parse(text) as Record<string, unknown>) : {},
    text,
  };
}

interface HourBody {
  start: string;
  signal: number;
  recommendedFlexKw: number;
  headroomItKw: number;
  [k: string]: unknown;
}
interface SignalBody {
  generatedAt: string;
  status: string;
  reason?: string;
  current: Record<string, unknown> & { start: string; headroomItKw: number | null };
  hours: HourBody[];
  windows: { from: string; to: string }[];
}

/** How far a rounded figure is from the model's, to 1e-9 (0.0875 may be stored a hair below). */
const offBy = (given: number, model: number): number =>
  Math.round(Math.abs(given - model) * 1e9) / 1e9;

/** Every number in a JSON value with more decimals than `max` (a float sum left unrounded). */
function unrounded(value: unknown, where: string, max = 3): string[] {
  if (typeof value === 'number')
    return Number(value.toFixed(max)) === value ? [] : [`${where}: ${value}`];
  if (Array.isArray(value)) return value.flatMap((v, i) => unrounded(v, `${where}[${i}]`, max));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => unrounded(v, `${where}.${k}`, max));
  return [];
}

describe('GET /api/signals/heat', () => {
  it('gives the signal the service holds, hour by hour from the current hour, times in the site zone', async () => {
    const r = await get(withSignal, '/api/signals/heat');
    expect(r.status).toBe(200);
    const body = r.body as unknown as SignalBody;
    const s = standIn.signal;
    expect(body.status).toBe('ok');
    expect(body.generatedAt).toBe('2026-01-15T05:20:00+02:00');
    expect(body.hours).toHaveLength(s.hours.length);
    expect(body.hours.length).toBeGreaterThanOrEqual(24);
    expect(body.current.start).toBe('2026-01-15T05:00:00+02:00');
    expect(body.hours[0]!.start).toBe(body.current.start);
    expect(body.hours[1]!.start).toBe('2026-01-15T06:00:00+02:00');
    // Every hour's start is the instant the model computed, in the site's offset.
    body.hours.forEach((h, i) => {
      expect(Date.parse(h.start)).toBe(s.hours[i]!.start);
      const off = offsetMinutes(s.hours[i]!.start, TZ);
      expect(h.start.endsWith(off === 120 ? '+02:00' : '+03:00')).toBe(true);
    });
    // The figures are the model's, at their resolution (kW to 0.1, the signal to 0.001).
    expect(
      offBy(body.current.recommendedFlexKw as number, s.current.recommendedFlexKw),
    ).toBeLessThanOrEqual(0.05);
    body.hours.forEach((h, i) => {
      expect(offBy(h.signal, s.hours[i]!.signal)).toBeLessThanOrEqual(0.0005);
      expect(offBy(h.recommendedFlexKw, s.hours[i]!.recommendedFlexKw)).toBeLessThanOrEqual(0.05);
      expect(offBy(h.headroomItKw, s.hours[i]!.headroomItKw)).toBeLessThanOrEqual(0.05);
    });
    expect(unrounded(body, 'body')).toEqual([]);
    // The signal moves over the day (a flat one would prove nothing above).
    expect(new Set(body.hours.map((h) => Math.sign(h.signal)))).toEqual(new Set([-1, 0, 1]));
  });

  it('asks the service on every request, so the answer is never older than its signal', async () => {
    const before = standIn.calls;
    await get(withSignal, '/api/signals/heat');
    await get(withSignal, '/api/signals/heat');
    expect(standIn.calls - before).toBe(2);
  });

  it('?hours=N gives the first N hours; the windows and totals stay those of the whole horizon', async () => {
    const all = (await get(withSignal, '/api/signals/heat')).body as unknown as SignalBody;
    const r = await get(withSignal, '/api/signals/heat?hours=6');
    expect(r.status).toBe(200);
    const six = r.body as unknown as SignalBody;
    expect(six.hours.map((h) => h.start)).toEqual(all.hours.slice(0, 6).map((h) => h.start));
    expect(six.windows).toEqual(all.windows);
    expect(six.current).toEqual(all.current);
    expect(
      ((await get(withSignal, '/api/signals/heat?hours=48')).body as unknown as SignalBody).hours,
    ).toHaveLength(all.hours.length);
  });

  it.each([
    ['hours=0', 'query.hours', /1 to 48/],
    ['hours=49', 'query.hours', /1 to 48/],
    ['hours=six', 'query.hours', /whole number/],
    ['hours=2.5', 'query.hours', /whole number/],
    ['hour=6', 'query', /unknown field\(s\): hour/],
  ])('refuses ?%s with 400 naming the problem', async (query, path, message) => {
    const r = await get(withSignal, `/api/signals/heat?${query}`);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_request');
    const issues = r.body.issues as { path: string; message: string }[];
    expect(issues).toEqual([expect.objectContaining({ path })]);
    expect(issues[0]!.message).toMatch(message);
  });

  it('serves a neutral signal as neutral, with its reason, the baseline and no hours', async () => {
    const neutralStandIn = new HeatSignalStandIn(
      neutral(NOW, 'the outdoor forecast is 14 h old (at most 12 h)'),
    );
    const api = await startSignalApi({ heatSignal: neutralStandIn, now: () => NOW });
    try {
      const r = await get(api, '/api/signals/heat');
      expect(r.status).toBe(200);
      const body = r.body as unknown as SignalBody;
      expect(body).toMatchObject({
        status: 'neutral',
        reason: 'the outdoor forecast is 14 h old (at most 12 h)',
        hours: [],
        current: {
          start: '2026-01-15T05:00:00+02:00',
          signal: 0,
          signalKw: 0,
          headroomItKw: null,
          recommendedFlexKw: 400,
          baselineFlexKw: 400,
        },
      });
    } finally {
      await api.stop();
    }
  });

  it('answers 404 with a clear error on a site without a heatSignal section', async () => {
    const r = await get(without, '/api/signals/heat');
    expect(r.status).toBe(404);
    expect(r.body.error).toBe('not_found');
    expect(r.body.message).toMatch(/no heatSignal section/);
  });

  it('needs a reader’s token like the other reads', async () => {
    expect((await get(withSignal, '/api/signals/heat', '')).status).toBe(401);
    expect((await get(withSignal, '/api/signals/heat', 'not-a-token-0123456789')).status).toBe(401);
  });
});

describe('the OpenAPI document', () => {
  interface Doc {
    paths: Record<string, { get?: Record<string, unknown> }>;
    components: { schemas: Record<string, unknown> };
    tags: { name: string }[];
  }

  it('documents the route: its query, its answer’s schema, its 404 — and the answers match it', async () => {
    const doc = (await get(withSignal, '/api/openapi.json')).body as unknown as Doc;
    const op = doc.paths['/api/signals/heat']!.get as {
      tags: string[];
      parameters: { name: string; in: string; required: boolean }[];
      responses: Record<
        string,
        { description: string; content: { 'application/json': { schema: unknown } } }
      >;
    };
    expect(op.tags).toEqual(['signals']);
    expect(doc.tags.map((t) => t.name)).toContain('signals');
    expect(op.parameters).toEqual([
      expect.objectContaining({ name: 'hours', in: 'query', required: false }),
    ]);
    expect(Object.keys(op.responses)).toEqual(['200', '400', '401', '404', '429']);
    expect(op.responses['404']!.description).toMatch(/heatSignal section/);
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const validate = ajv.compile({
      ...(op.responses['200']!.content['application/json'].schema as object),
      components: doc.components,
    });
    const answers = [
      (await get(withSignal, '/api/signals/heat')).body,
      (await get(withSignal, '/api/signals/heat?hours=3')).body,
    ];
    for (const a of answers) {
      validate(a);
      expect(validate.errors ?? []).toEqual([]);
    }
    // The schema is not empty: an answer without its hours is refused.
    expect(validate({ ...answers[0], hours: undefined })).toBe(false);
  });
});

describe('/metrics', () => {
  it('exports the current signal, and the next six hours', async () => {
    const r = await get(withSignal, '/metrics');
    expect(r.status).toBe(200);
    const e = parseExposition(r.text);
    const s = standIn.signal;
    const value = (name: string, labels: Record<string, string> = {}): number | undefined =>
      e.samples.find((x) => x.name === name && JSON.stringify(x.labels) === JSON.stringify(labels))
        ?.value;
    expect(value(HEAT_SIGNAL_METRICS.signal)).toBe(s.current.signal);
    expect(value(HEAT_SIGNAL_METRICS.recommendedFlexKw)).toBe(s.current.recommendedFlexKw);
    expect(value(HEAT_SIGNAL_METRICS.neutral)).toBe(0);
    for (let k = 1; k <= 6; k++)
      expect(value(HEAT_SIGNAL_METRICS.nextHours, { hours_ahead: String(k) })).toBe(
        s.hours.find((h) => h.start === s.current.start + k * HOUR_MS)!.signal,
      );
  });

  it('has no heat gauge on a site without a heat signal', async () => {
    const r = await get(without, '/metrics');
    expect(r.status).toBe(200);
    expect(r.text).toContain('heatbridge_sse_clients');
    expect(r.text).not.toContain('heatbridge_heat_');
  });
});
