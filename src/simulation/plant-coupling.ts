import { merge, type Observable, type SchedulerLike } from 'rxjs';
import type { SiteConfig } from '../config';
import { controllerPointRefs } from '../config/controllers';
import { buildPointDefs } from '../config/point-defs';
import { parsePointId, type PointId } from '../domain/point-id';
import type { Sample } from '../domain/sample';
import {
  DEMO_PARAMS,
  Simulation,
  type FaultSpec,
  type NetworkSeries,
  type PlantParams,
  type WeatherSource,
} from '../../simulators';
import { LinkFaults } from './link-faults';
import { PlantAdapter } from './plant-adapter';
import { every } from './virtual-clock';
import type { Component, ComponentContext } from '../runtime/component';

/** Things that happen during a scenario, at a time from its start. */
export type ScenarioEvent =
  | { atS: number; kind: 'fault'; fault: FaultSpec }
  | { atS: number; kind: 'clear-faults' }
  /**
   * The point's values (or, given a device name, all the device's values) stop arriving for
   * `forS`: HeatBridge sees them go stale once their stale window has passed.
   */
  | { atS: number; kind: 'stale'; point: string; forS: number }
  /** HeatBridge's heartbeats do not reach the PLC for `forS` (a network fault). */
  | { atS: number; kind: 'heartbeat-lost'; forS: number }
  /** The next `times` writes to the point fail: the device answers with an error. */
  | { atS: number; kind: 'write-fails'; point: string; times: number };

/** How long after the plant steps the adapters poll, and control runs. */
const ADAPTERS_AFTER_MS = 1;
const CONTROL_AFTER_MS = 2;

export interface PlantCouplingOptions {
  site: SiteConfig;
  weather: WeatherSource;
  start: number;
  scheduler: SchedulerLike;
  seed?: number;
  params?: PlantParams;
  events?: readonly ScenarioEvent[];
  /** How long a simulated device takes to answer a write (default 20 ms). */
  writeLatencyMs?: number;
  /** A measured (or generated) network in place of the model's built-in curves. */
  network?: NetworkSeries;
  /** Called before each plant step: the previous control cycle and its writes are done. */
  beforeStep?: () => void;
}

/**
 * What stands behind the adapters in `heatbridge simulate`, and nothing more: the plant model,
 * stepped once per control cycle, with the scenario's events applied at their time, and one
 * in-process adapter (`PlantAdapter`) per simulated device in place of the protocol adapters.
 * The control loop on top is the site's own (`wireControl` / `buildApp`).
 */
export class PlantCoupling {
  readonly sim: Simulation;
  readonly faults = new LinkFaults();
  readonly adapters: PlantAdapter[];
  private readonly heartbeatPoint: PointId | undefined;
  private events: ScenarioEvent[];

  constructor(private readonly opts: PlantCouplingOptions) {
    const { site } = opts;
    const cfg = site.simulation;
    if (!cfg) throw new Error('the site has no simulation section');
    const params = opts.params ?? {
      ...DEMO_PARAMS,
      watchdog: { timeoutS: cfg.watchdogTimeoutMs / 1000 },
    };
    const protocolOf: Record<string, 'opcua' | 'modbus'> = {};
    for (const d of Object.keys(cfg.equipment)) protocolOf[d] = site.devices[d]!.protocol;
    this.sim = new Simulation({
      params,
      weather: opts.weather,
      seed: opts.seed ?? cfg.seed,
      startTime: opts.start,
      equipmentOf: cfg.equipment,
      protocolOf,
      ...(opts.network ? { network: opts.network } : {}),
    });
    // The adapters poll what the controllers name (reads and writes): polling all 70 points
    // would double a simulated year's run time for values no one in simulate looks at.
    const defs = buildPointDefs(site);
    const used = new Set(
      site.control.controllers.flatMap((c) => controllerPointRefs(c).map((r) => r.id)),
    );
    this.adapters = Object.keys(cfg.equipment)
      .filter((device) => site.devices[device]?.enabled)
      .map(
        (device) =>
          new PlantAdapter({
            device,
            sim: this.sim,
            points: [...defs.values()].filter((d) => d.device === device && used.has(d.id)),
            scheduler: opts.scheduler,
            faults: this.faults,
            writeLatencyMs: opts.writeLatencyMs ?? 20,
          }),
      );
    this.heartbeatPoint = site.control.controllers.find((c) => c.type === 'heartbeat')?.point;
    this.events = [...(opts.events ?? [])].sort((a, b) => a.atS - b.atS);
  }

  /** Every sample the adapters read. */
  get samples$(): Observable<Sample> {
    return merge(...this.adapters.map((a) => a.samples$));
  }

  /**
   * Starts the plant stepping, the adapters polling and `control` running, each at instants of
   * its own: the plant steps at the start and every cycle after, the adapters poll from 1 ms
   * later, control runs from 2 ms later. So a cycle reads values polled from the plant just
   * stepped, 1 ms old, and its writes land well before the next step. (At one instant the
   * scheduler runs actions in the order they were last scheduled, which for periods of
   * different lengths is not the order they started in: hence no shared instants.)
   */
  start(control: Component, ctx: ComponentContext): void {
    const { scheduler, site } = this.opts;
    const cycleMs = site.control.cycleMs;
    every(scheduler, cycleMs, () => {
      this.opts.beforeStep?.();
      this.applyEvents();
      this.sim.advance(cycleMs / 1000);
    });
    scheduler.schedule(() => {
      for (const a of this.adapters) void a.start();
    }, ADAPTERS_AFTER_MS);
    // ControlLoop.start subscribes its timers at once (its promise is only for the supervisor).
    scheduler.schedule(() => void control.start(ctx), CONTROL_AFTER_MS);
  }

  /** Simulated seconds since the start. */
  elapsedS(): number {
    return (this.sim.now - this.opts.start) / 1000;
  }

  private applyEvents(): void {
    while (this.events.length > 0 && this.events[0]!.atS <= this.elapsedS()) {
      const e = this.events.shift()!;
      const until = (forS: number): number => this.sim.now + forS * 1000;
      if (e.kind === 'fault') this.sim.addFault(e.fault);
      else if (e.kind === 'clear-faults') this.sim.clearFaults();
      else if (e.kind === 'stale') this.faults.silence(e.point, until(e.forS));
      else if (e.kind === 'write-fails') this.faults.failWrites(parsePointId(e.point), e.times);
      else if (this.heartbeatPoint) this.faults.loseWrites(this.heartbeatPoint, until(e.forS));
    }
  }
}
