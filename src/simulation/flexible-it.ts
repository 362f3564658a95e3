import { siteDate, siteHour } from '../util/site-time';
import { HOUR_MS } from '../utility/plan';
import { monthStart } from '../utility/value';
import type { PlanStore } from '../utility/plan-store';
import type { PriceSeries as SpotSeries } from '../utility/price-series';
import { planForHour, type SiteHeatModel } from '../signals/heat-forecast';
import { computeHeatSignal, windowStart } from '../signals/heat-signal';
import type { HeatSignal, HourInputs } from '../signals/heat-signal-types';
import { ItProfile } from '../signals/it-profile';
import { meanExpectedItKw, type PlantParams, type Simulation } from '../../simulators';

/**
 * `simulate --flexible-it PCT` (issue 23 item 5): a share of the hall's IT load follows the heat
 * signal, hour by hour, with the same compute energy per deadline window as the fixed load; and
 * the meter both runs of the comparison share.
 */

/** What one run measured for the comparison, kWh unless named. */
export interface FlexFigures {
  months: {
    month: string;
    itKwh: number;
    dumpedKwh: number;
    deliveredKwh: number;
  }[];
  /** IT energy per deadline window (site day from the deadline hour), by the window's start. */
  windowItKwh: Map<number, number>;
  peakItKw: number;
  peakLiquidKw: number;
  peakDryCoolerKw: number;
  /** Per site hour of day: the flexible work's mean power followed and at its baseline, kW. */
  byHour: { followedKw: number; baselineKw: number; hours: number }[];
  /** The flexible work's energy per window: what it needed and what ran, kWh. */
  flexWindows: { from: number; neededKwh: number; ranKwh: number }[];
  /** Hours the signal was neutral (no forecast), and hours it was computed. */
  neutralHours: number;
  signalHours: number;
}

export function emptyFlexFigures(): FlexFigures {
  return {
    months: [],
    windowItKwh: new Map(),
    peakItKw: 0,
    peakLiquidKw: 0,
    peakDryCoolerKw: 0,
    byHour: Array.from({ length: 24 }, () => ({ followedKw: 0, baselineKw: 0, hours: 0 })),
    flexWindows: [],
    neutralHours: 0,
    signalHours: 0,
  };
}

/** Meters a run step by step: energy by month and window, the peaks the cooling sees. */
export class FlexMeter {
  readonly figures = emptyFlexFigures();
  private monthEnd = -Infinity;

  constructor(
    private readonly timeZone: string,
    private readonly deadlineHour: number,
  ) {}

  /** After a plant step of `dtS` seconds. */
  sample(sim: Simulation, dtS: number): void {
    const s = sim.state;
    const f = this.figures;
    const h = dtS / 3600;
    // The step ended at s.t: its energy is the month's that holds its last instant.
    if (s.t - 1 >= this.monthEnd) {
      const start = monthStart(s.t - 1, this.timeZone);
      f.months.push({
        month: siteDate(start, this.timeZone).slice(0, 7),
        itKwh: 0,
        dumpedKwh: 0,
        deliveredKwh: 0,
      });
      this.monthEnd = monthStart(start + 40 * 24 * HOUR_MS, this.timeZone);
    }
    const m = f.months.at(-1)!;
    m.itKwh += s.itKw * h;
    m.dumpedKwh += s.drycoolerKw * h;
    m.deliveredKwh += s.deliveredKw * h;
    const w = windowStart(s.t - 1, this.deadlineHour, this.timeZone);
    f.windowItKwh.set(w, (f.windowItKwh.get(w) ?? 0) + s.itKw * h);
    f.peakItKw = Math.max(f.peakItKw, s.itKw);
    f.peakLiquidKw = Math.max(f.peakLiquidKw, s.liquidKw);
    f.peakDryCoolerKw = Math.max(f.peakDryCoolerKw, s.drycoolerKw);
  }
}

export interface FlexibleItOptions {
  /** Share of the expected IT load that follows the signal, 0..1. */
  share: number;
  /** The run's end: the last window ends there, so no work is left for after it. */
  end: number;
  /** Plant steps per hour (the IT profile learns from each; default 720, a 5 s cycle). */
  samplesPerHour?: number;
  /** The site's heat model, its flexible bounds scaled to the share (`flexibleBounds`). */
  model: SiteHeatModel;
}

/**
 * The flexible load's bounds for a share of the hall's load: at least a quarter of its average
 * (some of it cannot wait), at most twice its average (the batch cluster's size), changing by at
 * most half its average per hour; the site's deadline hour.
 */
export function flexibleBounds(
  share: number,
  params: PlantParams,
  deadlineHour: number,
): SiteHeatModel['flexible'] {
  const avg = share * params.hall.itNominalKw;
  return {
    minKw: 0.25 * avg,
    maxKw: 2 * avg,
    rampKwPerH: 0.5 * avg,
    dailyEnergyKwh: 24 * avg,
    deadlineHour,
  };
}

export interface FlexSources {
  sim: Simulation;
  plans?: Pick<PlanStore, 'hourAt'>;
  prices?: Pick<SpotSeries, 'at'>;
}

/**
 * Drives the flexible work: at every hour it computes the heat signal the live service would
 * (the same `computeHeatSignal`) from what the site knows then — the weather series as the
 * outdoor forecast, the plans published so far, the electricity prices, the IT profile learned
 * from the run — and runs the recommended power for the hour. Each window's energy is kept: the
 * signal is told what is left of the current one.
 */
export class FlexibleItDriver {
  private readonly profile: ItProfile;
  private previous: HeatSignal | undefined;
  private kw: number | undefined;
  private window: { from: number; neededKwh: number; ranKwh: number } | undefined;

  constructor(
    private readonly opts: FlexibleItOptions,
    private readonly src: FlexSources,
    private readonly figures: FlexFigures,
  ) {
    this.profile = new ItProfile(opts.model.timeZone, {
      ...(opts.samplesPerHour ? { samplesPerHour: opts.samplesPerHour } : {}),
    });
  }

  /** After every plant step: the IT profile learns the load without the flexible work. */
  sample(): void {
    const s = this.src.sim.state;
    if (this.kw === undefined) return;
    this.profile.add(s.t, s.itKw - this.kw);
  }

  /** At the start of every hour (and at the run's start): the hour's flexible power. */
  hour(now: number): void {
    const { model, share } = this.opts;
    const { sim } = this.src;
    const params = sim.params;
    const tz = model.timeZone;
    const hourStart = Math.floor(now / HOUR_MS) * HOUR_MS;
    // The run's last cycle may reach past its end: nothing is left to plan there.
    if (hourStart >= this.opts.end) return;
    const baselineAt = (t: number): number => share * meanExpectedItKw(t, t + HOUR_MS, params);
    const winFrom = windowStart(hourStart, model.flexible.deadlineHour, tz);
    if (this.window?.from !== winFrom) {
      // The window's energy: the flexible share of the expected load over its hours.
      // From now: the run may start inside a window.
      let needed = 0;
      let t = hourStart;
      do {
        needed += baselineAt(t);
        t += HOUR_MS;
      } while (t < this.opts.end && windowStart(t, model.flexible.deadlineHour, tz) === winFrom);
      // Counted as it runs: the figures hold the window itself.
      this.window = { from: winFrom, neededKwh: needed, ranKwh: 0 };
      this.figures.flexWindows.push(this.window);
      // Work the last window left undone (or did ahead) is not carried: each window is kept.
    }
    const s = sim.state;
    const nowInflexible = s.itKw - (this.kw ?? baselineAt(hourStart));
    const hours: HourInputs[] = [];
    const horizon = Math.min(model.horizonHours, Math.ceil((this.opts.end - hourStart) / HOUR_MS));
    for (let i = 0; i < horizon; i++) {
      const t = hourStart + i * HOUR_MS;
      const plan = planForHour(this.src.plans, t);
      const price = this.src.prices?.at(t);
      hours.push({
        start: t,
        outdoorC: sim.outdoorAt(t + HOUR_MS / 2),
        ...(plan ? { plan } : {}),
        electricityPrice: price?.electricityEurPerMWh,
        inflexibleItKw: this.profile.forecast(t) ?? nowInflexible,
        baselineFlexKw: baselineAt(t),
      });
    }
    const remaining = this.window.neededKwh - this.window.ranKwh;
    const signal = computeHeatSignal(
      {
        now: hourStart,
        hours,
        sourceC: s.hotC,
        currentFlexKw: this.kw ?? hours[0]!.baselineFlexKw,
        currentWindowRemainingKwh: remaining,
        ...(this.previous ? { previous: this.previous } : {}),
      },
      model,
    );
    this.previous = signal;
    const f = this.figures;
    if (signal.status === 'neutral') f.neutralHours += 1;
    else f.signalHours += 1;
    // The last hour of a window runs what is left (the deadline), within the bounds and the dry
    // coolers' limit: safety before the energy balance, which the report then shows.
    const next = hourStart + HOUR_MS;
    const last =
      next >= this.opts.end || windowStart(next, model.flexible.deadlineHour, tz) !== winFrom;
    const head = signal.hours[0];
    const cap = Math.min(
      model.flexible.maxKw,
      head ? head.coolingLimitItKw - hours[0]!.inflexibleItKw : Infinity,
    );
    const kw = last
      ? Math.min(Math.max(remaining, 0), Math.max(cap, 0))
      : signal.current.recommendedFlexKw;
    this.kw = kw;
    this.window.ranKwh += kw;
    sim.flexibleIt = { share, kw };
    const slot = f.byHour[siteHour(hourStart, tz)]!;
    slot.followedKw += kw;
    slot.baselineKw += hours[0]!.baselineFlexKw;
    slot.hours += 1;
  }
}
