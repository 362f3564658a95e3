import type { z } from 'zod';
import type { Override } from '../domain/operator-event';
import type { PointDef } from '../domain/point';
import { atResolution } from '../domain/resolution';
import { formatActor } from '../domain/write-command';
import { isoInZone } from '../util/site-time';
import type { ApiDeps } from './routes/shared';
import type * as S from './schemas';

export type OverrideJson = z.infer<typeof S.overrideSchema>;

/** What an override's view reads: the point's definition, the write guard, the site's zone. */
export type OverrideViewDeps = Pick<ApiDeps, 'defs' | 'writes' | 'site'>;

/** Differences below this are float noise, not a value still on its way. */
const SAME = 1e-9;

/**
 * When the write guard's rate limit lets the written value reach the requested one, from what
 * the limit counts from now (the last value written, or the reading before the first write: the
 * guard's own `reference`). Null when the limit does not hold the value back: already there, no
 * rate limit, nothing known yet, or reachable at the next write.
 */
export function reachesAt(
  o: Pick<Override, 'id' | 'value'>,
  def: PointDef | undefined,
  writes: OverrideViewDeps['writes'],
  now: number,
): number | null {
  const rate = def?.bounds?.maxRatePerMin;
  if (typeof o.value !== 'number' || rate === undefined || !(rate > 0) || !writes) return null;
  const from = writes.reference(o.id, now);
  if (!from) return null;
  const gap = Math.abs(o.value - from.value);
  if (gap <= SAME * Math.max(1, Math.abs(o.value))) return null;
  const at = from.at + Math.ceil((gap / rate) * 60_000);
  return at > now ? at : null;
}

/**
 * An override as the API shows it (contract C2, issue 21): what was asked (`requested`, and
 * `value` as before), what the write guard last wrote to the point (`written`, at the point's
 * resolution), the bounds and rate the guard holds it to, and when a rate-limited value is
 * reached (`reachesAt`, `limitedBy: 'rate'`). The operator sees 78 asked and 80.8 written, not
 * "= 78.0" while the plant gets 81.0, 80.8 … Times ISO 8601 with the site's offset.
 */
export function overrideView(o: Override, deps: OverrideViewDeps, now: number): OverrideJson {
  const tz = deps.site.site.timezone;
  const def = deps.defs.get(o.id);
  const written = deps.writes?.lastWritten(o.id);
  const at = reachesAt(o, def, deps.writes, now);
  const b = def?.bounds;
  return {
    point: o.id,
    value: o.value,
    reason: o.reason,
    actor: formatActor(o.actor),
    since: isoInZone(o.since, tz),
    expiresAt: isoInZone(o.expiresAt, tz),
    unit: def?.unit ?? '',
    requested: o.value,
    written: written
      ? {
          value: def ? atResolution(written.value, def) : written.value,
          at: isoInZone(written.at, tz),
        }
      : null,
    bounds: b
      ? {
          min: b.min,
          max: b.max,
          ...(b.maxRatePerMin !== undefined ? { maxRatePerMin: b.maxRatePerMin } : {}),
        }
      : null,
    reachesAt: at === null ? null : isoInZone(at, tz),
    limitedBy: at === null ? null : 'rate',
  };
}
