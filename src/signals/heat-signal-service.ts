import {
  interval,
  merge,
  Subject,
  type Observable,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import type { HeatSignalSection } from '../config/heat-signal';
import type { PointId } from '../domain/point-id';
import { isUsable } from '../domain/quality';
import type { Sample, SampleValue } from '../domain/sample';
import type { Logger } from '../log';
import type { Component, ComponentContext } from '../runtime/component';
import { readStateFile, StateFileWriter } from '../util/state-file';
import { siteTimeText } from '../util/site-time';
import { HOUR_MS } from '../utility/plan';
import type { PlanStore } from '../utility/plan-store';
import type { PriceSeries } from '../utility/price-series';
import { planForHour, type SiteHeatModel } from './heat-forecast';
import { computeHeatSignal, neutralSignal, windowStart } from './heat-signal';
import type { HeatSignal, HourInputs } from './heat-signal-types';
import { ItProfile } from './it-profile';
import type { OutdoorForecastStore } from './outdoor-forecast';
import { signalPointId, type SignalPointName } from './signal-points';

/** IT power unseen for longer than this makes the signal neutral (three recomputes). */
const IT_POWER_MAX_AGE_MS = 15 * 60_000;
/** The signal is recomputed this often (on the clock's 5-minute marks, so each hour starts fresh). */
export const RECOMPUTE_EVERY_MS = 5 * 60_000;

/** The points the service reads, resolved from the section and the controllers. */
export interface SignalInputs {
  itPower: PointId;
  flexiblePower?: PointId;
  outdoorTemp?: PointId;
  /** Evaporator inlets, in order of preference: the first usable one is the COP's source. */
  sourceTemps: PointId[];
}

export interface HeatSignalServiceOptions {
  config: HeatSignalSection;
  model: SiteHeatModel;
  inputs: SignalInputs;
  forecast: OutdoorForecastStore;
  /** The latest sample of a point (the app's latest values). */
  read: (id: PointId) => Sample | undefined;
  /** The utility's plans and prices, when the site has them: plan hours win over the curves. */
  plans?: Pick<PlanStore, 'hourAt' | 'changes$'>;
  prices?: Pick<PriceSeries, 'at' | 'changes$'>;
  /** How often the IT power is sampled into the profile: the control cycle. */
  cycleMs: number;
  scheduler: SchedulerLike;
  log: Logger;
  /** Where the learned IT profile is kept; absent: in memory only. */
  stateFile?: string;
  recomputeEveryMs?: number;
}

/** What the state file holds (version 1): the learned profile, the current window's work. */
interface SignalStateFile {
  version: 1;
  savedAt: string;
  profile: unknown;
  window?: { from: number; doneKwh: number; complete: boolean; lastAt: number };
}

/**
 * The heat signal, live: it learns the site's IT heat by hour of day from the IT power (every
 * control cycle), and from the learned profile, the outdoor forecast, the utility's plan and the
 * electricity prices computes the signal (src/signals/heat-signal.ts) at start, every 5 minutes
 * and whenever a forecast, plan or price series arrives. Without a usable forecast (none, too
 * old, not covering the current hour) or before the first IT power sample the signal is neutral,
 * with the reason: advice from a stale forecast is worse than none. HeatBridge only advises; the
 * schedulers read `current()` (through the API, the gauges, `heatbridge signal`).
 */
export class HeatSignalService implements Component {
  readonly name = 'heat signal';
  private readonly subject = new Subject<Sample>();
  /** The `signal/*` points, at each recompute. */
  readonly samples$: Observable<Sample> = this.subject.asObservable();
  private profile: ItProfile;
  private signal: HeatSignal;
  private subscriptions: Subscription[] = [];
  private timer: Subscription | undefined;
  private ctx: ComponentContext | undefined;
  private readonly writer: StateFileWriter | undefined;
  /** The last usable IT power (less the flexible power, when measured), kW. */
  private lastItKw: number | undefined;
  /** When the IT power was last usable: a signal on an IT load long unseen is not advice. */
  private lastItAt: number | undefined;
  /** The flexible work done in the current deadline window, when measured from its start. */
  private window: SignalStateFile['window'];
  private lastReason: string | undefined;
  private readonly last = new Map<PointId, SampleValue>();
  private computed = 0;
  private readonly every: number;
  private startedAt: number | undefined;

  constructor(private readonly opts: HeatSignalServiceOptions) {
    this.profile = new ItProfile(opts.model.timeZone, { samplesPerHour: HOUR_MS / opts.cycleMs });
    this.every = opts.recomputeEveryMs ?? RECOMPUTE_EVERY_MS;
    this.writer = opts.stateFile
      ? new StateFileWriter(opts.stateFile, 'the heat signal’s IT profile', opts.log)
      : undefined;
    this.signal = neutralSignal(opts.scheduler.now(), 'not started yet', opts.model);
  }

  /** The signal in force: what the API, the gauges and the CLI serve. */
  current(): HeatSignal {
    return this.signal;
  }

  /** The learned IT profile (for tests and details). */
  itProfile(): ItProfile {
    return this.profile;
  }

  start(ctx: ComponentContext): Promise<void> {
    this.ctx = ctx;
    this.restore();
    const { scheduler, cycleMs } = this.opts;
    const changes: Observable<unknown>[] = [this.opts.forecast.changes$];
    if (this.opts.plans) changes.push(this.opts.plans.changes$);
    if (this.opts.prices) changes.push(this.opts.prices.changes$);
    this.subscriptions = [
      merge(...changes).subscribe(() => this.recompute('new input')),
      interval(cycleMs, scheduler).subscribe(() => this.sampleIt()),
    ];
    this.recompute('start');
    this.scheduleRecompute();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.save();
    this.subject.complete();
    return Promise.resolve();
  }

  details(): Record<string, unknown> {
    const cover = this.opts.forecast.coverage();
    const tz = this.opts.model.timeZone;
    return {
      status: this.signal.status,
      ...(this.signal.reason ? { reason: this.signal.reason } : {}),
      learnedHours: this.profile.learnedHours(),
      computed: this.computed,
      ...(cover
        ? {
            forecast: `${cover.hours} h, ${siteTimeText(cover.from, tz)} – ${siteTimeText(cover.to, tz)}`,
          }
        : {}),
      ...(this.writer ? { state: this.writer.details() } : {}),
    };
  }

  /** Computes the signal for now and publishes its points. */
  recompute(why: string): HeatSignal {
    const now = this.opts.scheduler.now();
    const { model } = this.opts;
    const problem = this.neutralReason(now);
    let signal: HeatSignal;
    let fault = problem?.fault ?? false;
    try {
      const hours = this.hourInputs(now);
      signal = problem
        ? neutralSignal(now, problem.reason, model, hours)
        : computeHeatSignal(
            {
              now,
              hours,
              sourceC: this.firstUsable(this.opts.inputs.sourceTemps),
              ...this.flexNow(now),
              notes: this.notes(now),
            },
            model,
          );
    } catch (err) {
      // Advice is never worth a crash: a bug or an odd input gives a neutral signal, said why.
      signal = neutralSignal(
        now,
        `the heat signal could not be computed: ${(err as Error).message}`,
        model,
      );
      fault = true;
    }
    this.signal = signal;
    this.computed++;
    this.publish(signal, now);
    this.logOutcome(signal, why, fault);
    this.save();
    return signal;
  }

  /**
   * Why the signal must be neutral now, with the times; undefined when it can be computed.
   * `fault`: something configured does not work (a forecast source that delivers nothing usable),
   * reported degraded; a site without a forecast source, or a start before the first IT power,
   * is neutral without a fault.
   */
  private neutralReason(now: number): { reason: string; fault: boolean } | undefined {
    const { config, model } = this.opts;
    if (!config.outdoorForecast)
      return {
        reason: 'no outdoor-temperature forecast is configured (heatSignal.outdoorForecast)',
        fault: false,
      };
    const p = this.opts.forecast.problemAt(now, config.outdoorForecast.maxAgeMs, model.timeZone);
    if (p) return { reason: p.reason, fault: true };
    if (this.lastItKw === undefined)
      return {
        reason: `no IT power yet from ${this.opts.inputs.flexiblePower ? `${this.opts.inputs.itPower} and ${this.opts.inputs.flexiblePower}` : this.opts.inputs.itPower} (waiting since ${siteTimeText(this.startedAt ?? now, model.timeZone)})`,
        fault: false,
      };
    if (this.lastItAt !== undefined && now - this.lastItAt > IT_POWER_MAX_AGE_MS)
      return {
        reason: `no usable IT power from ${this.opts.inputs.itPower} since ${siteTimeText(this.lastItAt, model.timeZone)}`,
        fault: true,
      };
    return undefined;
  }

  /** The horizon's hours: forecast, plan, price, learned IT heat, baseline flexible power. */
  private hourInputs(now: number): HourInputs[] {
    const { model, forecast, plans, prices, inputs } = this.opts;
    const first = Math.floor(now / HOUR_MS) * HOUR_MS;
    const baseline = model.flexible.dailyEnergyKwh / 24;
    const outdoorNow = inputs.outdoorTemp ? this.usable(inputs.outdoorTemp) : undefined;
    const hours: HourInputs[] = [];
    for (let i = 0; i < model.horizonHours; i++) {
      const start = first + i * HOUR_MS;
      const plan = planForHour(plans, start);
      // The current hour's outdoor temperature is measured, when it is: the dry coolers' limit
      // is the one at the temperature outside now, not the forecast's.
      const outdoorC =
        i === 0 && forecast.at(start) !== undefined
          ? (outdoorNow ?? forecast.at(start))
          : forecast.at(start);
      hours.push({
        start,
        outdoorC,
        ...(plan ? { plan } : {}),
        electricityPrice: prices?.at(start)?.electricityEurPerMWh,
        inflexibleItKw: this.inflexibleKw(start, baseline),
        baselineFlexKw: baseline,
      });
    }
    return hours;
  }

  /**
   * The IT heat without the flexible work at `t`: the learned profile's hour, else the IT power
   * now. Without a measured flexible power the profile learned the whole IT load, the flexible
   * work running as it did: its baseline is taken off.
   */
  private inflexibleKw(t: number, baseline: number): number {
    const learned = this.profile.forecast(t) ?? this.lastItKw ?? 0;
    const kw = this.opts.inputs.flexiblePower ? learned : learned - baseline;
    return Math.max(kw, 0);
  }

  /** The flexible power now and the current window's remaining work, when measured. */
  private flexNow(now: number): { currentFlexKw?: number; currentWindowRemainingKwh?: number } {
    const id = this.opts.inputs.flexiblePower;
    if (!id) return {};
    const kw = this.usable(id);
    const w = this.window;
    const from = windowStart(now, this.opts.model.flexible.deadlineHour, this.opts.model.timeZone);
    return {
      ...(kw !== undefined ? { currentFlexKw: kw } : {}),
      ...(w && w.complete && w.from === from
        ? {
            currentWindowRemainingKwh: Math.max(
              this.opts.model.flexible.dailyEnergyKwh - w.doneKwh,
              0,
            ),
          }
        : {}),
    };
  }

  private notes(now: number): string[] {
    const notes: string[] = [];
    const learned = this.profile.learnedHours();
    if (learned < 24)
      notes.push(
        `IT profile still learning: ${learned} of 24 hours learned; the others assume the IT power now`,
      );
    if (!this.opts.plans) notes.push('no utility plans on this site: the curves are used');
    else if (!this.opts.plans.hourAt(now))
      notes.push(
        planForHour(this.opts.plans, now)
          ? "no utility plan for the current hour: the same hour's plan a day earlier is used"
          : 'no utility plan for the current hour: the curves are used',
      );
    if (!this.opts.inputs.flexiblePower)
      notes.push(
        'no flexiblePower point: the IT heat is learned with the flexible work in it, taken as running at its baseline; once a scheduler follows the signal, give flexiblePower',
      );
    return notes;
  }

  /** Each control cycle: the IT power into the profile, the flexible work into its window. */
  private sampleIt(): void {
    const now = this.opts.scheduler.now();
    const { itPower, flexiblePower } = this.opts.inputs;
    const it = this.usable(itPower);
    const flex = flexiblePower ? this.usable(flexiblePower) : undefined;
    if (flexiblePower) this.countWork(now, flex);
    if (it === undefined || (flexiblePower && flex === undefined)) return;
    const first = this.lastItKw === undefined;
    const kw = Math.max(it - (flex ?? 0), 0);
    this.lastItKw = kw;
    this.lastItAt = now;
    this.profile.add(now, kw);
    // The first IT power ends a neutral "no IT power yet" at once, not at the next recompute.
    if (first) this.recompute('first IT power');
  }

  /**
   * The flexible energy done in the current deadline window, integrated per cycle. Counted only
   * when followed from the window's start (a gap of more than a few cycles, a restart after one,
   * leaves the window's figure unknown until the next one): a partial count would tell the
   * profile work is left that was done.
   */
  private countWork(now: number, kw: number | undefined): void {
    const { deadlineHour } = this.opts.model.flexible;
    const from = windowStart(now, deadlineHour, this.opts.model.timeZone);
    const gapOk = (w: NonNullable<typeof this.window>): boolean =>
      now - w.lastAt <= 5 * this.opts.cycleMs;
    let w = this.window;
    if (!w || w.from !== from) {
      // A new window: complete when the last cycle was in the previous one, moments ago.
      w = { from, doneKwh: 0, complete: w !== undefined && gapOk(w), lastAt: now };
      this.window = w;
      return;
    }
    if (!gapOk(w) || kw === undefined) w.complete = false;
    else w.doneKwh += (kw * (now - w.lastAt)) / HOUR_MS;
    w.lastAt = now;
  }

  private publish(signal: HeatSignal, now: number): void {
    const head = signal.hours[0];
    const values: Record<SignalPointName, SampleValue | undefined> = {
      recommended_flex_kw: signal.current.recommendedFlexKw,
      signal: signal.current.signal,
      signal_kw: signal.current.signalKw,
      headroom_kw: signal.current.headroomItKw,
      dumped_kw: head?.dumpedKw,
      delivered_kw: head?.deliveredKw,
      status: signal.status,
    };
    for (const [name, value] of Object.entries(values)) {
      const id = signalPointId(name as SignalPointName);
      const good =
        typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
      if (good) this.last.set(id, value);
      this.subject.next({
        id,
        value: good ? value : (this.last.get(id) ?? null),
        ts: now,
        receivedAt: now,
        quality: good ? 'good' : 'bad',
      });
    }
  }

  /** A line when the status or the reason changes; degraded while a configured forecast fails. */
  private logOutcome(signal: HeatSignal, why: string, fault: boolean): void {
    const { log } = this.opts;
    const reason = signal.status === 'ok' ? undefined : (signal.reason ?? 'neutral');
    const c = signal.current;
    log.debug(
      { why, status: signal.status, signal: c.signal, recommendedFlexKw: c.recommendedFlexKw },
      `heat signal recomputed (${why}): ${signal.status}`,
    );
    if (reason === this.lastReason && this.computed > 1) return;
    this.lastReason = reason;
    if (reason === undefined) {
      log.info(
        { signal: c.signal, recommendedFlexKw: c.recommendedFlexKw, notes: signal.notes },
        `heat signal ok: recommended flexible load ${c.recommendedFlexKw.toFixed(0)} kW this hour (signal ${c.signal.toFixed(2)})`,
      );
      this.ctx?.report('running');
      return;
    }
    if (fault) {
      log.warn({ reason }, `heat signal neutral: ${reason}`);
      this.ctx?.report('degraded', reason);
    } else {
      log.info({ reason }, `heat signal neutral: ${reason}`);
      this.ctx?.report('running');
    }
  }

  private scheduleRecompute(): void {
    const now = this.opts.scheduler.now();
    const delay = this.every - (now % this.every) || this.every;
    this.timer = this.opts.scheduler.schedule(() => {
      // Re-armed first: whatever the recompute does, the next one comes.
      this.scheduleRecompute();
      this.recompute('every 5 min');
    }, delay);
  }

  private restore(): void {
    const now = this.opts.scheduler.now();
    this.startedAt = now;
    const file = this.opts.stateFile;
    if (!file) return;
    const read = readStateFile(file, (text) => JSON.parse(text) as SignalStateFile, now);
    if (!read.found) {
      this.opts.log.info(`heat signal: no IT profile saved in ${file}; learning from now`);
      return;
    }
    if ('error' in read) {
      this.opts.log.warn(
        `heat signal: the IT profile in ${file} cannot be read (${read.error})${read.setAsideAs ? `, set aside as ${read.setAsideAs}` : ''}; learning from now`,
      );
      return;
    }
    this.profile = ItProfile.fromJSON(this.opts.model.timeZone, read.value.profile, {
      samplesPerHour: HOUR_MS / this.opts.cycleMs,
    });
    const w = read.value.window;
    if (
      w &&
      [w.from, w.doneKwh, w.lastAt].every((v) => typeof v === 'number' && Number.isFinite(v))
    )
      this.window = { ...w, complete: w.complete === true };
    this.opts.log.info(
      `heat signal: IT profile restored from ${file} (${this.profile.learnedHours()} of 24 hours learned)`,
    );
  }

  private save(): void {
    if (!this.writer) return;
    const now = this.opts.scheduler.now();
    const state: SignalStateFile = {
      version: 1,
      savedAt: new Date(now).toISOString(),
      profile: this.profile.toJSON(),
      ...(this.window ? { window: this.window } : {}),
    };
    this.writer.write(`${JSON.stringify(state, null, 2)}\n`, now, (s, m) => this.ctx?.report(s, m));
  }

  private usable(id: PointId): number | undefined {
    const s = this.opts.read(id);
    return s && isUsable(s.quality) && typeof s.value === 'number' && Number.isFinite(s.value)
      ? s.value
      : undefined;
  }

  private firstUsable(ids: readonly PointId[]): number | undefined {
    for (const id of ids) {
      const v = this.usable(id);
      if (v !== undefined) return v;
    }
    return undefined;
  }
}
