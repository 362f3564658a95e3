import { z } from 'zod';
import type { Unit } from '../domain/units';
import {
  ALWAYS,
  durationMs,
  finiteNumber,
  intBetween,
  isFiniteNumber,
  pointRefSchema,
} from './common';
import type { Env } from './secret';
import { pollSourceSchema } from './utility';

/**
 * The `heatSignal` section (issue 23): what the heat signal for the data center's schedulers is
 * computed from: the IT power it learns the site's IT heat from, the network's acceptance and the
 * dry coolers' capacity by outdoor temperature, an hourly outdoor-temperature forecast, and the
 * flexible share of the IT load with its bounds. HeatBridge only advises: it never controls IT load.
 * The outdoor and source temperatures and the heat pumps' capacity default to what the controllers
 * name (src/signals/heat-forecast.ts resolves them), so they stay optional here.
 */

const positive = finiteNumber.positive({ error: 'expected a number > 0' });
const atLeastZero = finiteNumber.min(0, { error: 'expected a number ≥ 0' });

/** A point of a curve over outdoor temperature: the kW there. */
const curvePointSchema = z.strictObject({ outdoorC: finiteNumber, kw: atLeastZero });

/** At least two points, outdoor temperatures strictly increasing (the curve is interpolated). */
function outdoorCurveSchema() {
  return z
    .array(curvePointSchema)
    .min(2, { error: 'expected at least two curve points' })
    .superRefine((curve, ctx) => {
      for (let i = 1; i < curve.length; i++) {
        const prev = (curve[i - 1] as { outdoorC?: unknown } | undefined)?.outdoorC;
        const cur = (curve[i] as { outdoorC?: unknown } | undefined)?.outdoorC;
        if (isFiniteNumber(prev) && isFiniteNumber(cur) && cur <= prev)
          ctx.addIssue({
            code: 'custom',
            path: [i, 'outdoorC'],
            message: `outdoor temperatures must be strictly increasing (${cur} after ${prev})`,
          });
      }
    }, ALWAYS);
}

export const HEAT_SIGNAL_DEFAULTS = {
  horizonHours: 36,
  recoverableShare: 1,
  marginPct: 10,
  maxAgeMs: 12 * 3600 * 1000,
  deadlineHour: 6,
  stateFile: 'data/heat-signal.json',
} as const;

/** The flexible (deferrable) share of the IT load: what the recommended profile may move. */
export const flexibleLoadSchema = z
  .strictObject({
    /** The flexible work's lowest and highest power, kW of IT load. */
    minKw: atLeastZero,
    maxKw: positive,
    /** The most the flexible power may change from one hour to the next, kW. */
    rampKwPerH: positive,
    /** The energy a day's deferrable work needs, kWh: every day's profile holds exactly this. */
    dailyEnergyKwh: atLeastZero,
    /** Site-time hour by which a day's work is done; a day runs from it to it. */
    deadlineHour: intBetween(0, 23, 'an hour from 0 to 23').default(
      HEAT_SIGNAL_DEFAULTS.deadlineHour,
    ),
  })
  .superRefine((f, ctx) => {
    const { minKw, maxKw, dailyEnergyKwh: energy } = f as Partial<Record<string, unknown>>;
    const min = isFiniteNumber(minKw) ? minKw : undefined;
    const max = isFiniteNumber(maxKw) ? maxKw : undefined;
    if (min !== undefined && max !== undefined && min > max)
      ctx.addIssue({
        code: 'custom',
        path: ['maxKw'],
        message: `maxKw ${max} is below minKw ${min}`,
      });
    if (!isFiniteNumber(energy)) return;
    // A day has 24 hours between bounds: outside [min × 24, max × 24] no profile holds the energy.
    if (max !== undefined && energy > max * 24)
      ctx.addIssue({
        code: 'custom',
        path: ['dailyEnergyKwh'],
        message: `${energy} kWh a day needs more than maxKw × 24 h = ${max * 24} kWh: no profile within the bounds does the work`,
      });
    if (min !== undefined && energy < min * 24)
      ctx.addIssue({
        code: 'custom',
        path: ['dailyEnergyKwh'],
        message: `${energy} kWh a day is less than minKw × 24 h = ${min * 24} kWh: the flexible work never runs below minKw`,
      });
  }, ALWAYS);

export function heatSignalSchema(env: Env) {
  return z.strictObject({
    /** Hours forecast ahead. */
    horizonHours: intBetween(24, 48, 'a number of hours from 24 to 48').default(
      HEAT_SIGNAL_DEFAULTS.horizonHours,
    ),
    /** The IT power measured, kW: the forecast learns the site's IT heat by hour of day from it. */
    itPower: pointRefSchema,
    /** The flexible work's own power, kW: the IT heat is learned without it. (optional) */
    flexiblePower: pointRefSchema.optional(),
    /** Outdoor temperature now, °C. (default: the supply-setpoint controller's outdoorTemp) */
    outdoorTemp: pointRefSchema.optional(),
    /** The heat pumps' evaporator inlet, °C, for the COP. (default: dispatch's heat pumps') */
    sourceTemp: pointRefSchema.optional(),
    /** Share of the IT heat the liquid loop carries to the heat pumps. */
    recoverableShare: finiteNumber
      .gt(0, { error: 'expected a share above 0, at most 1' })
      .max(1, { error: 'expected a share above 0, at most 1' })
      .default(HEAT_SIGNAL_DEFAULTS.recoverableShare),
    /** The heat pumps' heat at full load, kW. (default: the sum of dispatch's capacityKw) */
    heatPumpCapacityKw: positive.optional(),
    /**
     * How the heat pumps' full-load heat falls with the lift, from their data sheet: % of the
     * capacity per K of supply above `referenceSupplyC` and per K of source below
     * `referenceSourceC` (and rises the other way), never below `minShare`. (absent: the capacity
     * at every lift)
     */
    heatPumpDerating: z
      .strictObject({
        referenceSupplyC: finiteNumber,
        referenceSourceC: finiteNumber,
        pctPerKSupply: atLeastZero,
        pctPerKSource: atLeastZero,
        minShare: atLeastZero.max(1).default(0.5),
      })
      .optional(),
    /** The network's acceptance by outdoor temperature, and its shape over the site's day. */
    acceptance: z.strictObject({
      curve: outdoorCurveSchema(),
      /** 24 factors, one per site hour from 0: the curve × the hour's factor. (absent: all 1) */
      hourFactors: z
        .array(atLeastZero)
        .length(24, { error: 'expected 24 factors, one per hour of the day from 0' })
        .optional(),
    }),
    /** The dry coolers' heat rejection with the heat pumps off, by outdoor temperature. */
    dryCoolers: z.strictObject({
      capacity: outdoorCurveSchema(),
      /** The signal keeps this share of the capacity free. */
      marginPct: finiteNumber
        .min(0, { error: 'expected a percentage from 0 to 90' })
        .max(90, { error: 'expected a percentage from 0 to 90' })
        .default(HEAT_SIGNAL_DEFAULTS.marginPct),
    }),
    /** Hourly outdoor temperatures ahead: a file and/or a polled HTTPS source. */
    outdoorForecast: z
      .strictObject({
        /** CSV `time,temperature_c` or JSON `{ hours: [{ time, temperatureC }] }`, by extension. */
        file: z.string().min(1).optional(),
        poll: pollSourceSchema(env).optional(),
        /** A forecast older than this (since it was read) counts as missing. */
        maxAgeMs: durationMs(60_000, 7 * 24 * 3600 * 1000).default(HEAT_SIGNAL_DEFAULTS.maxAgeMs),
      })
      .superRefine((f, ctx) => {
        if (f.file === undefined && f.poll === undefined)
          ctx.addIssue({
            code: 'custom',
            path: [],
            message:
              'expected file and/or poll: where the forecast comes from (leave outdoorForecast out for none: the signal is then neutral)',
          });
      }, ALWAYS)
      .optional(),
    flexible: flexibleLoadSchema,
    /** The learned IT profile (by hour of day), kept across restarts. */
    stateFile: z.string().min(1).default(HEAT_SIGNAL_DEFAULTS.stateFile),
  });
}

export type HeatSignalSection = z.output<ReturnType<typeof heatSignalSchema>>;

// The parsed section is the shared `HeatSignalConfig` (src/signals/heat-signal-types.ts, a
// layer above: test/unit/signals/heat-signal-config.test.ts checks the fit) plus the state file.

/**
 * The points of the in-process `signal` device and their units (src/signals/signal-points.ts
 * describes them): declared here so a site with a `heatSignal` section can name them in its
 * alarms and controllers, which the site's cross-check verifies.
 */
export const SIGNAL_POINT_UNITS = {
  recommended_flex_kw: 'kW',
  signal: 'ratio',
  signal_kw: 'kW',
  headroom_kw: 'kW',
  dumped_kw: 'kW',
  delivered_kw: 'kW',
  status: 'text',
} as const satisfies Record<string, Unit>;

/** Every point the section names, with its path under `heatSignal`, for the site's cross-check. */
export function heatSignalPointRefs(raw: unknown): { path: (string | number)[]; id: string }[] {
  const refs: { path: (string | number)[]; id: string }[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return refs;
  const r = raw as Record<string, unknown>;
  for (const key of ['itPower', 'flexiblePower', 'outdoorTemp', 'sourceTemp'])
    if (typeof r[key] === 'string') refs.push({ path: [key], id: r[key] });
  return refs;
}
