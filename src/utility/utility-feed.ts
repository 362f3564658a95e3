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
  SCADA_ACTIVE,
  SCADA_REQUEST_NAMES,
  scadaPointId,
  scadaRequestOf,
  type ScadaRequests,
} from './scada-requests';
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
  /**
   * The SCADA's live requests (northbound.requests, issue 24): written to this device through the
   * write guard; each wins over the plan's hour for its field while it is in force.
   */
  scada?: ScadaRequests;
}

/**
 * The utility as a device: an in-process adapter (like simulate's plant adapters) publishing what
 * the plan and the price series say for now, every control cycle and at once when a plan or a
 * price series arrives, so control follows a new plan from its next cycle. Its clock is the
 * scheduler's, so `simulate` runs it on virtual time. Only the SCADA's requests are written to it
 * (through the write guard); the plan's points are read-only.
 * It has the shape of a `DeviceAdapter` (src/adapters/adapter.ts; not imported: the utility layer
 * sits beside the adapters, not above them).
 */
export class UtilityFeed implements Component {
  readonly name = UTILITY_DEVICE;
  private readonly subject = new Subject<Sample>();
  readonly samples$: Observable<Sample> = this.subject.asObservable();
  private readonly ids: Set<PointId>;
  /** The last good value of each point, carried by a bad sample (for display). */
  private readonly last = new Map<PointId, SampleValue>();
  private subscriptions: Subscription[] = [];
  private published = 0;

  constructor(private readonly opts: UtilityFeedOptions) {
    this.ids = new Set<PointId>(
      Object.keys(UTILITY_POINTS).map((n) => utilityPointId(n as UtilityPointName)),
    );
    if (opts.scada) {
      for (const n of SCADA_REQUEST_NAMES) this.ids.add(scadaPointId(n));
      this.ids.add(scadaPointId(SCADA_ACTIVE));
    }
  }

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

  /**
   * Takes a SCADA request (the write guard has checked and clamped it): in force from now, and
   * published at once so control follows it from its next cycle.
   */
  write(id: PointId, value: SampleValue): Promise<void> {
    const name = scadaRequestOf(id);
    if (!name || !this.opts.scada)
      return Promise.reject(
        new Error(`${id} is read-only: the utility's points come from its plans`),
      );
    this.opts.scada.set(name, value, this.opts.scheduler.now());
    this.publish();
    return Promise.resolve();
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
    const scada = this.opts.scada?.active(t);
    if (scada) {
      for (const name of SCADA_REQUEST_NAMES) {
        const r = scada.get(name);
        this.subject.next({
          id: scadaPointId(name),
          value: r?.value ?? null,
          ts: r?.renewedAt ?? t,
          receivedAt: t,
          quality: r ? 'good' : 'bad',
        });
      }
      this.subject.next({
        id: scadaPointId(SCADA_ACTIVE),
        value: scada.size > 0,
        ts: t,
        receivedAt: t,
        quality: 'good',
      });
    }
    this.published++;
  }

  /** What each point says at `t`; undefined: not known (published with quality bad). */
  valuesAt(t: number): Record<UtilityPointName, SampleValue | undefined> {
    const { plans, prices, inputs } = this.opts;
    const hour = plans.hourAt(t);
    const spot = prices?.at(t);
    // The SCADA's requests in force win over the plan's hour, field by field.
    const scada = this.opts.scada?.active(t);
    const req = (name: Parameters<ScadaRequests['value']>[0]): SampleValue | undefined =>
      scada?.get(name)?.value;
    const reqSupply = asNumber(req('scada_supply_temp'));
    const reqCapacity = asNumber(req('scada_capacity'));
    const reqPrice = asNumber(req('scada_price'));
    const reqRequired = req('scada_delivery_required');
    const mode = deliveryModeOfCode(this.number(inputs.connectionMode));
    const heatPrice = heatPriceEurPerMWh(
      {
        // The plan's price wins; a price file's heat column (simulate) stands in for it.
        planPrice: reqPrice ?? hour?.priceEurPerMWh ?? spot?.heatEurPerMWh,
        outdoorC: this.number(inputs.outdoorTemp),
        supplyC: this.number(inputs.supplyTemp),
        mode,
      },
      this.opts.heatPrice,
    );
    const status = hour
      ? `plan from ${hour.source} for ${this.hhmm(hour.start)}–${this.hhmm(hour.start + HOUR_MS)} (${hour.mode})`
      : plans.status(t).text;
    return {
      plan_active: hour !== undefined || reqSupply !== undefined,
      plan_supply_temp: reqSupply ?? hour?.supplyTempC,
      // Anticipating the next hour would walk away from a live request.
      plan_next_supply_temp:
        reqSupply !== undefined ? undefined : plans.hourAt(t + HOUR_MS)?.supplyTempC,
      plan_capacity: reqCapacity ?? hour?.capacityKw,
      delivery_required:
        typeof reqRequired === 'boolean' ? reqRequired : hour?.mode === 'on-demand',
      heat_price: heatPrice,
      electricity_price: spot?.electricityEurPerMWh,
      plan_status:
        scada && scada.size > 0 ? `${this.scadaText(scada.values())}; under it: ${status}` : status,
    };
  }

  /** "SCADA requests 78 °C, 1200 kW until 14:05:30": what is in force and until when. */
  private scadaText(requests: Iterable<{ name: string; value: SampleValue; expiresAt: number }>) {
    const parts: string[] = [];
    let until = Infinity;
    for (const r of requests) {
      until = Math.min(until, r.expiresAt);
      parts.push(
        r.name === 'scada_supply_temp'
          ? `${String(r.value)} °C`
          : r.name === 'scada_capacity'
            ? `${String(r.value)} kW`
            : r.name === 'scada_price'
              ? `${String(r.value)} EUR/MWh`
              : r.value === true
                ? 'delivery required'
                : 'delivery not required',
      );
    }
    return `SCADA requests ${parts.join(', ')} (lapses at ${this.hhmmss(until)} unless renewed)`;
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

  private secondsFormat: Intl.DateTimeFormat | undefined;

  /** A request lapses within a minute or so: its time to the second. */
  private hhmmss(ms: number): string {
    this.secondsFormat ??= new Intl.DateTimeFormat('en-GB', {
      timeZone: this.opts.timeZone,
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    return this.secondsFormat.format(ms);
  }

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

function asNumber(v: SampleValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
