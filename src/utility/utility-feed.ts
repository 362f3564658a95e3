import {
  interval,
  merge,
  Subject,
  type Observable,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import type { HeatPriceConfig } from '../config/utility';
import type { PointId } from '../domain/point-id';
import { isUsable } from '../domain/quality';
import type { Sample, SampleValue } from '../domain/sample';
import type { Component } from '../runtime/component';
import { heatPriceEurPerMWh, deliveryModeOfCode } from './heat-price';
import { HOUR_MS } from './plan';
import type { PlanStore } from './plan-store';
import type { PriceSeries } from './price-series';
import {
  UTILITY_DEVICE,
  UTILITY_POINTS,
  utilityPointId,
  type UtilityPointName,
} from './utility-points';

export interface UtilityFeedOptions {
  plans: Pick<PlanStore, 'hourAt' | 'status' | 'changes$'>;
  prices?: Pick<PriceSeries, 'at' | 'changes$'>;
  heatPrice: HeatPriceConfig;
  /** The points the price model reads (outdoor, delivery temperature, connection mode). */
  inputs: { outdoorTemp?: PointId; supplyTemp?: PointId; connectionMode?: PointId };
  /** The latest sample of a point (the app's latest values). */
  read: (id: PointId) => Sample | undefined;
  /** How often the points are published: the control cycle. */
  cycleMs: number;
  scheduler: SchedulerLike;
  /** The site's time zone, for the hours in `plan_status`. */
  timeZone: string;
}

/**
 * The utility as a device: an in-process adapter (like simulate's plant adapters) publishing what
 * the plan and the price series say for now, every control cycle and at once when a plan or a
 * price series arrives, so control follows a new plan from its next cycle. Its clock is the
 * scheduler's, so `simulate` runs it on virtual time. Read-only: nothing is written to it.
 * It has the shape of a `DeviceAdapter` (src/adapters/adapter.ts; not imported: the utility layer
 * sits beside the adapters, not above them).
 */
export class UtilityFeed implements Component {
  readonly name = UTILITY_DEVICE;
  private readonly subject = new Subject<Sample>();
  readonly samples$: Observable<Sample> = this.subject.asObservable();
  private readonly ids = new Set<PointId>(
    Object.keys(UTILITY_POINTS).map((n) => utilityPointId(n as UtilityPointName)),
  );
  /** The last good value of each point, carried by a bad sample (for display). */
  private readonly last = new Map<PointId, SampleValue>();
  private subscriptions: Subscription[] = [];
  private published = 0;

  constructor(private readonly opts: UtilityFeedOptions) {}

  start(): Promise<void> {
    this.publish();
    const changes: Observable<unknown>[] = [this.opts.plans.changes$];
    if (this.opts.prices) changes.push(this.opts.prices.changes$);
    this.subscriptions.push(
      interval(this.opts.cycleMs, this.opts.scheduler).subscribe(() => this.publish()),
      merge(...changes).subscribe(() => this.publish()),
    );
    return Promise.resolve();
  }

  stop(): Promise<void> {
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    this.subject.complete();
    return Promise.resolve();
  }

  details(): Record<string, unknown> {
    const status = this.opts.plans.status(this.opts.scheduler.now());
    return { plan: status.state, status: status.text, published: this.published };
  }

  owns(id: PointId): boolean {
    return this.ids.has(id);
  }

  write(id: PointId): Promise<void> {
    return Promise.reject(
      new Error(`${id} is read-only: the utility's points come from its plans`),
    );
  }

  /** Publishes every point for the current instant. */
  publish(): void {
    const t = this.opts.scheduler.now();
    for (const [name, value] of Object.entries(this.valuesAt(t))) {
      const id = utilityPointId(name as UtilityPointName);
      if (value !== undefined) this.last.set(id, value);
      this.subject.next({
        id,
        value: value ?? this.last.get(id) ?? null,
        ts: t,
        receivedAt: t,
        quality: value === undefined ? 'bad' : 'good',
      });
    }
    this.published++;
  }

  /** What each point says at `t`; undefined: not known (published with quality bad). */
  valuesAt(t: number): Record<UtilityPointName, SampleValue | undefined> {
    const { plans, prices, inputs } = this.opts;
    const hour = plans.hourAt(t);
    const spot = prices?.at(t);
    const mode = deliveryModeOfCode(this.number(inputs.connectionMode));
    const heatPrice = heatPriceEurPerMWh(
      {
        // The plan's price wins; a price file's heat column (simulate) stands in for it.
        planPrice: hour?.priceEurPerMWh ?? spot?.heatEurPerMWh,
        outdoorC: this.number(inputs.outdoorTemp),
        supplyC: this.number(inputs.supplyTemp),
        mode,
      },
      this.opts.heatPrice,
    );
    return {
      plan_active: hour !== undefined,
      plan_supply_temp: hour?.supplyTempC,
      plan_next_supply_temp: plans.hourAt(t + HOUR_MS)?.supplyTempC,
      plan_capacity: hour?.capacityKw,
      delivery_required: hour?.mode === 'on-demand',
      heat_price: heatPrice,
      electricity_price: spot?.electricityEurPerMWh,
      plan_status: hour
        ? `plan from ${hour.source} for ${this.hhmm(hour.start)}–${this.hhmm(hour.start + HOUR_MS)} (${hour.mode})`
        : plans.status(t).text,
    };
  }

  private number(id: PointId | undefined): number | undefined {
    if (!id) return undefined;
    const s = this.opts.read(id);
    return s && isUsable(s.quality) && typeof s.value === 'number' && Number.isFinite(s.value)
      ? s.value
      : undefined;
  }

  /**
   * One formatter for the feed's life: it runs every cycle, and a new Intl.DateTimeFormat each time
   * cost a simulated year hours and gigabytes of native (ICU) memory the GC frees late.
   */
  private clockFormat: Intl.DateTimeFormat | undefined;

  private hhmm(ms: number): string {
    this.clockFormat ??= new Intl.DateTimeFormat('en-GB', {
      timeZone: this.opts.timeZone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    return this.clockFormat.format(ms);
  }
}
