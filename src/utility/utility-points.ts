import type { SiteConfig } from '../config/site';
import type { UTILITY_POINT_UNITS } from '../config/utility';
import type { PointDef } from '../domain/point';
import { pointId, type PointId } from '../domain/point-id';

/**
 * The points of the in-process `utility` device: what the day-ahead plan and the price series
 * say for the current hour, published like a device's samples so control, the historian, the
 * page and Grafana read them the way they read any point.
 */
export const UTILITY_POINTS = {
  plan_active: {
    unit: 'bool',
    kind: 'status',
    description: 'A day-ahead plan covers the current hour',
  },
  plan_supply_temp: {
    unit: 'degC',
    kind: 'measurement',
    description: "The plan's requested delivery temperature this hour (bad: no plan)",
  },
  plan_next_supply_temp: {
    unit: 'degC',
    kind: 'measurement',
    description: "The plan's delivery temperature for the next hour (bad: the plan has none)",
  },
  plan_capacity: {
    unit: 'kW',
    kind: 'measurement',
    description: "The plan's requested capacity this hour (bad: none requested)",
  },
  delivery_required: {
    unit: 'bool',
    kind: 'status',
    description: 'This hour is on-demand: the contract requires delivering what is requested',
  },
  heat_price: {
    unit: 'EUR/MWh',
    kind: 'measurement',
    description:
      "What the utility pays for heat now: the plan's price, else the price model's, times the connection mode's share",
  },
  electricity_price: {
    unit: 'EUR/MWh',
    kind: 'measurement',
    description: 'The electricity spot price now (bad: the price series has none)',
  },
  plan_status: {
    unit: 'text',
    kind: 'status',
    description: 'Which plan the controller follows this hour, or why it runs on its supply curve',
  },
} as const satisfies {
  // The units the site's cross-check declares them with (src/config/utility.ts).
  [K in keyof typeof UTILITY_POINT_UNITS]: {
    unit: (typeof UTILITY_POINT_UNITS)[K];
    kind: PointDef['kind'];
    description: string;
  };
};

export type UtilityPointName = keyof typeof UTILITY_POINTS;

export const UTILITY_DEVICE = 'utility';

export function utilityPointId(name: UtilityPointName): PointId {
  return pointId(UTILITY_DEVICE, name);
}

/** The utility device's point definitions: published every control cycle. */
export function utilityPointDefs(site: Pick<SiteConfig, 'control'>): PointDef[] {
  const period = site.control.cycleMs;
  return Object.entries(UTILITY_POINTS).map(([name, p]) => ({
    id: pointId(UTILITY_DEVICE, name),
    device: UTILITY_DEVICE,
    name,
    unit: p.unit,
    kind: p.kind,
    access: 'r',
    historian: { mode: 'on-change', deadband: 0 },
    expectedPeriodMs: period,
    staleAfterMs: 3 * period,
    description: p.description,
  }));
}
