import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { Role } from '../config/api';
import type { SiteConfig } from '../config';
import type { ControlLoop } from '../control/control-loop';
import type { ActionResult, Alarm, AlarmList } from '../alarms/alarm-list';
import type { PointDef } from '../domain/point';
import { isPointId, type PointId } from '../domain/point-id';
import type { Sample } from '../domain/sample';
import { formatActor } from '../domain/write-command';
import type { HistoryPoint } from '../historian/backend';
import type { HealthReport } from '../runtime/component';
import { heatbridgeVersion } from '../util/project-root';
import type { Principal } from './auth';
import type { AuditAction, AuditLog } from './audit-log';
import type { KpiTracker } from './kpi';
import { plantView, pointValue } from './plant-view';
import { energyReport } from '../reporting/energy-report';
import { formatReport } from '../reporting/format';
import { parseReportTime } from '../reporting/time';
import * as S from './schemas';

/** Who may call a route: anyone, anyone who may read (a token, or open reads), or a role. */
export type Access = 'public' | 'read' | Role;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: z.infer<typeof S.errorSchema>['error'],
    message: string,
    readonly issues?: { path: string; message: string }[],
    /** What went wrong on our side, for the log only (never sent to the client). */
    readonly detail?: string,
  ) {
    super(message);
  }
}

export interface HandlerContext {
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  body: unknown;
  principal: Principal | undefined;
  req: Request;
  res: Response;
}

export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express style: `/api/points/:device/:point`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  response?: z.ZodType;
  /** The success status (200 unless said). */
  status?: number;
  /** Not JSON: a Server-Sent Events stream or another content type (the handler answers). */
  raw?: { contentType: string };
  /**
   * A state change: what the audit log calls it and what it acts on, so refused attempts are
   * audited too, and the route is refused while the audit log cannot be written.
   */
  audit?: { action: AuditAction; target(params: Record<string, string>, body: unknown): string };
  handle(ctx: HandlerContext): unknown;
}

export interface ApiDeps {
  site: SiteConfig;
  defs: ReadonlyMap<PointId, PointDef>;
  latest: { get(id: PointId): Sample | undefined; all(): Iterable<Sample> };
  /** The supervisor's view of every component, this one included. */
  health: () => HealthReport;
  historian?: {
    query(
      def: Pick<PointDef, 'id' | 'kind'>,
      from: number,
      to: number,
      everyMs?: number,
      limit?: number,
    ): Promise<HistoryPoint[]>;
  };
  control?: ControlLoop;
  alarms: AlarmList;
  audit: AuditLog;
  kpi: KpiTracker;
  now: () => number;
}

/** Raw history points returned at most; beyond, the answer says `truncated` (ask with `every`). */
const MAX_HISTORY_POINTS = 20_000;
/** The longest history range one request may ask for. */
const MAX_HISTORY_SPAN_MS = 400 * 86_400_000;

function notFoundPoint(id: string): ApiError {
  return new ApiError(404, 'not_found', `no point ${id} (GET /api/points lists them)`);
}

/** The alarm an alarm-list action left, or the API error it was refused with. */
function alarmOrThrow(r: ActionResult): Alarm {
  if (r.ok) return r.alarm;
  throw new ApiError(r.status, r.status === 404 ? 'not_found' : 'conflict', r.message);
}

function actorOf(p: Principal | undefined): { kind: 'user'; name: string } {
  // State-changing routes require a principal; this is for the type checker.
  return { kind: 'user', name: p?.name ?? 'anonymous' };
}

export function apiRoutes(deps: ApiDeps, startedAt: number): RouteSpec[] {
  const { defs, site, now } = deps;
  const summary = (def: PointDef): z.infer<typeof S.pointSummarySchema> => ({
    ...pointValue(def.id, defs, (id) => deps.latest.get(id), now()),
    device: def.device,
    name: def.name,
    kind: def.kind,
    access: def.access,
    ...(def.description ? { description: def.description } : {}),
    ...(def.bounds ? { bounds: def.bounds } : {}),
  });
  const defOf = (params: Record<string, string>): PointDef => {
    const id = `${params.device}/${params.point}`;
    const def = isPointId(id) ? defs.get(id) : undefined;
    if (!def) throw notFoundPoint(id);
    return def;
  };
  const control = (): ControlLoop => {
    if (!deps.control)
      throw new ApiError(503, 'unavailable', 'control is not part of this HeatBridge');
    return deps.control;
  };
  const overrideJson = (o: NonNullable<ReturnType<ControlLoop['operator']['active']>>[number]) => ({
    point: o.id,
    value: o.value,
    reason: o.reason,
    actor: formatActor(o.actor),
    since: new Date(o.since).toISOString(),
    expiresAt: new Date(o.expiresAt).toISOString(),
  });

  return [
    {
      method: 'get',
      path: '/api/health',
      tag: 'status',
      access: 'public',
      summary: 'Overall status and every component’s state',
      description:
        '200 while ok or degraded, 503 otherwise (for load balancers and orchestrators). The components (addresses, messages, live figures) only for those who may read.',
      handle: ({ res, principal }) => {
        const report = deps.health();
        const code = report.status === 'ok' || report.status === 'degraded' ? 200 : 503;
        res.status(code);
        const status = { status: report.status, site: { id: site.site.id, name: site.site.name } };
        // Device addresses and process values are for readers, not for any port scanner.
        if (!principal && !site.api.openReads) return status;
        return {
          ...status,
          version: heatbridgeVersion(),
          uptimeS: Math.round((now() - startedAt) / 1000),
          components: report.components,
        };
      },
    },
    {
      method: 'get',
      path: '/api/session',
      tag: 'status',
      access: 'public',
      summary: 'Who the token belongs to',
      description: 'Checks a bearer token (a wrong one answers 401 and counts as a failed login).',
      response: S.sessionSchema,
      handle: ({ principal }) => ({
        authenticated: principal !== undefined,
        ...(principal ? { name: principal.name, role: principal.role } : {}),
        openReads: site.api.openReads,
      }),
    },
    {
      method: 'get',
      path: '/api/points',
      tag: 'points',
      access: 'read',
      summary: 'Every point with its latest value, unit, quality and time',
      query: S.pointsQuery,
      response: S.pointSummarySchema.array(),
      handle: ({ query }) => {
        const q = query.q?.toLowerCase();
        return [...defs.values()]
          .filter((d) => !query.device || d.device === query.device)
          .filter((d) => !query.kind || d.kind === query.kind)
          .filter((d) => !query.unit || d.unit === query.unit)
          .filter((d) => !q || d.id.includes(q) || (d.description ?? '').toLowerCase().includes(q))
          .map(summary)
          .filter((p) => !query.quality || p.quality === query.quality);
      },
    },
    {
      method: 'get',
      path: '/api/points/:device/:point',
      tag: 'points',
      access: 'read',
      summary: 'One point',
      params: S.pointParams,
      response: S.pointSummarySchema,
      handle: ({ params }) => summary(defOf(params)),
    },
    {
      method: 'get',
      path: '/api/points/:device/:point/history',
      tag: 'points',
      access: 'read',
      summary: 'A point’s history from the historian',
      params: S.pointParams,
      query: S.historyQuery,
      response: S.historySchema,
      handle: async ({ params, query }) => {
        const def = defOf(params);
        if (!deps.historian) throw new ApiError(503, 'unavailable', 'no historian is configured');
        const to = query.to !== undefined ? S.parseTime(query.to) : now();
        const from = query.from !== undefined ? S.parseTime(query.from) : to - 3_600_000;
        if (!(from < to))
          throw new ApiError(400, 'invalid_request', '`from` must be before `to`', [
            { path: 'from', message: 'must be before to' },
          ]);
        if (to - from > MAX_HISTORY_SPAN_MS) {
          throw new ApiError(400, 'invalid_request', 'at most 400 days per request', [
            { path: 'from', message: 'range longer than 400 days' },
          ]);
        }
        const everyMs = query.every !== undefined ? S.parseDuration(query.every) : undefined;
        if (
          everyMs !== undefined &&
          (everyMs < 1000 || (to - from) / everyMs > MAX_HISTORY_POINTS)
        ) {
          throw new ApiError(
            400,
            'invalid_request',
            `every must be ≥ 1 s and give at most ${MAX_HISTORY_POINTS} windows`,
            [{ path: 'every', message: 'too fine for this range' }],
          );
        }
        let points: HistoryPoint[];
        try {
          // One more than we return, to know whether the answer was cut.
          points = await deps.historian.query(def, from, to, everyMs, MAX_HISTORY_POINTS + 1);
        } catch (err) {
          throw new ApiError(
            503,
            'unavailable',
            'the historian could not answer; see the HeatBridge log',
            undefined,
            (err as Error).message,
          );
        }
        const truncated = points.length > MAX_HISTORY_POINTS;
        return {
          id: def.id,
          unit: def.unit,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          everyMs: everyMs ?? null,
          truncated,
          points: points.slice(-MAX_HISTORY_POINTS).map((p) => ({
            t: new Date(p.t).toISOString(),
            value: p.value,
            ...(p.state !== undefined ? { state: p.state } : {}),
            ...(p.quality !== undefined ? { quality: p.quality } : {}),
          })),
        };
      },
    },
    {
      method: 'get',
      path: '/api/reports/energy',
      tag: 'reports',
      access: 'read',
      summary: 'The energy-reuse report for a period (as `heatbridge report`)',
      description:
        'Heat delivered (from meter counters), heat-pump and dry-cooler electricity, SCOP, ERF, PUE (and the EnEfG variant), ERE, per day and for the period, with data coverage, gaps and resets; the EU (2024/1364) figures and the EnEfG §11/§17 sections. At most 400 days; format json (default), md or csv.',
      query: S.reportQuery,
      raw: { contentType: 'application/json' },
      handle: async ({ query, res }) => {
        if (!deps.historian) throw new ApiError(503, 'unavailable', 'no historian is configured');
        const historian = deps.historian;
        const tz = site.site.timezone;
        const from = parseReportTime(query.from!, tz);
        const to = parseReportTime(query.to!, tz);
        if (
          from === undefined ||
          to === undefined ||
          !(from < to) ||
          to - from > MAX_HISTORY_SPAN_MS
        )
          throw new ApiError(
            400,
            'invalid_request',
            'from and to: dates (YYYY-MM-DD) or ISO times, from before to, at most 400 days apart',
            [{ path: 'query.from', message: 'invalid range' }],
          );
        let report;
        try {
          report = await energyReport(
            site,
            (id, a, b) => {
              const def = isPointId(id) ? defs.get(id) : undefined;
              if (!def) return Promise.reject(new Error(`no point ${id}`));
              return historian.query(def, a, b);
            },
            from,
            to,
            { now: now() },
          );
        } catch (err) {
          throw new ApiError(
            503,
            'unavailable',
            'the report could not be made from the historian; see the HeatBridge log',
            undefined,
            (err as Error).message,
          );
        }
        const format = (query.format ?? 'json') as 'json' | 'md' | 'csv';
        res.type(
          format === 'json' ? 'application/json' : format === 'md' ? 'text/markdown' : 'text/csv',
        );
        res.send(formatReport(report, format));
      },
    },
    {
      method: 'get',
      path: '/api/plant',
      tag: 'plant',
      access: 'read',
      summary: 'The plant: hall, coolant, heat pumps, valve, dry coolers, network, PLC, control',
      response: S.plantSchema,
      handle: () => {
        const view = plantView({
          site,
          defs,
          latest: (id) => deps.latest.get(id),
          mode: (device) => deps.control?.operator.mode(device) ?? 'auto',
          now: now(),
        });
        const d = deps.control?.details() as
          { safetyActive?: boolean; heartbeat?: string; controllers?: unknown[] } | undefined;
        return {
          ...view,
          control: {
            safetyActive: d?.safetyActive ?? false,
            heartbeat: d?.heartbeat ?? 'none',
            controllers: (d?.controllers ?? []) as {
              name: string;
              type: string;
              status: string;
              message?: string;
            }[],
          },
        };
      },
    },
    {
      method: 'get',
      path: '/api/kpi',
      tag: 'plant',
      access: 'read',
      summary: 'Recovered heat, COP, ERF and PUE: now, today and since start',
      response: S.kpiSchema,
      handle: () => deps.kpi.kpis(now()),
    },
    {
      method: 'get',
      path: '/api/alarms',
      tag: 'alarms',
      access: 'read',
      summary: 'Alarms that are active or not yet acknowledged, most urgent first',
      description: 'Shelved alarms are left out; `?shelved=true` lists them instead.',
      query: S.alarmsQuery,
      response: S.alarmSchema.array(),
      handle: ({ query }) => deps.alarms.list({ shelved: query.shelved === 'true' }),
    },
    {
      method: 'get',
      path: '/api/alarms/floods',
      tag: 'alarms',
      access: 'read',
      summary: 'Alarm floods: when, how many alarms, which ones; newest first',
      response: S.floodSchema.array(),
      handle: () => deps.alarms.floodPeriods(),
    },
    {
      method: 'post',
      path: '/api/alarms/:key/shelve',
      tag: 'alarms',
      access: 'operator',
      summary: 'Shelve an alarm: hidden from the list until the shelf expires',
      description:
        'At most alarms.maxShelveMs. The alarm goes on changing state meanwhile; when the shelf expires an alarm still active is listed again, unacknowledged.',
      params: S.alarmParams,
      body: S.shelveBody,
      response: S.alarmSchema,
      audit: { action: 'alarm-shelved', target: (p) => p.key ?? '' },
      handle: ({ params, body, principal }) => {
        const b = body as z.infer<typeof S.shelveBody>;
        const t = now();
        const until = S.endOf(b, t);
        const max = site.alarms.maxShelveMs;
        if (!(until > t) || until - t > max)
          throw new ApiError(
            400,
            'invalid_request',
            `a shelf lasts more than 0 and at most ${max / 60_000} min (alarms.maxShelveMs)`,
            [{ path: 'body.durationMin', message: 'out of range' }],
          );
        const by = formatActor(actorOf(principal));
        const alarm = alarmOrThrow(deps.alarms.shelve(params.key!, by, b.reason, t, until));
        deps.audit.record({
          actor: by,
          action: 'alarm-shelved',
          target: params.key!,
          old: alarm.state,
          new: `shelved until ${new Date(until).toISOString()}`,
          reason: b.reason,
          result: 'ok',
        });
        return alarm;
      },
    },
    {
      method: 'post',
      path: '/api/alarms/:key/unshelve',
      tag: 'alarms',
      access: 'operator',
      summary: 'Put a shelved alarm back on the list now',
      params: S.alarmParams,
      body: S.ackBody,
      response: S.alarmSchema,
      audit: { action: 'alarm-unshelved', target: (p) => p.key ?? '' },
      handle: ({ params, body, principal }) => {
        const by = formatActor(actorOf(principal));
        const reason = (body as z.infer<typeof S.ackBody>).reason;
        const alarm = alarmOrThrow(deps.alarms.unshelve(params.key!, by, now(), reason));
        deps.audit.record({
          actor: by,
          action: 'alarm-unshelved',
          target: params.key!,
          old: 'shelved',
          new: alarm.state,
          reason: reason ?? '',
          result: 'ok',
        });
        return alarm;
      },
    },
    {
      method: 'post',
      path: '/api/alarms/:key/ack',
      tag: 'alarms',
      access: 'operator',
      summary: 'Acknowledge an alarm',
      params: S.alarmParams,
      body: S.ackBody,
      response: S.alarmSchema,
      audit: { action: 'alarm-acknowledged', target: (p) => p.key ?? '' },
      handle: ({ params, body, principal }) => {
        const before = deps.alarms.get(params.key!);
        const by = formatActor(actorOf(principal));
        const reason = (body as z.infer<typeof S.ackBody>).reason;
        const alarm = alarmOrThrow(deps.alarms.acknowledge(params.key!, by, now(), reason));
        deps.audit.record({
          actor: by,
          action: 'alarm-acknowledged',
          target: params.key!,
          old: before?.state ?? null,
          new: alarm.state,
          reason: reason ?? '',
          result: 'ok',
        });
        return alarm;
      },
    },
    {
      method: 'get',
      path: '/api/overrides',
      tag: 'control',
      access: 'read',
      summary: 'Operator overrides in force',
      response: S.overrideSchema.array(),
      handle: () => control().operator.active(now()).map(overrideJson),
    },
    {
      method: 'post',
      path: '/api/overrides',
      tag: 'control',
      access: 'operator',
      summary: 'Override a point: the value replaces the controllers’ until it expires',
      description:
        'Checked first (writable point, its type, inside its bounds, at most control.maxOverrideMs); applied from the next control cycle through the write guard. Cooling safety still wins the points it holds.',
      body: S.overrideBody,
      response: S.overrideSchema,
      status: 201,
      audit: {
        action: 'override-set',
        target: (_p, b) => {
          const point = (b as { point?: unknown } | undefined)?.point;
          return typeof point === 'string' ? point.slice(0, 200) : '';
        },
      },
      handle: ({ body, principal }) => {
        const b = body as z.infer<typeof S.overrideBody>;
        const id = b.point as PointId;
        if (!defs.has(id)) throw notFoundPoint(id);
        const t = now();
        const durationMs = S.endOf(b, t) - t;
        const loop = control();
        const previous = loop.operator.active(t).find((o) => o.id === id);
        const old = previous ? previous.value : (deps.latest.get(id)?.value ?? null);
        let o;
        try {
          o = loop.setOverride({
            id,
            value: b.value,
            durationMs,
            reason: b.reason,
            actor: actorOf(principal),
          });
        } catch (err) {
          throw new ApiError(400, 'invalid_request', (err as Error).message, [
            { path: 'value', message: (err as Error).message },
          ]);
        }
        deps.audit.record({
          actor: formatActor(o.actor),
          action: 'override-set',
          target: id,
          old,
          new: o.value,
          reason: `${b.reason} (until ${new Date(o.expiresAt).toISOString()})`,
          result: 'ok',
        });
        return overrideJson(o);
      },
    },
    {
      method: 'delete',
      path: '/api/overrides/:device/:point',
      tag: 'control',
      access: 'operator',
      summary: 'Cancel an override: the controllers take the point back',
      params: S.pointParams,
      query: S.cancelQuery,
      response: S.overrideSchema,
      audit: { action: 'override-cancelled', target: (p) => `${p.device}/${p.point}` },
      handle: ({ params, query, principal }) => {
        const id = `${params.device}/${params.point}` as PointId;
        const o = control().operator.cancelOverride(id, actorOf(principal), query.reason!, now());
        if (!o) throw new ApiError(404, 'not_found', `no override on ${id}`);
        deps.audit.record({
          actor: formatActor(actorOf(principal)),
          action: 'override-cancelled',
          target: id,
          old: o.value,
          new: null,
          reason: query.reason!,
          result: 'ok',
        });
        return overrideJson(o);
      },
    },
    {
      method: 'get',
      path: '/api/modes',
      tag: 'control',
      access: 'read',
      summary: 'Each device’s mode: auto (controllers) or manual (operators)',
      response: S.modeSchema.array(),
      handle: () =>
        Object.keys(site.devices).map((device) => ({
          device,
          mode: deps.control?.operator.mode(device) ?? 'auto',
        })),
    },
    {
      method: 'put',
      path: '/api/modes/:device',
      tag: 'control',
      access: 'operator',
      summary: 'Put a device in auto or manual mode',
      description:
        'In manual mode the controllers leave the device to the operators; cooling safety still acts.',
      params: S.modeParams,
      body: S.modeBody,
      response: S.modeSchema,
      audit: { action: 'mode-changed', target: (p) => p.device ?? '' },
      handle: ({ params, body, principal }) => {
        const device = params.device!;
        if (!site.devices[device]) throw new ApiError(404, 'not_found', `no device ${device}`);
        const b = body as z.infer<typeof S.modeBody>;
        const ops = control().operator;
        const from = ops.mode(device);
        ops.setMode(device, b.mode, actorOf(principal), b.reason, now());
        deps.audit.record({
          actor: formatActor(actorOf(principal)),
          action: 'mode-changed',
          target: device,
          old: from,
          new: b.mode,
          reason: b.reason,
          result: from === b.mode ? 'ok (unchanged)' : 'ok',
        });
        return { device, mode: b.mode };
      },
    },
    {
      method: 'get',
      path: '/api/audit',
      tag: 'audit',
      access: 'read',
      summary: 'The audit log, newest first',
      query: S.auditQuery,
      response: S.auditEntrySchema.array(),
      handle: ({ query }) =>
        deps.audit.query({
          ...(query.from !== undefined ? { from: S.parseTime(query.from) } : {}),
          ...(query.to !== undefined ? { to: S.parseTime(query.to) } : {}),
          ...(query.actor !== undefined ? { actor: query.actor } : {}),
          ...(query.action !== undefined ? { action: query.action as AuditAction } : {}),
          ...(query.target !== undefined ? { target: query.target } : {}),
          limit: query.limit !== undefined ? Number(query.limit) : 100,
        }),
    },
  ];
}
