import type { z } from 'zod';
import type { ControlLoop } from '../../control/control-loop';
import type { PointId } from '../../domain/point-id';
import { formatActor } from '../../domain/write-command';
import { ApiError } from '../api-error';
import { changed, del, get, post, resource } from '../route-spec';
import * as S from '../schemas';
import { actorOf, controlOf, notFoundPoint, type ApiDeps } from './shared';

type Override = ReturnType<ControlLoop['operator']['active']>[number];

function overrideJson(o: Override): z.infer<typeof S.overrideSchema> {
  return {
    point: o.id,
    value: o.value,
    reason: o.reason,
    actor: formatActor(o.actor),
    since: new Date(o.since).toISOString(),
    expiresAt: new Date(o.expiresAt).toISOString(),
  };
}

/** Operator overrides: a value that replaces the controllers' for a while. */
export const overrideRoutes = resource('control', (deps: ApiDeps) => [
  get('/api/overrides', 'read', {
    summary: 'Operator overrides in force',
    response: S.overrideSchema.array(),
    handle: () => controlOf(deps).operator.active(deps.now()).map(overrideJson),
  }),
  post('/api/overrides', 'operator', {
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
      if (!deps.defs.has(id)) throw notFoundPoint(id);
      const t = deps.now();
      const durationMs = S.endOf(b, t) - t;
      const loop = controlOf(deps);
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
      return changed(overrideJson(o), {
        old,
        new: o.value,
        reason: `${b.reason} (until ${new Date(o.expiresAt).toISOString()})`,
      });
    },
  }),
  del('/api/overrides/:device/:point', 'operator', {
    summary: 'Cancel an override: the controllers take the point back',
    params: S.pointParams,
    query: S.cancelQuery,
    response: S.overrideSchema,
    audit: { action: 'override-cancelled', target: (p) => `${p.device}/${p.point}` },
    handle: ({ params, query, principal }) => {
      const id = `${params.device}/${params.point}` as PointId;
      const reason = query.reason!;
      const o = controlOf(deps).operator.cancelOverride(id, actorOf(principal), reason, deps.now());
      if (!o) throw new ApiError(404, 'not_found', `no override on ${id}`);
      return changed(overrideJson(o), { old: o.value, new: null, reason });
    },
  }),
]);
