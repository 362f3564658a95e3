import type { z } from 'zod';
import { overrideRefusal } from '../../control/override-rules';
import type { PointDef } from '../../domain/point';
import { isPointId } from '../../domain/point-id';
import { atResolution, resolutionOf } from '../../domain/resolution';
import { isoInZone } from '../../util/site-time';
import type { HistoryPoint } from '../../historian/backend';
import { ApiError } from '../api-error';
import { pointValue } from '../plant-view';
import { get, resource } from '../route-spec';
import * as S from '../schemas';
import { historianOf, MAX_HISTORY_SPAN_MS, notFoundPoint, type ApiDeps } from './shared';

/** Raw history points returned at most; beyond, the answer says `truncated` (ask with `every`). */
const MAX_HISTORY_POINTS = 20_000;

/** The points: their definitions with the latest values, and their history. */
export const pointRoutes = resource('points', (deps: ApiDeps) => {
  const { defs, now, site } = deps;
  const tz = site.site.timezone;
  const summary = (def: PointDef): z.infer<typeof S.pointSummarySchema> => {
    // The same rule the override API refuses by, so a picker never offers what is then refused.
    const refusal = overrideRefusal(def, site.control.controllers);
    return {
      ...pointValue(def.id, defs, (id) => deps.latest.get(id), now(), tz),
      device: def.device,
      name: def.name,
      kind: def.kind,
      access: def.access,
      description: def.description ?? '',
      ...(def.bounds ? { bounds: def.bounds } : {}),
      resolution: resolutionOf(def),
      overridable: refusal === undefined,
      ...(refusal !== undefined ? { overrideRefusal: refusal } : {}),
    };
  };
  const defOf = (params: Record<string, string>): PointDef => {
    const id = `${params.device}/${params.point}`;
    const def = isPointId(id) ? defs.get(id) : undefined;
    if (!def) throw notFoundPoint(id);
    return def;
  };

  return [
    get('/api/points', 'read', {
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
          .filter((p) => !query.quality || p.quality === query.quality)
          .filter((p) => !query.overridable || p.overridable === (query.overridable === 'true'));
      },
    }),
    get('/api/points/:device/:point', 'read', {
      summary: 'One point',
      params: S.pointParams,
      response: S.pointSummarySchema,
      handle: ({ params }) => summary(defOf(params)),
    }),
    get('/api/points/:device/:point/history', 'read', {
      summary: 'A point’s history from the historian',
      params: S.pointParams,
      query: S.historyQuery,
      response: S.historySchema,
      handle: async ({ params, query }) => {
        const def = defOf(params);
        const historian = historianOf(deps);
        const { from, to, everyMs } = historyRange(query, now());
        let points: HistoryPoint[];
        try {
          // One more than we return, to know whether the answer was cut.
          points = await historian.query(def, from, to, everyMs, MAX_HISTORY_POINTS + 1);
        } catch (err) {
          throw new ApiError(
            503,
            'unavailable',
            'the historian could not answer; see the HeatBridge log',
            undefined,
            (err as Error).message,
          );
        }
        return {
          id: def.id,
          unit: def.unit,
          from: isoInZone(from, tz),
          to: isoInZone(to, tz),
          everyMs: everyMs ?? null,
          truncated: points.length > MAX_HISTORY_POINTS,
          points: points.slice(-MAX_HISTORY_POINTS).map((p) => ({
            t: isoInZone(p.t, tz),
            value: atResolution(p.value, def),
            ...(p.state !== undefined ? { state: p.state } : {}),
            ...(p.quality !== undefined ? { quality: p.quality } : {}),
          })),
        };
      },
    }),
  ];
});

/** A history request's range and window, checked: from before to, ≤ 400 days, not too fine. */
function historyRange(
  query: Record<string, string | undefined>,
  now: number,
): { from: number; to: number; everyMs: number | undefined } {
  const to = query.to !== undefined ? S.parseTime(query.to) : now;
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
  if (everyMs !== undefined && (everyMs < 1000 || (to - from) / everyMs > MAX_HISTORY_POINTS)) {
    throw new ApiError(
      400,
      'invalid_request',
      `every must be ≥ 1 s and give at most ${MAX_HISTORY_POINTS} windows`,
      [{ path: 'every', message: 'too fine for this range' }],
    );
  }
  return { from, to, everyMs };
}
