import type { FlexFigures } from './flexible-it';
import { airTemperatures, cduTemperatures, type Simulation } from '../../simulators';
import type { NetworkResult } from './network-meter';

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
  /** The most heat that could have been delivered (`upper-bound.ts`), kW. */
  upperBoundKw: number;
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
  /**
   * Cycles with a unit running in supply-line mode, and those with the supply within ±1 K of the
   * request; the same for the cycles in which heat went into the supply line (feed-in: issue 22's
   * target). Running includes the warm-up after a start, when the substation takes nothing yet.
   */
  supplyLineCycles: number;
  supplyLineWithin1KCycles: number;
  feedInCycles: number;
  feedInWithin1KCycles: number;
  /** The most starts of one unit within one clock hour. */
  maxStartsPerHour: number;
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
  /** Writes the write guard refused, and writes that failed at the device (faults included). */
  refusedWrites: number;
  failedWrites: number;
  timeline: TimelinePoint[];
  /** Delivered heat against the upper bound, by connection mode, and value (with prices). */
  network?: NetworkResult;
  /** Heat-led computing's figures (`simulate --flexible-it`): both runs of the comparison. */
  flex?: FlexFigures;
}

export function emptyResult(): ClosedLoopResult {
  return {
    seconds: 0,
    maxCduSupplyC: -Infinity,
    maxAirSupplyC: -Infinity,
    limits: [],
    runningCycles: 0,
    inBandCycles: 0,
    supplyLineCycles: 0,
    supplyLineWithin1KCycles: 0,
    feedInCycles: 0,
    feedInWithin1KCycles: 0,
    maxStartsPerHour: 0,
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
    failedWrites: 0,
    timeline: [],
  };
}

/**
 * What a scenario is scored on, measured on the plant model's true state (no sensor faults)
 * once per control cycle: limits, setpoint tracking, trips, and the averaged timeline.
 */
export class ScenarioMeter {
  private nextTimeline = 0;
  private lastModes: string[] = [];
  /** The clock hour being counted, and each unit's starts counter at its beginning. */
  private startsHour = -1;
  private startsAtHour: number[] = [];
  private readonly bucket = new TimelineBucket();
  readonly watched: { key: string; watch: LimitWatch }[] = [];

  constructor(
    private readonly sim: Simulation,
    readonly result: ClosedLoopResult,
    private readonly elapsedS: () => number,
    private readonly timelineEveryS: number,
    /** The step's upper bound, kW, for the timeline. */
    private readonly upperBoundKw: () => number = () => 0,
  ) {}

  /** Watches an IT coolant supply temperature against its limit (cooling safety's). */
  watch(point: string, limit: number): void {
    const key = this.sim.keyOf(point);
    if (key !== undefined) this.watched.push({ key, watch: { point, limit, max: -Infinity } });
  }

  /** Scores the plant as it is now: after a control cycle and its writes. */
  measure(): void {
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
      // Supply-line feed-in (code 1): the request is what the network needs.
      if (s.connectionMode === 1) {
        const within = Math.abs(s.condenserC - s.requestedSupplyC) <= 1;
        r.supplyLineCycles += 1;
        if (within) r.supplyLineWithin1KCycles += 1;
        if (s.deliveredKw > 0) {
          r.feedInCycles += 1;
          if (within) r.feedInWithin1KCycles += 1;
        }
      }
    }
    const hour = Math.floor(s.t / 3_600_000);
    if (hour !== this.startsHour) {
      this.startsHour = hour;
      this.startsAtHour = s.heatPumps.map((hp) => hp.starts);
    }
    s.heatPumps.forEach((hp, i) => {
      r.maxStartsPerHour = Math.max(r.maxStartsPerHour, hp.starts - (this.startsAtHour[i] ?? 0));
    });
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
      upperBoundKw: this.upperBoundKw(),
      cop: el > 1 ? heat / el : null,
      heatPumpsOn: s.heatPumps.filter((hp) => hp.mode === 'running' || hp.mode === 'starting')
        .length,
    });
    if (this.elapsedS() >= this.nextTimeline) {
      this.nextTimeline = this.elapsedS() + this.timelineEveryS;
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
      upperBoundKw: mean('upperBoundKw'),
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
  'upperBoundKw',
] as const;
