import { z } from 'zod';
import { durationMs, finiteNumber, pointRefSchema } from './common';
import { secretSchema, type Env } from './secret';
import type { Unit } from '../domain/units';

/**
 * The `utility` section: where the utility's day-ahead plans and the electricity spot prices come
 * from, the heat price model for hours without a plan price, and what the value ledger integrates.
 * Every part is optional: without a plan the controller runs on its supply curve, as before.
 */

/** A polled HTTPS source (plans or prices). The certificate is always verified. */
export function pollSourceSchema(env: Env) {
  return z.strictObject({
    url: z.url({ error: 'expected an https:// URL' }).refine((u) => u.startsWith('https://'), {
      error: 'expected an https:// URL (plans and prices are only fetched over TLS)',
    }),
    /** How often to fetch; errors back off from a tenth of this up to this. */
    everyMs: durationMs(10_000, 24 * 3600 * 1000).default(900_000),
    /** Sent as `Authorization: Bearer …`; never logged. */
    token: secretSchema(env).optional(),
    /** An extra CA (PEM) beside the system's, for a utility with its own CA. */
    caFile: z.string().min(1).optional(),
    /** A fetch that takes longer than this is abandoned (and retried with backoff). */
    timeoutMs: durationMs(1000, 300_000).default(30_000),
  });
}

export type PollSourceConfig = z.output<ReturnType<typeof pollSourceSchema>>;

export const HEAT_PRICE_DEFAULTS = {
  baseEurPerMWh: 30,
  referenceSupplyC: 75,
  eurPerKAboveReference: 0.4,
  referenceOutdoorC: 0,
  eurPerKColder: 0.3,
  returnLineFactor: 0.5,
  topUpFactor: 0.8,
} as const;

const share = finiteNumber
  .min(0, { error: 'expected a share from 0 to 1' })
  .max(1, { error: 'expected a share from 0 to 1' });

/**
 * What the utility pays for heat in an hour its plan gives no price for: a base price at reference
 * supply and outdoor temperatures, more for hotter delivery and colder weather (that is how heat
 * contracts price it), a share of it for return-line feed-in and for supply the utility tops up.
 */
export const heatPriceSchema = z.strictObject({
  baseEurPerMWh: finiteNumber.default(HEAT_PRICE_DEFAULTS.baseEurPerMWh),
  referenceSupplyC: finiteNumber.default(HEAT_PRICE_DEFAULTS.referenceSupplyC),
  eurPerKAboveReference: finiteNumber.default(HEAT_PRICE_DEFAULTS.eurPerKAboveReference),
  referenceOutdoorC: finiteNumber.default(HEAT_PRICE_DEFAULTS.referenceOutdoorC),
  eurPerKColder: finiteNumber.default(HEAT_PRICE_DEFAULTS.eurPerKColder),
  returnLineFactor: share.default(HEAT_PRICE_DEFAULTS.returnLineFactor),
  topUpFactor: share.default(HEAT_PRICE_DEFAULTS.topUpFactor),
  /** The model's outdoor temperature; default: the supply-setpoint controller's `outdoorTemp`. */
  outdoorTemp: pointRefSchema.optional(),
  /**
   * The delivery temperature the model prices; default: the supply-setpoint controller's
   * `measuredSupply`, else its first output (the setpoint).
   */
  supplyTemp: pointRefSchema.optional(),
});

export type HeatPriceConfig = z.output<typeof heatPriceSchema>;

/** The value ledger's inputs (H6's `src/utility/value-ledger.ts`). */
export const valueSchema = z.strictObject({
  /** Hour, day and month buckets kept across restarts. */
  stateFile: z.string().min(1).default('data/value.json'),
  /** kW at the utility's heat meter: the heat that is paid for. */
  deliveredHeat: pointRefSchema,
  /** The heat pumps' electric power, kW, summed: the electricity that is paid for. */
  electricPower: z.array(pointRefSchema).min(1, { error: 'expected at least one point' }),
});

export type ValueConfig = z.output<typeof valueSchema>;

export function utilitySchema(env: Env) {
  const poll = pollSourceSchema(env);
  return z.strictObject({
    /** Day-ahead plans. The API always accepts them; a file and a polled source are optional. */
    plan: z
      .strictObject({
        /** CSV or JSON by extension; read at start and whenever it changes. */
        file: z.string().min(1).optional(),
        poll: poll.optional(),
        /** Plans kept across restarts. */
        stateFile: z.string().min(1).default('data/utility-plan.json'),
      })
      .default({ stateFile: 'data/utility-plan.json' }),
    /** Day-ahead electricity spot prices for the heat pumps' electricity. */
    electricityPrices: z
      .strictObject({
        /** CSV `time,electricity_eur_per_mwh[,heat_eur_per_mwh]`. */
        file: z.string().min(1).optional(),
        poll: poll.optional(),
      })
      .optional(),
    heatPrice: heatPriceSchema.default({ ...HEAT_PRICE_DEFAULTS }),
    value: valueSchema.optional(),
  });
}

export type UtilityConfig = z.output<ReturnType<typeof utilitySchema>>;

/**
 * The points of the in-process `utility` device and their units (src/utility/utility-points.ts
 * describes them): declared here so that a site with a `utility` section can name them in its
 * controllers and alarms, which the site's cross-check verifies.
 */
export const UTILITY_POINT_UNITS = {
  plan_active: 'bool',
  plan_supply_temp: 'degC',
  plan_next_supply_temp: 'degC',
  plan_capacity: 'kW',
  delivery_required: 'bool',
  heat_price: 'EUR/MWh',
  electricity_price: 'EUR/MWh',
  plan_status: 'text',
} as const satisfies Record<string, Unit>;

/** Every point the section names, with its path under `utility`, for the site's cross-check. */
export function utilityPointRefs(raw: unknown): { path: (string | number)[]; id: string }[] {
  const refs: { path: (string | number)[]; id: string }[] = [];
  if (!isRecord(raw)) return refs;
  const add = (path: (string | number)[], v: unknown): void => {
    if (typeof v === 'string') refs.push({ path, id: v });
  };
  if (isRecord(raw.heatPrice)) {
    add(['heatPrice', 'outdoorTemp'], raw.heatPrice.outdoorTemp);
    add(['heatPrice', 'supplyTemp'], raw.heatPrice.supplyTemp);
  }
  if (isRecord(raw.value)) {
    add(['value', 'deliveredHeat'], raw.value.deliveredHeat);
    const ep: unknown[] = Array.isArray(raw.value.electricPower) ? raw.value.electricPower : [];
    ep.forEach((v, i) => add(['value', 'electricPower', i], v));
  }
  return refs;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
