import type { z } from 'zod';
import type { PointDef } from '../domain/point';
import type { PointId } from '../domain/point-id';
import { atResolution } from '../domain/resolution';
import type { Sample } from '../domain/sample';
import { isoInZone } from '../util/site-time';
import { HOUR_MS, hourStart } from '../utility/plan';
import type { PlanStatus, PlanStore } from '../utility/plan-store';
import type { PriceSeries } from '../utility/price-series';
import type { ValueLedger } from '../utility/value-ledger';
import { pointValue } from './plant-view';
import type { utilitySchema } from './utility-schemas';

/** The utility side as the API sees it: the plans, and the spot prices when the site has them. */
export interface UtilityDeps {
  plans: Pick<PlanStore, 'accept' | 'hours' | 'status'>;
  prices?: Pick<PriceSeries, 'at' | 'entries'>;
}

/** What the API reads of the value ledger. */
export type ValueDeps = Pick<ValueLedger, 'buckets'>;

/** The mean spot price over the hour starting at `start` (quarter-hour series too). */
function hourPrice(prices: UtilityDeps['prices'], start: number): number | undefined {
  if (!prices) return undefined;
  const in_ = prices.entries(start, start + HOUR_MS);
  if (in_.length === 0) return prices.at(start)?.electricityEurPerMWh;
  return in_.reduce((sum, e) => sum + e.electricityEurPerMWh, 0) / in_.length;
}

/** `derived/connection_mode`'s codes (src/control/connection-mode.ts). */
const CONNECTION_MODE_NAMES = ['none', 'supply', 'return', 'top-up'] as const;

const UTILITY_POINTS = {
  planActive: 'utility/plan_active',
  planSupplyTemp: 'utility/plan_supply_temp',
  planCapacity: 'utility/plan_capacity',
  deliveryRequired: 'utility/delivery_required',
  heatPrice: 'utility/heat_price',
  electricityPrice: 'utility/electricity_price',
  planStatus: 'utility/plan_status',
} as const;

/** The hours shown around now: a day back (what was asked) and a day ahead (what will be). */
const SPAN_HOURS = 24;

export interface UtilityViewInputs {
  utility: UtilityDeps;
  defs: ReadonlyMap<PointId, PointDef>;
  latest: (id: PointId) => Sample | undefined;
  now: number;
  timeZone: string;
}

/** A plan's status with its times in the site's zone. */
export function statusInZone(s: PlanStatus, tz: string): z.infer<typeof utilitySchema>['status'] {
  return {
    state: s.state,
    text: s.text,
    ...(s.source !== undefined ? { source: s.source } : {}),
    ...(s.receivedAt !== undefined ? { receivedAt: isoInZone(s.receivedAt, tz) } : {}),
    ...(s.coversUntil !== undefined ? { coversUntil: isoInZone(s.coversUntil, tz) } : {}),
  };
}

/**
 * GET /api/utility: the plan's hours from a day back to a day ahead, its status, why the
 * controller falls back to its curve (when it does), the connection mode and prices now, and
 * the net value today and this month. Pure.
 */
export function utilityView(inp: UtilityViewInputs): z.infer<typeof utilitySchema> {
  const { utility, defs, now, timeZone: tz } = inp;
  const point = (id: string) =>
    defs.has(id as PointId) ? pointValue(id as PointId, defs, inp.latest, now, tz) : null;
  const current = hourStart(now);
  const from = current - SPAN_HOURS * HOUR_MS;
  const to = current + (SPAN_HOURS + 1) * HOUR_MS;
  const status = utility.plans.status(now);
  const mode = point('derived/connection_mode');
  const code = typeof mode?.value === 'number' ? mode.value : undefined;
  const price = (v: number | undefined): number | null =>
    v === undefined ? null : atResolution(v, { unit: 'EUR/MWh' });
  const scada = scadaView(point);
  return {
    at: isoInZone(now, tz),
    status: statusInZone(status, tz),
    fallback:
      status.state === 'active' || scada?.active === true
        ? null
        : // The store's text ends by naming the curve; said once, with what the curve follows.
          `${status.text.replace(/: supply curve$/, '')}: the supply curve sets the temperature (from the outdoor temperature, or the utility's live request)`,
    connection: {
      mode:
        code !== undefined && mode?.quality !== 'bad'
          ? (CONNECTION_MODE_NAMES[Math.round(code)] ?? null)
          : null,
      point: mode,
    },
    now: {
      planActive: point(UTILITY_POINTS.planActive),
      planSupplyTemp: point(UTILITY_POINTS.planSupplyTemp),
      planCapacity: point(UTILITY_POINTS.planCapacity),
      deliveryRequired: point(UTILITY_POINTS.deliveryRequired),
      heatPrice: point(UTILITY_POINTS.heatPrice),
      electricityPrice: point(UTILITY_POINTS.electricityPrice),
      planStatus: point(UTILITY_POINTS.planStatus),
    },
    value:
      defs.has('value/net_today' as PointId) || defs.has('value/net_month' as PointId)
        ? { netToday: point('value/net_today'), netMonth: point('value/net_month') }
        : null,
    scada,
    from: isoInZone(from, tz),
    to: isoInZone(to, tz),
    hours: utility.plans.hours(from, to).map((h) => ({
      start: isoInZone(h.start, tz),
      end: isoInZone(h.start + HOUR_MS, tz),
      priceEurPerMWh: price(h.priceEurPerMWh),
      supplyTempC:
        h.supplyTempC === undefined ? null : atResolution(h.supplyTempC, { unit: 'degC' }),
      capacityKw: h.capacityKw === undefined ? null : atResolution(h.capacityKw, { unit: 'kW' }),
      mode: h.mode,
      electricityPriceEurPerMWh: price(hourPrice(utility.prices, h.start)),
      current: h.start === current,
    })),
  };
}

/**
 * The SCADA's requests (northbound.requests), when the site has them: whether one is in force,
 * and what it asks (the first part of `utility/plan_status`, which says it and its lapse time).
 */
function scadaView(
  point: (id: string) => ReturnType<typeof pointValue> | null,
): z.infer<typeof utilitySchema>['scada'] {
  const active = point('utility/scada_active');
  if (!active) return null;
  const inForce = active.value === true && active.quality !== 'bad';
  const status = point(UTILITY_POINTS.planStatus)?.value;
  return {
    active: inForce,
    text: inForce && typeof status === 'string' ? status.split('; under it: ')[0]! : null,
    supplyTemp: point('utility/scada_supply_temp'),
    capacity: point('utility/scada_capacity'),
    price: point('utility/scada_price'),
    deliveryRequired: point('utility/scada_delivery_required'),
  };
}
