/**
 * A district-heating utility's day-ahead plan: hour by hour, what it pays for heat, the delivery
 * temperature and capacity it requests, and whether delivery is required. Utilities publish it
 * the day before (typically by 16:00 for the next day) from their outdoor-temperature forecast.
 */

/** `on-demand`: the contract requires delivering what is requested; `spot`: we may decline. */
export const CONTRACT_MODES = ['on-demand', 'spot'] as const;
export type ContractMode = (typeof CONTRACT_MODES)[number];

export interface PlanHour {
  /** Epoch ms of the hour's start (a whole UTC hour). */
  start: number;
  /** What the utility pays for heat this hour. */
  priceEurPerMWh?: number;
  /** The delivery temperature requested (may be above the heat pumps' reach, up to 130 °C). */
  supplyTempC?: number;
  /** The capacity requested. */
  capacityKw?: number;
  mode: ContractMode;
}

export interface DayAheadPlan {
  /** Where it came from: `file:config/plan.csv`, `poll:https://host/path`, `api:alice`. */
  source: string;
  /** When HeatBridge received it (epoch ms). */
  receivedAt: number;
  /** When the utility issued it, if the plan says. */
  issuedAt?: number;
  hours: PlanHour[];
}

export const HOUR_MS = 3_600_000;

/** The start of the (UTC-aligned) hour containing `t`. */
export function hourStart(t: number): number {
  return Math.floor(t / HOUR_MS) * HOUR_MS;
}

/** Limits a plan's values must keep: anything outside is a typo or a unit mix-up. */
export const PLAN_LIMITS = {
  priceEurPerMWh: { min: -1000, max: 10_000 },
  supplyTempC: { min: 20, max: 130 },
  capacityKw: { min: 0, max: 1_000_000 },
  /** At most 31 days of hours in one plan. */
  maxHours: 744,
} as const;
