import { from, throwError, type ObservableInput, type SchedulerLike } from 'rxjs';
import type { DeviceAdapter } from '../adapters/adapter';
import type { SiteConfig } from '../config';
import type { PointDef } from '../domain/point';
import type { PointId } from '../domain/point-id';
import type { Sample, SampleValue } from '../domain/sample';
import type { Logger } from '../log';
import { ControlLoop } from './control-loop';
import { OperatorControls } from './operator';
import { WriteGuard } from './write-guard';

export interface ControlWiringOptions {
  site: SiteConfig;
  /** Every point HeatBridge knows. */
  defs: ReadonlyMap<PointId, PointDef>;
  /** The adapters that carry the site's points; each write goes to the one that owns the point. */
  adapters: readonly DeviceAdapter[];
  /** The latest sample of every point; read per cycle and per write, so it may be filled later. */
  latest: { all(): Iterable<Sample>; get(id: PointId): Sample | undefined };
  log: Logger;
  now: () => number;
  /** Ticks and time: real time on a site, virtual time in `heatbridge simulate` and tests. */
  scheduler?: SchedulerLike;
}

export interface ControlWiring {
  /** The only way to write to a device. */
  writes: WriteGuard;
  control: ControlLoop;
}

/**
 * The control loop and its write path, as a site runs them and as `heatbridge simulate` runs
 * them: one function, so that a scenario's figures are the figures of the loop a site runs
 * (cycle, arbitration, write schedule, retries and back-off, write guard, heartbeat, overrides).
 * Only what stands behind the adapters differs: devices on a site, the plant model in simulate.
 */
export function wireControl(opts: ControlWiringOptions): ControlWiring {
  const { site, defs, adapters, latest } = opts;
  const writes = new WriteGuard({
    defs,
    readOnly: site.site.readOnly,
    log: opts.log.child({ component: 'write-guard' }),
    now: opts.now,
    current: (id) => latest.get(id),
    send: (id, value) => route(adapters, id, value),
  });
  const control = new ControlLoop({
    control: site.control,
    defs,
    latest,
    write: (cmd) => writes.write$(cmd),
    operator: new OperatorControls(site.control.manual),
    ...(opts.scheduler ? { scheduler: opts.scheduler } : {}),
  });
  return { writes, control };
}

function route(
  adapters: readonly DeviceAdapter[],
  id: PointId,
  value: SampleValue,
): ObservableInput<void> {
  const adapter = adapters.find((a) => a.owns(id));
  // Failed at once, not in a microtask: in virtual time (simulate) no microtask runs until the
  // run returns, and the write would stay in flight all that while.
  if (!adapter)
    return throwError(() => new Error(`no adapter carries ${id} (is its device enabled?)`));
  return from(adapter.write(id, value));
}
