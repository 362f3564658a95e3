import type { SiteConfig } from '../../config';
import type { ControlLoop } from '../../control/control-loop';
import type { WriteGuard } from '../../control/write-guard';
import type { AlarmList } from '../../alarms/alarm-list';
import type { Actor } from '../../domain/write-command';
import type { PointDef } from '../../domain/point';
import type { PointId } from '../../domain/point-id';
import type { Sample, SampleValue } from '../../domain/sample';
import type { HistoryPoint } from '../../historian/backend';
import type { HealthReport } from '../../runtime/component';
import type { HeatSignal } from '../../signals/heat-signal-types';
import { ApiError } from '../api-error';
import type { AuditLog } from '../audit-log';
import type { Principal } from '../auth';
import type { KpiTracker } from '../kpi';
import type { UtilityDeps, ValueDeps } from '../utility-view';

/** What the routes read and act on. */
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
  /** The write guard: what it last wrote to a point, and what its rate limit counts from. */
  writes?: Pick<WriteGuard, 'lastWritten' | 'reference'>;
  /** Why a point's device cannot hold a value (DeviceAdapter.checkValue), or undefined. */
  checkValue?: (id: PointId, value: SampleValue) => string | undefined;
  alarms: AlarmList;
  audit: AuditLog;
  kpi: KpiTracker;
  /** The utility's day-ahead plans and spot prices (/api/utility), when the site has them. */
  utility?: UtilityDeps;
  /** The value ledger (/api/value), when the site values its heat (utility.value). */
  value?: ValueDeps;
  /** The heat signal for the schedulers (/api/signals/heat, /metrics), when the site has one. */
  heatSignal?: { current(): HeatSignal };
  now: () => number;
}

/** The longest time range one request may ask for (history, reports). */
export const MAX_HISTORY_SPAN_MS = 400 * 86_400_000;

export function notFoundPoint(id: string): ApiError {
  return new ApiError(404, 'not_found', `no point ${id} (GET /api/points lists them)`);
}

/** The user behind a state-changing call. */
export function actorOf(p: Principal | undefined): Actor & { kind: 'user' } {
  // State-changing routes require a principal; this is for the type checker.
  return { kind: 'user', name: p?.name ?? 'anonymous' };
}

/** The control loop, or 503 on a HeatBridge without one. */
export function controlOf(deps: Pick<ApiDeps, 'control'>): ControlLoop {
  if (!deps.control)
    throw new ApiError(503, 'unavailable', 'control is not part of this HeatBridge');
  return deps.control;
}

/** A part of HeatBridge a route needs (plans, the value ledger), or 503 saying it is missing. */
export function partOf<T>(part: T | undefined, missing: string): T {
  if (part === undefined) throw new ApiError(503, 'unavailable', missing);
  return part;
}

/** The historian, or 503 when none is configured. */
export function historianOf(deps: Pick<ApiDeps, 'historian'>): NonNullable<ApiDeps['historian']> {
  if (!deps.historian) throw new ApiError(503, 'unavailable', 'no historian is configured');
  return deps.historian;
}
