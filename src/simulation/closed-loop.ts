import type { SiteConfig } from '../config';
import { controllerPointRefs } from '../config/controllers';
import { buildPointDefs } from '../config/point-defs';
import type { PointDef } from '../domain/point';
import type { PointId } from '../domain/point-id';
import type { Quality } from '../domain/quality';
import type { SampleValue } from '../domain/sample';
import type { FaultSpec } from '../../simulators/faults';
import { DEMO_PARAMS, type PlantParams } from '../../simulators/model/params';
import { airTemperatures, cduTemperatures } from '../../simulators/model/plant';
import { Simulation } from '../../simulators/simulation';
import type { WeatherSource } from '../../simulators/weather';
import { cycleControllers, runCycle, type CycleResult, type CycleState } from '../control/cycle';
import {
  heartbeatStep,
  initialHeartbeat,
  type HeartbeatConfig,
  type HeartbeatState,
} from '../control/heartbeat';
import { ProcessImage, type ImageValue } from '../control/process-image';
import { decideWrite } from '../control/write-guard';
import { writeDue } from '../control/write-schedule';

/** Things that happen during a scenario, at a time from its start. */
export type ScenarioEvent =
  | { atS: number; kind: 'fault'; fault: FaultSpec }
  | { atS: number; kind: 'clear-faults' }
  /** The point's value stops arriving (HeatBridge sees it go stale) for `forS`. */
  | { atS: number; kind: 'stale'; point: string; forS: number }
  /** HeatBridge's heartbeats do not reach the PLC for `forS` (a network fault). */
  | { atS: number; kind: 'heartbeat-lost'; forS: number };

export interface ClosedLoopOptions {
  site: SiteConfig;
  weather: WeatherSource;
  start: number;
  seed?: number;
  params?: PlantParams;
  events?: readonly ScenarioEvent[];
  /** A timeline point averages this many seconds (for charts; default 300). */
  timelineEveryS?: number;
}

/**
 * A point of the timeline: the average over its interval (the highest CDU supply temperature
 * and the most heat pumps on), stamped at the interval's end, so a year on a chart shows what
 * happened between its points rather than one instant.
 */
export interface TimelinePoint {
  t: number;
  outdoorC: number;
  cduSupplyC: number;
  supplyC: number;
  setpointC: number | null;
  itKw: number;
  recoveredKw: number;
  deliveredKw: number;
  drycoolerKw: number;
  acceptanceKw: number;
  cop: number | null;
  heatPumpsOn: number;
}

/** An IT coolant temperature cooling safety guards, and the highest it really reached. */
export interface LimitWatch {
  point: string;
  limit: number;
  max: number;
}

export interface ClosedLoopResult {
  seconds: number;
  maxCduSupplyC: number;
  maxAirSupplyC: number;
  /** Every supply temperature of every cooling-safety controller, true values (no sensor faults). */
  limits: LimitWatch[];
  /** Control cycles with a heat pump in `running` mode, and those within ±2 K of the setpoint. */
  runningCycles: number;
  inBandCycles: number;
  starts: number[];
  shortCycles: number[];
  startInhibits: number[];
  trips: number;
  safetyCycles: number;
  plcSafeStateTrips: number;
  /** kWh: IT heat, heat into the liquid loop (physically recoverable), recovered by the evaporators, delivered to the network, reported recovered (derived point). */
  itHeatKwh: number;
  facilityKwh: number;
  recoverableKwh: number;
  recoveredKwh: number;
  deliveredKwh: number;
  reportedRecoveredKwh: number;
  hpElectricKwh: number;
  refusedWrites: number;
  timeline: TimelinePoint[];
}

/**
 * HeatBridge's control cycle against the plant model, in virtual time, without protocols: the
 * same controllers, the same arbitration and the same write-guard decisions as in a live site,
 * on the simulators' model. Used by `heatbridge simulate` and the closed-loop scenario tests.
 */
export class ClosedLoop {
  readonly sim: Simulation;
  private readonly defs: Map<PointId, PointDef>;
  private readonly keys = new Map<PointId, string>();
  private readonly controllers;
  private readonly heartbeat: HeartbeatConfig | undefined;
  private cycleState: CycleState = { controllers: {} };
  private hbState: HeartbeatState = initialHeartbeat();
  private readonly sent = new Map<PointId, { value: SampleValue; at: number }>();
  private readonly written = new Map<PointId, { value: number; at: number }>();
  private readonly stale = new Map<string, number>();
  private heartbeatLostUntil = 0;
  private events: ScenarioEvent[];
  private readonly cycleMs: number;
  private readonly t0: number;
  private readonly result: ClosedLoopResult;
  private nextTimeline = 0;
  private lastModes: string[] = [];
  private readonly bucket = new TimelineBucket();
  private readonly watched: { key: string; watch: LimitWatch }[] = [];
  lastCycle: CycleResult | undefined;

  constructor(private readonly opts: ClosedLoopOptions) {
    const cfg = opts.site.simulation;
    if (!cfg) throw new Error('the site has no simulation section');
    const params = opts.params ?? {
      ...DEMO_PARAMS,
      watchdog: { timeoutS: cfg.watchdogTimeoutMs / 1000 },
    };
    const protocolOf: Record<string, 'opcua' | 'modbus'> = {};
    for (const d of Object.keys(cfg.equipment)) protocolOf[d] = opts.site.devices[d]!.protocol;
    this.sim = new Simulation({
      params,
      weather: opts.weather,
      seed: opts.seed ?? cfg.seed,
      startTime: opts.start,
      equipmentOf: cfg.equipment,
      protocolOf,
    });
    this.defs = buildPointDefs(opts.site);
    // The image holds what the controllers name (reads and writes): reading all 70 points
    // every cycle would double a simulated year's run time for values no one looks at.
    const used = new Set(
      opts.site.control.controllers.flatMap((c) => controllerPointRefs(c).map((r) => r.id)),
    );
    for (const id of this.defs.keys()) {
      const key = this.sim.keyOf(id);
      if (key && used.has(id)) this.keys.set(id, key);
    }
    this.controllers = cycleControllers(opts.site.control.controllers);
    this.heartbeat = opts.site.control.controllers.find(
      (c): c is HeartbeatConfig => c.type === 'heartbeat',
    );
    this.cycleMs = opts.site.control.cycleMs;
    for (const c of opts.site.control.controllers) {
      if (c.type !== 'cooling-safety') continue;
      for (const t of c.supplyTemps) {
        const key = this.sim.keyOf(t.point);
        if (key !== undefined)
          this.watched.push({ key, watch: { point: t.point, limit: t.limit, max: -Infinity } });
      }
    }
    this.t0 = opts.start;
    this.events = [...(opts.events ?? [])].sort((a, b) => a.atS - b.atS);
    this.result = {
      seconds: 0,
      maxCduSupplyC: -Infinity,
      maxAirSupplyC: -Infinity,
      limits: [],
      runningCycles: 0,
      inBandCycles: 0,
      starts: [],
      shortCycles: [],
      startInhibits: [],
      trips: 0,
      safetyCycles: 0,
      plcSafeStateTrips: 0,
      itHeatKwh: 0,
      facilityKwh: 0,
      recoverableKwh: 0,
      recoveredKwh: 0,
      deliveredKwh: 0,
      reportedRecoveredKwh: 0,
      hpElectricKwh: 0,
      refusedWrites: 0,
      timeline: [],
    };
  }

  /** Runs `seconds` of simulated time; `progress` gets the share done now and then. */
  run(seconds: number, progress?: (done: number) => void): ClosedLoopResult {
    const dtS = this.cycleMs / 1000;
    const steps = Math.round(seconds / dtS);
    const energy0 = { ...this.sim.state.energy };
    const delivered0 = this.sim.state.counters.deliveredKwh;
    const facility0 = this.sim.state.counters.facilityKwh;
    const electric0 = this.sim.state.heatPumps.reduce((s, hp) => s + hp.electricKwh, 0);
    const trips0 = this.sim.state.watchdog.trips;
    const reportEvery = Math.max(1, Math.floor(steps / 200));
    for (let i = 0; i < steps; i++) {
      this.applyEvents();
      this.sim.advance(dtS);
      this.cycle();
      this.measure();
      if (progress && i % reportEvery === 0) progress(i / steps);
    }
    const s = this.sim.state;
    const r = this.result;
    r.seconds += steps * dtS;
    r.itHeatKwh += s.energy.itHeatKwh - energy0.itHeatKwh;
    r.recoverableKwh += (s.energy.itHeatKwh - energy0.itHeatKwh) * this.sim.params.hall.liquidShare;
    r.recoveredKwh += s.energy.recoveredKwh - energy0.recoveredKwh;
    r.deliveredKwh += s.counters.deliveredKwh - delivered0;
    r.facilityKwh += s.counters.facilityKwh - facility0;
    r.hpElectricKwh += s.heatPumps.reduce((sum, hp) => sum + hp.electricKwh, 0) - electric0;
    r.starts = s.heatPumps.map((hp) => hp.starts);
    r.shortCycles = s.heatPumps.map((hp) => hp.shortCycles);
    r.startInhibits = s.heatPumps.map((hp) => hp.startInhibits);
    r.plcSafeStateTrips += s.watchdog.trips - trips0;
    r.limits = this.watched.map((w) => ({ ...w.watch }));
    const reported = this.lastCycle?.derived.find((d) => d.id === 'derived/recovered_energy');
    r.reportedRecoveredKwh = reported?.value ?? 0;
    progress?.(1);
    return r;
  }

  private get elapsedS(): number {
    return (this.sim.now - this.t0) / 1000;
  }

  private applyEvents(): void {
    while (this.events.length > 0 && this.events[0]!.atS <= this.elapsedS) {
      const e = this.events.shift()!;
      if (e.kind === 'fault') this.sim.addFault(e.fault);
      else if (e.kind === 'clear-faults') this.sim.clearFaults();
      else if (e.kind === 'stale') this.stale.set(e.point, this.sim.now + e.forS * 1000);
      else this.heartbeatLostUntil = this.sim.now + e.forS * 1000;
    }
  }

  private image(now: number): ProcessImage {
    const values = new Map<PointId, ImageValue>();
    for (const [id, key] of this.keys) {
      let value: SampleValue | undefined;
      let quality: Quality = 'good';
      const m = this.sim.read(key);
      if (m) {
        value = m.value;
        if (m.bad) quality = 'bad';
      } else {
        value = this.sim.readCommand(key);
      }
      if (value === undefined) continue;
      if ((this.stale.get(id) ?? 0) > now) quality = 'stale';
      values.set(id, { value, quality, ts: now, receivedAt: now });
    }
    return new ProcessImage(values, now);
  }

  private cycle(): void {
    const now = this.sim.now;
    const image = this.image(now);
    const out = runCycle(
      image,
      this.cycleState,
      this.controllers,
      { manual: new Set(this.opts.site.control.manual), overrides: [] },
      now,
    );
    this.cycleState = out.state;
    this.lastCycle = out;
    if (out.safetyActive) this.result.safetyCycles += 1;
    for (const cmd of out.commands) {
      if (!writeDue(cmd.value, this.sent.get(cmd.id), now, this.opts.site.control.refreshMs))
        continue;
      this.write(cmd.id, cmd.value, cmd.reason, now, cmd.safety);
    }
    if (this.heartbeat) {
      const hb = heartbeatStep(this.hbState, this.heartbeat, now, now, image);
      this.hbState = hb.state;
      if (now < this.heartbeatLostUntil) {
        // Beats that do not arrive do not count as flowing (as the live loop does on failures).
        this.hbState = { ...this.hbState, flowingSince: null };
      } else {
        for (const cmd of hb.commands) this.write(cmd.id, cmd.value, cmd.reason, now);
      }
    }
  }

  private write(
    id: PointId,
    value: SampleValue,
    reason: string,
    now: number,
    safety = false,
  ): void {
    const decision = decideWrite(
      { id, value, reason, actor: { kind: 'controller', name: 'closed-loop' }, safety },
      this.defs.get(id),
      {
        readOnly: false,
        reference: this.written.get(id),
        now,
      },
    );
    // What the device gets: a rate-limited value is due again next cycle (as in the live loop).
    this.sent.set(id, { value: decision.allow ? decision.value : value, at: now });
    if (!decision.allow) {
      this.result.refusedWrites += 1;
      return;
    }
    const key = this.keys.get(id);
    if (!key || !this.sim.write(key, decision.value as number | boolean).ok) {
      this.result.refusedWrites += 1;
      return;
    }
    if (typeof decision.value === 'number')
      this.written.set(id, { value: decision.value, at: now });
  }

  private measure(): void {
    const s = this.sim.state;
    const p = this.sim.params;
    const r = this.result;
    r.maxCduSupplyC = Math.max(r.maxCduSupplyC, cduTemperatures(s, p).supplyC);
    r.maxAirSupplyC = Math.max(r.maxAirSupplyC, airTemperatures(s, p).supplyC);
    for (const { key, watch } of this.watched) {
      const v = this.sim.trueValue(key);
      if (typeof v === 'number' && v > watch.max) watch.max = v;
    }
    s.heatPumps.forEach((hp, i) => {
      if (hp.mode === 'tripped' && this.lastModes[i] !== 'tripped') r.trips += 1;
    });
    this.lastModes = s.heatPumps.map((hp) => hp.mode);
    const running = s.heatPumps
      .map((hp, i) => ({ hp, i }))
      .filter(({ hp }) => hp.mode === 'running');
    const setpoints = running.map(({ i }) => this.sim.commands.heatPumps[i]!.condenserSetpointC);
    const setpoint =
      setpoints.length > 0 ? setpoints.reduce((a, b) => a + b, 0) / setpoints.length : null;
    if (setpoint !== null) {
      r.runningCycles += 1;
      if (Math.abs(s.condenserC - setpoint) <= 2) r.inBandCycles += 1;
    }
    const heat = s.heatPumps.reduce((a, hp) => a + hp.heatKw, 0);
    const el = s.heatPumps.reduce((a, hp) => a + hp.electricKw, 0);
    this.bucket.add({
      t: s.t,
      outdoorC: s.outdoorTempC,
      cduSupplyC: cduTemperatures(s, p).supplyC,
      supplyC: s.condenserC,
      setpointC: setpoint ?? this.sim.commands.heatPumps[0]?.condenserSetpointC ?? null,
      itKw: s.itKw,
      recoveredKw: s.heatPumps.reduce((a, hp) => a + hp.evapKw, 0),
      deliveredKw: s.deliveredKw,
      drycoolerKw: s.drycoolerKw + s.airKw,
      acceptanceKw: s.acceptanceKw,
      cop: el > 1 ? heat / el : null,
      heatPumpsOn: s.heatPumps.filter((hp) => hp.mode === 'running' || hp.mode === 'starting')
        .length,
    });
    if (this.elapsedS >= this.nextTimeline) {
      this.nextTimeline = this.elapsedS + (this.opts.timelineEveryS ?? 300);
      const point = this.bucket.take();
      if (point) r.timeline.push(point);
    }
  }
}

/** Averages cycles into one timeline point. */
class TimelineBucket {
  private n = 0;
  private sums: Record<string, number> = {};
  private copN = 0;
  private setpointN = 0;
  private last: TimelinePoint | undefined;
  private maxCdu = -Infinity;
  private maxOn = 0;

  add(p: TimelinePoint): void {
    this.n += 1;
    for (const key of MEAN_KEYS) this.sums[key] = (this.sums[key] ?? 0) + p[key];
    if (p.cop !== null) {
      this.sums.cop = (this.sums.cop ?? 0) + p.cop;
      this.copN += 1;
    }
    if (p.setpointC !== null) {
      this.sums.setpointC = (this.sums.setpointC ?? 0) + p.setpointC;
      this.setpointN += 1;
    }
    this.maxCdu = Math.max(this.maxCdu, p.cduSupplyC);
    this.maxOn = Math.max(this.maxOn, p.heatPumpsOn);
    this.last = p;
  }

  take(): TimelinePoint | undefined {
    if (this.n === 0 || !this.last) return undefined;
    const mean = (key: string): number => (this.sums[key] ?? 0) / this.n;
    const point: TimelinePoint = {
      t: this.last.t,
      outdoorC: mean('outdoorC'),
      cduSupplyC: this.maxCdu,
      supplyC: mean('supplyC'),
      setpointC: this.setpointN > 0 ? (this.sums.setpointC ?? 0) / this.setpointN : null,
      itKw: mean('itKw'),
      recoveredKw: mean('recoveredKw'),
      deliveredKw: mean('deliveredKw'),
      drycoolerKw: mean('drycoolerKw'),
      acceptanceKw: mean('acceptanceKw'),
      cop: this.copN > 0 ? (this.sums.cop ?? 0) / this.copN : null,
      heatPumpsOn: this.maxOn,
    };
    this.n = 0;
    this.sums = {};
    this.copN = 0;
    this.setpointN = 0;
    this.maxCdu = -Infinity;
    this.maxOn = 0;
    return point;
  }
}

const MEAN_KEYS = [
  'outdoorC',
  'supplyC',
  'itKw',
  'recoveredKw',
  'deliveredKw',
  'drycoolerKw',
  'acceptanceKw',
] as const;
