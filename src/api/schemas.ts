import { z } from 'zod';
import { ROLES } from '../config/api';
import { NAME_PATTERN } from '../domain/point-id';
import { POINT_KINDS } from '../domain/point';
import { QUALITIES } from '../domain/quality';
import { UNITS } from '../domain/units';
import { describeCodePoint, findUnsafeChars } from '../util/unsafe-text';
import { AUDIT_ACTIONS } from './audit-log';

/**
 * The API's request and response shapes. The routes validate with them and the OpenAPI document
 * is generated from them: one definition, no hand-written duplicate.
 */

const name = z
  .string()
  .regex(NAME_PATTERN, { error: 'expected a name: lower case, digits, _ or -' });
export const sampleValueSchema = z.union([z.number(), z.boolean(), z.string(), z.null()]);

/** The latest time a JavaScript Date holds (year 275760); beyond it nothing can be formatted. */
const MAX_TIME_MS = 8.64e15;

/** A time: ISO 8601, or milliseconds since the Unix epoch. */
const time = z
  .string()
  .max(40)
  .refine((s) => Number.isFinite(parseTime(s)) && Math.abs(parseTime(s)) <= MAX_TIME_MS, {
    error: 'expected an ISO 8601 time or milliseconds since the Unix epoch',
  })
  .meta({ example: '2026-01-15T06:00:00Z' });

export function parseTime(s: string): number {
  return /^\d+$/.test(s) ? Number(s) : Date.parse(s);
}

/** A duration: `500ms`, `30s`, `5m`, `1h`, `1d`, or plain milliseconds. */
const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)?$/, { error: 'expected a duration such as 30s, 5m, 1h or milliseconds' })
  .meta({ example: '5m' });

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
export function parseDuration(s: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(s)!;
  return Number(m[1]) * UNIT_MS[m[2] ?? 'ms']!;
}

export const errorSchema = z
  .object({
    error: z.enum([
      'invalid_request',
      'unauthorized',
      'forbidden',
      'not_found',
      'conflict',
      'payload_too_large',
      'unsupported_media_type',
      'too_many_requests',
      'unavailable',
      'internal',
    ]),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Error' });

export const pointValueSchema = z
  .object({
    id: z.string(),
    value: sampleValueSchema,
    unit: z.string(),
    quality: z.enum(QUALITIES),
    ts: z.string().nullable().meta({
      description: 'Source time, ISO 8601 with the site’s offset; null when never received',
    }),
  })
  .meta({ id: 'PointValue' });

export const pointSummarySchema = pointValueSchema
  .extend({
    device: z.string(),
    name: z.string(),
    kind: z.enum(POINT_KINDS),
    access: z.enum(['r', 'w', 'rw']),
    description: z.string().meta({ description: 'What the point is; empty when not configured' }),
    bounds: z
      .object({ min: z.number(), max: z.number(), maxRatePerMin: z.number().optional() })
      .optional(),
    resolution: z
      .number()
      .meta({ description: 'The step values are shown at (configured, else the unit default)' }),
    overridable: z
      .boolean()
      .meta({ description: 'Whether an operator may override it (POST /api/overrides)' }),
    overrideRefusal: z
      .string()
      .optional()
      .meta({ description: 'Why an operator may not override it, when not overridable' }),
  })
  .meta({ id: 'Point' });

export const pointParams = z.object({ device: name, point: name });

export const pointsQuery = z.strictObject({
  device: name.optional(),
  kind: z.enum(POINT_KINDS).optional(),
  quality: z.enum(QUALITIES).optional(),
  unit: z.enum(UNITS).optional(),
  /** Substring of the id or description. */
  q: z.string().max(100).optional(),
  overridable: z
    .enum(['true', 'false'], { error: 'expected true or false' })
    .optional()
    .meta({ description: 'true: only the points an operator may override' }),
});

export const historyQuery = z.strictObject({
  from: time.optional().meta({ description: 'Start (inclusive); default: an hour before `to`' }),
  to: time.optional().meta({ description: 'End (exclusive); default: now' }),
  every: duration
    .optional()
    .meta({ description: 'Average over windows of this length; raw values when absent' }),
});

export const historySchema = z
  .object({
    id: z.string(),
    unit: z.string(),
    from: z.string(),
    to: z.string(),
    everyMs: z.number().nullable(),
    truncated: z.boolean(),
    points: z.array(
      z.object({
        t: z.string(),
        value: z.number().nullable(),
        state: z.string().optional(),
        quality: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'History' });

/**
 * A figure derived from points — a key figure of /api/kpi, a heat flow of /api/plant — judged
 * once (src/api/kpi.ts) with its quality and age, so a page draws an old figure as old (issue 21).
 */
export const figureSchema = z
  .object({
    value: z
      .number()
      .nullable()
      .meta({ description: 'At the point’s resolution; null when never known' }),
    unit: z.string(),
    quality: z.enum(QUALITIES).meta({
      description:
        'Judged at request time: stale when not refreshed within its stale window, bad when its inputs are bad or unknown, uncertain for a counter that could not count an input',
    }),
    at: z.string().nullable().meta({
      description:
        'Source time of the newest input it was computed from (ISO 8601 with the site’s offset)',
    }),
    note: z.string().optional().meta({
      description:
        'Why, when a person would ask: the input that is bad, or why no heat is delivered',
    }),
  })
  .meta({ id: 'Figure' });

const pv = pointValueSchema;
const fig = figureSchema;
export const plantSchema = z
  .object({
    site: z.object({
      id: z.string(),
      name: z.string(),
      timezone: z.string().meta({ description: 'IANA zone the site’s times are shown in' }),
    }),
    at: z.string(),
    hall: z.object({
      itPower: pv.nullable(),
      facilityPower: pv.nullable(),
      supplyTemps: z.array(z.object({ value: pv, limit: z.number(), margin: z.number() })),
    }),
    coolant: z.array(z.object({ flow: pv, supplyTemp: pv, returnTemp: pv })),
    heatPumps: z.array(
      z.object({
        name: z.string(),
        device: z.string(),
        mode: z.enum(['auto', 'manual']),
        enable: pv,
        loadSetpoint: pv,
        running: pv,
        tripped: pv,
        heatOutput: pv,
        electricPower: pv,
        condenserOut: pv,
        evaporatorIn: pv,
        cop: z.number().nullable(),
      }),
    ),
    valve: z.object({ setpoint: pv.nullable(), position: pv.nullable() }),
    dryCoolers: z.object({ setpoint: pv.nullable() }),
    network: z.object({
      acceptance: pv.nullable(),
      offeredHeat: pv.nullable(),
      supplySetpoints: z.array(pv),
      supplyTemp: pv.nullable(),
      returnTemp: pv.nullable(),
      outdoorTemp: pv.nullable(),
      utilityRequest: pv.nullable(),
    }),
    flows: z.object({
      recoverableKw: fig,
      recoveredKw: fig,
      deliveredKw: fig,
      toDryCoolersKw: fig,
      heatPumpElectricKw: fig,
    }),
    plc: z.object({ safeState: pv.nullable(), heartbeat: pv.nullable() }),
    modes: z.record(z.string(), z.enum(['auto', 'manual'])),
    control: z.object({
      safetyActive: z.boolean(),
      heartbeat: z.string(),
      controllers: z.array(
        z.object({
          name: z.string(),
          type: z.string(),
          status: z.string(),
          message: z.string().optional(),
        }),
      ),
    }),
  })
  .meta({ id: 'Plant' });

const n = figureSchema;
export const kpiSchema = z
  .object({
    at: z.string(),
    now: z.object({
      recoveredKw: n,
      deliveredKw: n,
      hpElectricKw: n,
      cop: n,
      pue: n,
      recoverableKw: n,
    }),
    today: z.object({
      since: z.string(),
      recoveredKwh: n,
      deliveredKwh: n,
      hpElectricKwh: n,
      cop: n,
      erf: n,
    }),
    sinceStart: z.object({
      since: z.string().meta({
        description: 'When the energy counters began; they are kept across restarts',
      }),
      recoveredKwh: n,
      copRunning: n,
      erf: n,
    }),
  })
  .meta({ id: 'Kpis' });

export const alarmSchema = z
  .object({
    key: z.string(),
    priority: z.enum(['critical', 'high', 'medium', 'low']),
    message: z.string(),
    state: z.enum(['active-unacked', 'active-acked', 'returned-unacked', 'normal']),
    source: z.enum(['control', 'definition', 'system']),
    raisedAt: z.string(),
    clearedAt: z.string().optional(),
    ackedAt: z.string().optional(),
    ackedBy: z.string().optional(),
    shelved: z
      .object({ by: z.string(), reason: z.string(), since: z.string(), until: z.string() })
      .optional(),
    value: sampleValueSchema.optional(),
  })
  .meta({ id: 'Alarm' });

export const floodSchema = z
  .object({
    start: z.string(),
    end: z.string().optional(),
    raised: z.number(),
    byKey: z.record(z.string(), z.number()),
  })
  .meta({ id: 'AlarmFlood' });

/** The longest text a person may send (a reason, a comment): every such field has this limit. */
export const HUMAN_TEXT_MAX = 500;

/**
 * Refuses control characters (tab and line breaks too: these are one-line fields) and the
 * bidirectional controls U+202A–U+202E and U+2066–U+2069, naming the first one and its 1-based
 * position: stored as given they would show a reason reversed in the page (U+202E) or end up in
 * the audit log as a NUL.
 */
function refuseUnsafeChars(s: string, ctx: z.core.$RefinementCtx<string>): void {
  const c = findUnsafeChars(s, {}, 1)[0];
  if (!c) return;
  ctx.addIssue({
    code: 'custom',
    input: s,
    message: `${describeCodePoint(c.codePoint)} at character ${c.position} is not allowed: text holds printable characters on one line`,
  });
}

/**
 * Text typed by a person that HeatBridge stores and shows: one line of printable characters
 * (see refuseUnsafeChars), trimmed, at most HUMAN_TEXT_MAX characters, at least `min`.
 */
export function humanText(min = 0, minMessage = `expected at least ${min} characters`) {
  const text = z
    .string()
    .superRefine(refuseUnsafeChars)
    .trim()
    .max(HUMAN_TEXT_MAX, { error: `expected at most ${HUMAN_TEXT_MAX} characters` });
  return (min > 0 ? text.min(min, { error: minMessage }) : text).meta({
    description: `One line of printable text, at most ${HUMAN_TEXT_MAX} characters: control characters and bidirectional controls (U+202A–U+202E, U+2066–U+2069) are refused with 400`,
  });
}

export const alarmParams = z.object({
  key: z.string().min(1).max(200).superRefine(refuseUnsafeChars),
});
export const ackBody = z.strictObject({ reason: humanText().optional() });
export const alarmsQuery = z.strictObject({
  shelved: z
    .enum(['true', 'false'], { error: 'expected true or false' })
    .optional()
    .meta({ description: 'true: the shelved alarms instead' }),
});
/** An operator's reason: it goes into the audit trail. */
const reason = humanText(3, 'expected a reason (at least 3 characters)');

/** A body for something that lasts: `durationMin` or `until` (exactly one), and a reason. */
function timedBody<S extends z.ZodRawShape>(shape: S) {
  return z
    .strictObject({
      ...shape,
      durationMin: z.number().positive({ error: 'expected minutes > 0' }).optional(),
      until: time.optional(),
      reason,
    })
    .superRefine((out, ctx) => {
      const b = out as { durationMin?: number; until?: string };
      if ((b.durationMin === undefined) === (b.until === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['durationMin'],
          message: 'expected exactly one of durationMin and until',
        });
      }
    });
}

/** When a timed body's action ends (ms), from `until` or `durationMin` after `now`. */
export function endOf(b: { durationMin?: number; until?: string }, now: number): number {
  return b.until !== undefined ? parseTime(b.until) : now + b.durationMin! * 60_000;
}

export const shelveBody = timedBody({});

export const overrideSchema = z
  .object({
    point: z.string(),
    value: sampleValueSchema.meta({ description: 'The value asked for (as `requested`)' }),
    reason: z.string(),
    actor: z.string(),
    since: z.string().meta({ description: 'ISO 8601 with the site’s offset' }),
    expiresAt: z.string().meta({ description: 'ISO 8601 with the site’s offset' }),
    unit: z.string(),
    requested: sampleValueSchema.meta({ description: 'The value asked for' }),
    written: z.object({ value: sampleValueSchema, at: z.string() }).nullable().meta({
      description:
        'What the write guard last wrote to the point (at its resolution), and when; null before any write',
    }),
    bounds: z
      .object({ min: z.number(), max: z.number(), maxRatePerMin: z.number().optional() })
      .nullable()
      .meta({ description: 'What the write guard holds the point to; null for a boolean' }),
    reachesAt: z.string().nullable().meta({
      description:
        'When the rate limit lets the written value reach the requested one; null when it does not hold it back',
    }),
    limitedBy: z
      .enum(['rate'])
      .nullable()
      .meta({ description: '`rate` while maxRatePerMin holds the written value back' }),
  })
  .meta({ id: 'Override' });

export const overrideBody = timedBody({
  point: z.string().regex(/^[a-z][a-z0-9_-]{0,63}\/[a-z][a-z0-9_-]{0,63}$/, {
    error: 'expected a point id "<device>/<point>"',
  }),
  value: z.union([z.number(), z.boolean()], { error: 'expected a number or a boolean' }),
});

export const cancelQuery = z.strictObject({ reason });

export const modeSchema = z
  .object({ device: z.string(), mode: z.enum(['auto', 'manual']) })
  .meta({ id: 'Mode' });
export const modeParams = z.object({ device: name });
export const modeBody = z.strictObject({
  mode: z.enum(['auto', 'manual'], { error: 'expected auto or manual' }),
  reason,
});

export const auditEntrySchema = z
  .object({
    seq: z.number(),
    at: z.string(),
    actor: z.string(),
    action: z.enum(AUDIT_ACTIONS),
    target: z.string(),
    old: sampleValueSchema.optional(),
    new: sampleValueSchema.optional(),
    reason: z.string(),
    result: z.string(),
  })
  .meta({ id: 'AuditEntry' });

export const auditQuery = z.strictObject({
  from: time.optional(),
  to: time.optional(),
  actor: z.string().max(200).optional(),
  action: z.enum(AUDIT_ACTIONS).optional(),
  target: z.string().max(200).optional(),
  limit: z
    .string()
    .regex(/^\d+$/, { error: 'expected an integer' })
    .refine((s) => Number(s) >= 1 && Number(s) <= 1000, { error: 'expected 1 to 1000' })
    .optional(),
});

export const sessionSchema = z
  .object({
    authenticated: z.boolean(),
    name: z.string().optional(),
    role: z.enum(ROLES).optional(),
    openReads: z.boolean(),
  })
  .meta({ id: 'Session' });

export const streamQuery = z.strictObject({
  access_token: z
    .string()
    .max(200)
    .optional()
    .meta({ description: 'For EventSource, which cannot send headers' }),
});

export const reportQuery = z.strictObject({
  from: z
    .string()
    .max(40)
    .meta({ description: 'YYYY-MM-DD (local midnight in the site time zone) or an ISO 8601 time' }),
  to: z.string().max(40).meta({ description: 'end, exclusive; same forms' }),
  format: z.enum(['json', 'md', 'csv'], { error: 'expected json, md or csv' }).optional(),
});
