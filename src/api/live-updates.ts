import { interval, type Observable, type Subscription } from 'rxjs';
import type { OperatorEvent } from '../domain/operator-event';
import type { PointId } from '../domain/point-id';
import type { Sample } from '../domain/sample';
import { transitionInZone } from './alarm-view';
import { auditEntryInZone } from './audit-log';
import { overrideView } from './override-view';
import { pointValue, type PointValue } from './plant-view';
import type { ApiDeps } from './routes';
import type { SseHub } from './sse';

/** How often live point values go out (batched), and how often staleness is re-judged. */
const POINTS_FLUSH_MS = 1000;
const QUALITY_CHECK_MS = 5000;

export interface LiveSources extends Pick<
  ApiDeps,
  'site' | 'defs' | 'latest' | 'now' | 'alarms' | 'audit' | 'control' | 'writes'
> {
  /** Every sample (field, control, historian): live updates. */
  samples$: Observable<Sample>;
  /** The same samples as batches; taken instead of `samples$` when given. */
  sampleBatches$?: Observable<readonly Sample[]>;
  operatorEvents$?: Observable<OperatorEvent>;
}

/**
 * What live views get over SSE: changed point values each second (quality judged now, so a value
 * going stale is sent too), alarm transitions, audit entries and the overrides after each change.
 */
export function liveUpdates(deps: LiveSources, hub: SseHub): Subscription[] {
  const changed = new Map<PointId, Sample>();
  const sentQuality = new Map<PointId, string>();
  const tz = deps.site.site.timezone;
  const value = (id: PointId, now = deps.now()): PointValue =>
    pointValue(id, deps.defs, (i) => deps.latest.get(i), now, tz);
  const subs: Subscription[] = [];
  // With nobody listening there is nothing to send: no per-sample work (issue 25). A client that
  // connects loads every point first, then takes the changes from the next flush on.
  subs.push(
    deps.sampleBatches$
      ? deps.sampleBatches$.subscribe((batch) => {
          if (hub.size === 0) return;
          for (const s of batch) changed.set(s.id, s);
        })
      : deps.samples$.subscribe((s) => {
          if (hub.size > 0) changed.set(s.id, s);
        }),
  );
  subs.push(
    interval(POINTS_FLUSH_MS).subscribe(() => {
      if (changed.size === 0 || hub.size === 0) {
        changed.clear();
        return;
      }
      const points = [...changed.keys()].filter((id) => deps.defs.has(id)).map((id) => value(id));
      changed.clear();
      for (const p of points) sentQuality.set(p.id as PointId, p.quality);
      if (points.length > 0) hub.publish('points', points);
    }),
  );
  subs.push(
    interval(QUALITY_CHECK_MS).subscribe(() => {
      // Judging every point's quality, each with its time in the site's zone, is the largest
      // idle cost of a big site: only for someone listening.
      if (hub.size === 0) return;
      const now = deps.now();
      const points: PointValue[] = [];
      for (const s of deps.latest.all()) {
        if (!deps.defs.has(s.id)) continue;
        const v = value(s.id, now);
        if (sentQuality.get(s.id) !== undefined && sentQuality.get(s.id) !== v.quality)
          points.push(v);
        sentQuality.set(s.id, v.quality);
      }
      if (points.length > 0) hub.publish('points', points);
    }),
  );
  subs.push(
    deps.alarms.transitions$.subscribe((t) => hub.publish('alarm', transitionInZone(t, tz))),
  );
  subs.push(deps.audit.entries$.subscribe((e) => hub.publish('audit', auditEntryInZone(e, tz))));
  if (deps.operatorEvents$ && deps.control) {
    const control = deps.control;
    subs.push(
      deps.operatorEvents$.subscribe(() =>
        hub.publish(
          'overrides',
          // The same view as GET /api/overrides: a live client sees requested vs written too.
          control.operator.active(deps.now()).map((o) => overrideView(o, deps, deps.now())),
        ),
      ),
    );
  }
  return subs;
}
