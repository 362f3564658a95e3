import type { z } from 'zod';
import { overrideProblem } from '../../control/override-rules';
import type { PointId } from '../../domain/point-id';
import { siteTimeText } from '../../util/site-time';
import { ApiError } from '../api-error';
import { overrideView } from '../override-view';
import { changed, del, get, post, resource } from '../route-spec';
import * as S from '../schemas';
import { actorOf, controlOf, notFoundPoint, type ApiDeps } from './shared';

/** A refused override value: 400, the problem named at `value` (as it always was). */
function refusedValue(message: string): ApiError {
  return new ApiError(400, 'invalid_request', message, [{ path: 'value', message }]);
}

/** Operator overrides: a value that replaces the controllers' for a while. */
export const overrideRoutes = resource('control', (deps: ApiDeps) => [
  get('/api/overrides', 'read', {
    summary: 'Operator overrides in force',
    description:
      'Each with the value asked for (`requested`) and what the write guard last wrote (`written`), the bounds and rate it holds the point to, and when a rate-limited value is reached (`reachesAt`, `limitedBy`).',
    response: S.overrideSchema.array(),
    handle: () => {
      const now = deps.now();
      return controlOf(deps)
        .operator.active(now)
        .map((o) => overrideView(o, deps, now));
    },
  }),
  post('/api/overrides', 'operator', {
    summary: 'Override a point: the value replaces the controllers’ until it expires',
    description:
      'Checked first (a point an operator may override, writable, its type, inside its bounds, at most control.maxOverrideMs), then against the device: a value its data type, register or range cannot hold exactly is refused (400) rather than written as something else or failing at the device. Applied from the next control cycle through the write guard, which still limits its rate of change (see `reachesAt`). Cooling safety still wins the points it holds.',
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
      const def = deps.defs.get(id);
      if (!def) throw notFoundPoint(id);
      const t = deps.now();
      const end = S.endOf(b, t);
      const req = { id, value: b.value, durationMs: end - t, reason: b.reason };
      const loop = controlOf(deps);
      const problem = overrideProblem(req, def, deps.site.control);
      const device = problem ? undefined : deps.checkValue?.(id, b.value);
      if (problem) throw refusedValue(problem);
      if (device) throw refusedValue(`${id}: ${device}`);
      const previous = loop.operator.active(t).find((o) => o.id === id);
      const old = previous ? previous.value : (deps.latest.get(id)?.value ?? null);
      let o;
      try {
        o = loop.setOverride({ ...req, actor: actorOf(principal) });
      } catch (err) {
        throw refusedValue((err as Error).message);
      }
      // The end the operator asked for, as people read it in the site's zone (the record is
      // read by people; its `at` is the instant).
      const until = siteTimeText(end, deps.site.site.timezone);
      return changed(overrideView(o, deps, deps.now()), {
        old,
        new: o.value,
        reason: `${b.reason} (until ${until})`,
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
      const now = deps.now();
      const o = controlOf(deps).operator.cancelOverride(id, actorOf(principal), reason, now);
      if (!o) throw new ApiError(404, 'not_found', `no override on ${id}`);
      return changed(overrideView(o, deps, now), { old: o.value, new: null, reason });
    },
  }),
]);
