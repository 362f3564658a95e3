import { EMPTY, merge } from 'rxjs';
import { buildPointDefs } from '../config/point-defs';
import type { ControlLoop, CycleRecord } from '../control/control-loop';
import { controlPointDefs } from '../control/control-points';
import { wireControl } from '../control/control-wiring';
import type { WriteGuard } from '../control/write-guard';
import type { PointId } from '../domain/point-id';
import type { WriteOutcome } from '../domain/write-outcome';
import { createLogger, type Logger } from '../log';
import { LatestValues } from '../runtime/latest-values';
import { HEAT_PRICE_DEFAULTS } from '../config/utility';
import { HOUR_MS } from '../utility/plan';
import { heatKwOf, type Simulation } from '../../simulators';
import { NetworkMeter, type NetworkStep } from './network-meter';
import type { PriceSeries } from './price-series';
import { boundSetup, plantUnits } from './upper-bound';
import { UtilityPublisher } from './utility-publisher';
import { wireUtility, type UtilityWiring } from '../utility/utility-wiring';
import type { ContractMode } from '../utility/plan';
import { PlantCoupling, type PlantCouplingOptions } from './plant-coupling';
import { emptyResult, ScenarioMeter, type ClosedLoopResult } from './scenario-meter';
import { every, VirtualClock } from './virtual-clock';
import { FlexibleItDriver, FlexMeter, type FlexibleItOptions } from './flexible-it';

export type { ScenarioEvent } from './plant-coupling';
export type { ClosedLoopResult, LimitWatch, TimelinePoint } from './scenario-meter';
export type { NetworkFigures, NetworkResult } from './network-meter';

export interface ClosedLoopOptions extends Omit<PlantCouplingOptions, 'scheduler' | 'beforeStep'> {
  /** A timeline point averages this many seconds (for charts; default 300). */
  timelineEveryS?: number;
  /** Where the loop's own log lines go (default: nowhere; the figures say what happened). */
  log?: Logger;
  /** Hourly prices: the report then values the heat delivered and the electricity used. */
  prices?: PriceSeries;
  /** The contract mode of the plans the simulated utility publishes (default spot). */
  contractMode?: ContractMode;
  /**
   * Meter the run for heat-led computing (energy by month and deadline window, peaks), and with
   * `follow` let a share of the IT load follow the heat signal (`simulate --flexible-it`).
   */
  flex?: { deadlineHour: number; follow?: FlexibleItOptions };
}

/** A write as the devices saw it: for the equivalence of simulate and the live loop. */
export interface WriteTrace {
  at: number;
  id: PointId;
  value: WriteOutcome['command']['value'];
  status: WriteOutcome['status'];
}

/**
 * `heatbridge simulate`: the production control loop (`wireControl`: the site's cycle,
 * arbitration, write schedule with retries and back-off, write guard, heartbeat and overrides)
 * against the plant model, on a virtual-time scheduler. Only the plant coupling is simulation
 * code (`PlantCoupling`: in-process adapters that poll the model at each point's period and
 * answer writes after a latency, or fail them; the plant stepping once per control cycle).
 * Used by `heatbridge simulate` and the closed-loop scenario tests.
 */
const CP_WATER = 4.186;

export class ClosedLoop {
  readonly plant: PlantCoupling;
  readonly scheduler: VirtualClock;
  readonly control: ControlLoop;
  readonly writes: WriteGuard;
  /** Every write the loop sent or had refused, in order (kept when `traceWrites` is on). */
  readonly trace: WriteTrace[] = [];
  traceWrites = false;
  private readonly latest: LatestValues;
  /** The loop's own log lines (default: nowhere; the figures say what happened). */
  private readonly log: Logger;
  private readonly meter: ScenarioMeter;
  private readonly network: NetworkMeter;
  /** The site's `utility` device and the simulated utility publishing into it (with `utility:`). */
  readonly utility: UtilityWiring | undefined;
  private readonly publisher: UtilityPublisher | undefined;
  /** The step the network meter reads, filled in place. */
  private readonly step: NetworkStep;
  private readonly cycleMs: number;
  private readonly flexMeter: FlexMeter | undefined;
  private readonly flexDriver: FlexibleItDriver | undefined;
  private started = false;
  /** The plant has stepped since it was last scored. */
  private unscored = false;
  /** The end of the virtual time run so far. */
  private until: number;
  lastCycle: CycleRecord | undefined;

  constructor(private readonly opts: ClosedLoopOptions) {
    const { site } = opts;
    this.log = opts.log ?? createLogger({ level: 'silent' });
    // Virtual time in epoch milliseconds, as the loop's timestamps are on a site.
    this.scheduler = new VirtualClock(opts.start);
    this.until = opts.start;
    this.cycleMs = site.control.cycleMs;
    const defs = buildPointDefs(site);
    for (const d of controlPointDefs(site.control)) defs.set(d.id, d);
    this.plant = new PlantCoupling({
      ...opts,
      scheduler: this.scheduler,
      // Scored before the plant steps on: the cycle's writes have landed by then.
      beforeStep: () => {
        this.score();
        this.unscored = true;
      },
    });
    // The utility's plans and prices in memory, published by the simulated utility; the value
    // ledger (a file) is left out: the network meter values the run.
    this.utility = wireUtility({
      site: site.utility ? { ...site, utility: { ...site.utility, value: undefined } } : site,
      defs,
      read: (id) => this.latest.get(id),
      samples$: EMPTY,
      log: this.log,
      now: () => this.scheduler.now(),
      scheduler: this.scheduler,
      inMemory: true,
    });
    if (this.utility)
      this.publisher = new UtilityPublisher({
        scheduler: this.scheduler,
        timeZone: site.site.timezone,
        plans: this.utility.plans,
        ...(this.utility.prices ? { spot: this.utility.prices } : {}),
        ...(opts.network ? { network: opts.network } : {}),
        ...(opts.prices ? { prices: opts.prices } : {}),
        ...(opts.contractMode ? { mode: opts.contractMode } : {}),
      });
    const wiring = wireControl({
      site,
      defs,
      adapters: this.utility ? [...this.plant.adapters, this.utility.feed] : this.plant.adapters,
      // Read per cycle and per write, long after `latest` below exists.
      latest: { all: () => this.latest.all(), get: (id) => this.latest.get(id) },
      log: this.log,
      now: () => this.scheduler.now(),
      scheduler: this.scheduler,
    });
    this.control = wiring.control;
    this.writes = wiring.writes;
    this.latest = new LatestValues(
      merge(
        this.plant.samples$,
        this.control.samples$,
        this.utility ? this.utility.feed.samples$ : EMPTY,
      ),
    );
    this.network = new NetworkMeter(
      boundSetup(site),
      plantUnits(this.sim.params),
      site.site.timezone,
      opts.prices,
      site.utility?.heatPrice ?? HEAT_PRICE_DEFAULTS,
    );
    this.step = {
      t: 0,
      dtS: this.cycleMs / 1000,
      coolantKw: 0,
      evaporatorInC: 0,
      outdoorC: 0,
      network: { supplyC: 0, returnC: 0, acceptanceKw: 0 },
      deliveredKw: 0,
      hpElectricKw: 0,
      modeCode: 1,
    };
    this.meter = new ScenarioMeter(
      this.sim,
      emptyResult(),
      () => this.plant.elapsedS(),
      opts.timelineEveryS ?? 300,
      () => this.network.bound.kw,
    );
    if (opts.flex) {
      this.flexMeter = new FlexMeter(site.site.timezone, opts.flex.deadlineHour);
      if (opts.flex.follow)
        this.flexDriver = new FlexibleItDriver(
          { ...opts.flex.follow, samplesPerHour: HOUR_MS / this.cycleMs },
          {
            sim: this.sim,
            ...(this.utility ? { plans: this.utility.plans } : {}),
            ...(this.utility?.prices ? { prices: this.utility.prices } : {}),
          },
          this.flexMeter.figures,
        );
    }
    for (const c of site.control.controllers) {
      if (c.type !== 'cooling-safety') continue;
      for (const t of c.supplyTemps) this.meter.watch(t.point, t.limit);
    }
    this.writes.outcomes$.subscribe((o) => this.outcome(o));
    this.control.cycles$.subscribe((c) => {
      this.lastCycle = c;
      if (c.safetyActive) this.meter.result.safetyCycles += 1;
    });
  }

  get sim(): Simulation {
    return this.plant.sim;
  }

  /** Runs `seconds` of simulated time; `progress` gets the share done now and then. */
  run(seconds: number, progress?: (done: number) => void): ClosedLoopResult {
    this.start();
    const steps = Math.round(seconds / (this.cycleMs / 1000));
    const energy = this.energy();
    const from = this.until;
    this.until += steps * this.cycleMs;
    const slices = progress ? Math.min(200, Math.max(1, steps)) : 1;
    for (let i = 1; i <= slices; i++) {
      // The last slice runs up to the next plant step: the last cycle's writes land by then.
      const end =
        i === slices ? this.until + this.cycleMs - 1 : from + ((this.until - from) * i) / slices;
      this.scheduler.runUntil(end);
      progress?.(i / slices);
    }
    this.score();
    return this.account(steps, energy);
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.publisher?.start();
    // The utility device publishes from the adapters' instant on (control reads it 1 ms later).
    const feed = this.utility?.feed;
    if (feed) this.scheduler.schedule(() => void feed.start(), 1);
    this.plant.start(this.control, { log: this.log, report: () => {} });
    const driver = this.flexDriver;
    if (driver) {
      // After the plans and prices of the start are published (the feed starts at 1 ms).
      const now = this.scheduler.now();
      const firstHour = Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS;
      this.scheduler.schedule(() => driver.hour(this.scheduler.now()), 2);
      this.scheduler.schedule(() => {
        driver.hour(this.scheduler.now());
        every(this.scheduler, HOUR_MS, () => driver.hour(this.scheduler.now()));
      }, firstHour - now);
    }
  }

  /** Scores the plant once per step, after the control cycle and its writes. */
  private score(): void {
    if (this.unscored) {
      // The bound first: the timeline point of this step carries it.
      this.measureNetwork();
      this.meter.measure();
      this.flexMeter?.sample(this.sim, this.cycleMs / 1000);
      this.flexDriver?.sample();
    }
    this.unscored = false;
  }

  private measureNetwork(): void {
    const s = this.sim.state;
    const step = this.step;
    step.t = s.t;
    step.coolantKw = s.liquidKw;
    step.evaporatorInC = s.hotC;
    step.outdoorC = s.outdoorTempC;
    step.network.supplyC = s.requestedSupplyC;
    step.network.returnC = s.networkReturnC;
    step.network.acceptanceKw = this.networkAcceptanceKw();
    step.deliveredKw = s.deliveredKw;
    let el = 0;
    for (const hp of s.heatPumps) el += hp.electricKw;
    step.hpElectricKw = el;
    step.modeCode = s.connectionMode;
    this.network.measure(step);
  }

  /**
   * Heat the network took at its requested temperature in the step just made, kW. The plant's
   * state has the acceptance of the mode applied and the return line's at the contract's rise; the
   * network's flow follows from the latter (flow × share × c_p × rise), and its acceptance at the
   * request from the flow. Where the return allows no rise, the series' hour (or the applied
   * mode's acceptance) stands in.
   */
  private networkAcceptanceKw(): number {
    const s = this.sim.state;
    const d = this.sim.params.district;
    const rise = Math.min(Math.max(d.returnLine.maxC - s.networkReturnC, 0), d.returnLine.maxRiseK);
    if (rise > 0.01 && d.returnLine.flowShare > 0) {
      const flow = s.returnAcceptanceKw / (d.returnLine.flowShare * CP_WATER * rise);
      return flow * CP_WATER * Math.max(s.requestedSupplyC - s.networkReturnC, 0);
    }
    const series = this.sim.network;
    return series ? heatKwOf(series.hourAt(s.t - 1)) : s.acceptanceKw;
  }

  private outcome(o: WriteOutcome): void {
    const r = this.meter.result;
    if (o.status === 'rejected') r.refusedWrites += 1;
    if (o.status === 'failed') r.failedWrites += 1;
    if (this.traceWrites)
      this.trace.push({
        at: o.at,
        id: o.command.id,
        value: o.value ?? o.command.value,
        status: o.status,
      });
  }

  private energy() {
    const s = this.sim.state;
    return {
      it: s.energy.itHeatKwh,
      recovered: s.energy.recoveredKwh,
      delivered: s.counters.deliveredKwh,
      facility: s.counters.facilityKwh,
      electric: s.heatPumps.reduce((sum, hp) => sum + hp.electricKwh, 0),
      trips: s.watchdog.trips,
    };
  }

  private account(steps: number, e0: ReturnType<ClosedLoop['energy']>): ClosedLoopResult {
    const s = this.sim.state;
    const e = this.energy();
    const r = this.meter.result;
    r.seconds += (steps * this.cycleMs) / 1000;
    r.itHeatKwh += e.it - e0.it;
    r.recoverableKwh += (e.it - e0.it) * this.sim.params.hall.liquidShare;
    r.recoveredKwh += e.recovered - e0.recovered;
    r.deliveredKwh += e.delivered - e0.delivered;
    r.facilityKwh += e.facility - e0.facility;
    r.hpElectricKwh += e.electric - e0.electric;
    r.starts = s.heatPumps.map((hp) => hp.starts);
    r.shortCycles = s.heatPumps.map((hp) => hp.shortCycles);
    r.startInhibits = s.heatPumps.map((hp) => hp.startInhibits);
    r.plcSafeStateTrips += e.trips - e0.trips;
    r.limits = this.meter.watched.map((w) => ({ ...w.watch }));
    const reported = this.lastCycle?.derived.find((d) => d.id === 'derived/recovered_energy');
    r.reportedRecoveredKwh = reported?.value ?? 0;
    if (this.flexMeter) r.flex = this.flexMeter.figures;
    r.network = {
      setup: this.network.setup,
      priced: this.network.priced,
      months: this.network.months,
      total: this.network.total,
    };
    return r;
  }
}
