import type { SchedulerLike, Subscription } from 'rxjs';
import type { ContractMode, PlanHour } from '../utility/plan';
import type { PlanStore } from '../utility/plan-store';
import type { PriceEntry, PriceSeries as SpotSeries } from '../utility/price-series';
import { dayStart } from '../utility/value';
import { heatKwOf, type NetworkSeries } from '../../simulators';
import type { PriceSeries } from './price-series';
import { every } from './virtual-clock';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The simulated utility publishes the next day's plan at this local hour (real ones by 16:00). */
const PUBLISH_AT_H = 14;

/** The start of the day after the one starting at `day` (23, 24 or 25 hours on). */
const nextDay = (day: number, timeZone: string): number => dayStart(day + 36 * HOUR_MS, timeZone);

export interface UtilityPublisherOptions {
  scheduler: SchedulerLike;
  timeZone: string;
  plans: Pick<PlanStore, 'accept'>;
  /** The feed's electricity price series, when the site has one. */
  spot?: Pick<SpotSeries, 'accept'>;
  network?: NetworkSeries;
  prices?: PriceSeries;
  /** The contract mode of every planned hour (default spot: we may decline). */
  mode?: ContractMode;
}

/**
 * The simulated utility (`simulate --network`): publishes day-ahead plans from the network series
 * (per hour the requested supply temperature, the capacity it takes and, from `--prices`, the
 * heat price; without a price there, the price model prices the hour) and the day-ahead
 * electricity prices, into the same plan store and price series a site's sources feed, on
 * virtual time: at the start today's (and tomorrow's after 14:00), then every day at 14:00 (site
 * time) the next day's. So control meets plans as it does on a site: arriving a day ahead, through the
 * `utility` device's points.
 */
export class UtilityPublisher {
  private subscription: Subscription | undefined;

  constructor(private readonly opts: UtilityPublisherOptions) {}

  start(): void {
    const { scheduler, timeZone } = this.opts;
    const now = scheduler.now();
    const today = dayStart(now, timeZone);
    // Today's plan came yesterday; tomorrow's is out already when the run starts after 14:00.
    this.publish(today, nextDay(today, timeZone));
    const at = today + PUBLISH_AT_H * HOUR_MS;
    if (now >= at) this.publishNext();
    this.subscription = scheduler.schedule(
      () => {
        this.publishNext();
        this.subscription = every(scheduler, DAY_MS, () => this.publishNext());
      },
      (now >= at ? at + DAY_MS : at) - now,
    );
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }

  /** Tomorrow's plan and prices. */
  private publishNext(): void {
    const { scheduler, timeZone } = this.opts;
    const tomorrow = nextDay(dayStart(scheduler.now(), timeZone), timeZone);
    this.publish(tomorrow, nextDay(tomorrow, timeZone));
  }

  /** The plan and prices for the hours in [from, to). */
  publish(from: number, to: number): void {
    const { network, prices, plans, spot } = this.opts;
    const now = this.opts.scheduler.now();
    const hours: PlanHour[] = [];
    const entries: PriceEntry[] = [];
    for (let t = Math.ceil(from / HOUR_MS) * HOUR_MS; t < to; t += HOUR_MS) {
      const heat = prices?.heatAt(t) ?? NaN;
      if (network) {
        const h = network.hourAt(t);
        hours.push({
          start: t,
          supplyTempC: h.supplyC,
          capacityKw: Math.round(heatKwOf(h)),
          ...(Number.isNaN(heat) ? {} : { priceEurPerMWh: heat }),
          mode: this.opts.mode ?? 'spot',
        });
      }
      const elec = prices?.electricityAt(t) ?? NaN;
      if (!Number.isNaN(elec))
        entries.push({
          start: t,
          electricityEurPerMWh: elec,
          ...(Number.isNaN(heat) ? {} : { heatEurPerMWh: heat }),
          stepMs: HOUR_MS,
        });
    }
    if (hours.length > 0) plans.accept({ source: 'simulate:network', receivedAt: now, hours });
    if (entries.length > 0) spot?.accept(entries);
  }
}
