import type { DeliveryMode, HeatPriceModel } from '../utility/heat-price';
import { heatPriceEurPerMWh } from '../utility/heat-price';
import { monthStart, nextBucketStart } from '../utility/value';
import { siteDate } from '../util/site-time';
import type { PriceSeries } from './price-series';
import {
  upperBound,
  type Bound,
  type BoundNetwork,
  type BoundSetup,
  type BoundUnits,
} from './upper-bound';

/** Energy delivered by connection mode, kWh (the substation's mode register in each step). */
export type EnergyByMode = Record<DeliveryMode, number>;

/** What a month (or the whole run) comes to against the upper bound, and its value. */
export interface NetworkFigures {
  /** `YYYY-MM` in the site's time zone, or `total`. */
  period: string;
  hours: number;
  upperBoundKwh: number;
  deliveredKwh: number;
  hpElectricKwh: number;
  deliveredByModeKwh: EnergyByMode;
  /** Upper bound by the mode that gives it. */
  upperBoundByModeKwh: EnergyByMode;
  /** Hours the network requested a supply temperature above the units' reach. */
  aboveReachHours: number;
  /** Bound in steps where it lies below one unit's minimum output (no unit can deliver it). */
  belowMinimumKwh: number;
  /** Heat delivered in those steps (left out of the share of the rest as well). */
  deliveredBelowMinimumKwh: number;
  /** With prices: revenue of the delivered heat, cost of the heat pumps' electricity, net. */
  revenueEur: number;
  costEur: number;
  netEur: number;
  /** Hours without an electricity price: their energy is counted, their value is not. */
  unpricedHours: number;
}

/** The run against its upper bound (and its value, with prices), per month and in total. */
export interface NetworkResult {
  setup: BoundSetup;
  priced: boolean;
  months: NetworkFigures[];
  total: NetworkFigures;
}

/** One step of the plant, as the meter reads it. */
export interface NetworkStep {
  /** End of the step, epoch ms (the plant's time after it). */
  t: number;
  dtS: number;
  coolantKw: number;
  evaporatorInC: number;
  outdoorC: number;
  network: BoundNetwork;
  deliveredKw: number;
  hpElectricKw: number;
  /** The substation's connection mode code: 0 none, 1 supply, 2 return, 3 top-up. */
  modeCode: number;
}

const MODES: readonly DeliveryMode[] = ['none', 'supply', 'return', 'top-up'];

export function emptyFigures(period: string): NetworkFigures {
  const byMode = (): EnergyByMode => ({ none: 0, supply: 0, return: 0, 'top-up': 0 });
  return {
    period,
    hours: 0,
    upperBoundKwh: 0,
    deliveredKwh: 0,
    hpElectricKwh: 0,
    deliveredByModeKwh: byMode(),
    upperBoundByModeKwh: byMode(),
    aboveReachHours: 0,
    belowMinimumKwh: 0,
    deliveredBelowMinimumKwh: 0,
    revenueEur: 0,
    costEur: 0,
    netEur: 0,
    unpricedHours: 0,
  };
}

/**
 * Scores each plant step against the upper bound (`upper-bound.ts`) and, given prices, values
 * it: per month of the site's calendar and over the run. Called once per plant step: it keeps
 * its figures in place and prices per hour (an hour's heat price is recomputed only when the
 * hour or the connection mode changes), so a simulated year adds no allocation per step.
 */
export class NetworkMeter {
  readonly months: NetworkFigures[] = [];
  readonly total = emptyFigures('total');
  /** The last step's bound, for the timeline. */
  readonly bound: Bound = { kw: 0, mode: 'none', aboveReach: false, belowMinimum: false };
  private month: NetworkFigures | undefined;
  private monthEnd = -Infinity;
  private priceHour = NaN;
  private priceMode = -1;
  private heatPrice = NaN;
  private elecPrice = NaN;

  constructor(
    readonly setup: BoundSetup,
    private readonly units: BoundUnits,
    private readonly timeZone: string,
    private readonly prices: PriceSeries | undefined,
    private readonly heatModel: HeatPriceModel,
  ) {}

  get priced(): boolean {
    return this.prices !== undefined;
  }

  measure(s: NetworkStep): void {
    // A step's energy belongs to the hour and month its middle falls in (`t` is its end).
    const at = s.t - s.dtS * 500;
    if (at >= this.monthEnd || !this.month) this.newMonth(at);
    const b = upperBound(
      this.bound,
      s.coolantKw,
      s.evaporatorInC,
      s.network,
      this.setup,
      this.units,
    );
    const h = s.dtS / 3600;
    const mode = MODES[s.modeCode] ?? 'supply';
    let revenue = 0;
    let cost = 0;
    let unpriced = 0;
    if (this.prices) {
      this.price(s, at, mode);
      if (Number.isNaN(this.elecPrice)) unpriced = h;
      else {
        cost = (s.hpElectricKw * h * this.elecPrice) / 1000;
        revenue = Number.isNaN(this.heatPrice) ? 0 : (s.deliveredKw * h * this.heatPrice) / 1000;
      }
    }
    this.add(this.month!, s, b, mode, h, revenue, cost, unpriced);
    this.add(this.total, s, b, mode, h, revenue, cost, unpriced);
  }

  private add(
    f: NetworkFigures,
    s: NetworkStep,
    b: Bound,
    mode: DeliveryMode,
    h: number,
    revenue: number,
    cost: number,
    unpriced: number,
  ): void {
    f.hours += h;
    f.upperBoundKwh += b.kw * h;
    if (b.mode !== 'none') f.upperBoundByModeKwh[b.mode] += b.kw * h;
    f.deliveredKwh += s.deliveredKw * h;
    f.deliveredByModeKwh[mode] += s.deliveredKw * h;
    f.hpElectricKwh += s.hpElectricKw * h;
    if (b.aboveReach) f.aboveReachHours += h;
    if (b.belowMinimum) {
      f.belowMinimumKwh += b.kw * h;
      f.deliveredBelowMinimumKwh += s.deliveredKw * h;
    }
    f.revenueEur += revenue;
    f.costEur += cost;
    f.netEur += revenue - cost;
    f.unpricedHours += unpriced;
  }

  private newMonth(t: number): void {
    const start = monthStart(t, this.timeZone);
    this.monthEnd = nextBucketStart('month', start, this.timeZone);
    this.month = emptyFigures(siteDate(start, this.timeZone).slice(0, 7));
    this.months.push(this.month);
  }

  /** The hour's prices, looked up when the hour or the mode changes. */
  private price(s: NetworkStep, at: number, mode: DeliveryMode): void {
    const hour = Math.floor(at / 3_600_000);
    if (hour === this.priceHour && s.modeCode === this.priceMode) return;
    const prices = this.prices!;
    if (hour !== this.priceHour) this.elecPrice = prices.electricityAt(at);
    this.priceHour = hour;
    this.priceMode = s.modeCode;
    const plan = prices.heatAt(at);
    this.heatPrice =
      heatPriceEurPerMWh(
        {
          planPrice: Number.isNaN(plan) ? undefined : plan,
          outdoorC: s.outdoorC,
          supplyC: s.network.supplyC,
          mode,
        },
        this.heatModel,
      ) ?? NaN;
  }
}
