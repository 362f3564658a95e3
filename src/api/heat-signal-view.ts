import { z } from 'zod';
import { atResolution } from '../domain/resolution';
import type { Unit } from '../domain/units';
import {
  FORECAST_BASES,
  type ForecastHour,
  type HeatSignal,
  type Recommendation,
} from '../signals/heat-signal-types';
import { isoInZone } from '../util/site-time';

/**
 * The heat signal as `GET /api/signals/heat` serves it (issue 23): the `HeatSignal` the live
 * service computes, with its times as ISO 8601 in the site's zone (as every answer of the API:
 * a scheduler's script reads the site's hour from the text, a program still gets one instant)
 * and its figures at their unit's resolution (kW to 0.1, money to the cent, the signal to 0.001).
 */

/** The most hours a signal covers (heatSignal.horizonHours is 24–48). */
export const MAX_SIGNAL_HOURS = 48;

const num = z.number();
const orNull = z.number().nullable();

const hourSchema = z
  .object({
    start: z.string().meta({ description: 'The hour’s start, ISO 8601 with the site’s offset' }),
    outdoorC: num.meta({ description: 'Outdoor temperature forecast, °C' }),
    basis: z.enum(FORECAST_BASES).meta({
      description:
        'plan: the utility’s day-ahead plan gives the network’s figures; plan-day-before: beyond the published plan, the same hour’s plan a day (or two) earlier; model: the supply and acceptance curves',
    }),
    supplyC: num.meta({
      description: 'Supply temperature the network wants, °C (≤ what the heat pumps reach)',
    }),
    acceptanceKw: num.meta({ description: 'Heat the network will take, kW' }),
    itKw: num.meta({ description: 'The site’s IT heat (inflexible + baseline flexible), kW' }),
    recoverableKw: num.meta({
      description:
        'IT heat the liquid loop carries to the heat pumps (IT heat × recoverableShare), kW',
    }),
    heatPumpKw: num.meta({
      description:
        'Heat the heat pumps deliver at full load at this hour’s lift (heatPumpDerating), kW',
    }),
    deliveredKw: num.meta({ description: 'Heat expected to be delivered to the network, kW' }),
    dumpedKw: num.meta({ description: 'Heat expected to go to the dry coolers, kW' }),
    cop: num,
    heatPrice: orNull.meta({ description: 'EUR/MWh; null when not known' }),
    electricityPrice: orNull.meta({ description: 'EUR/MWh; null when not known' }),
    netEurPerMWh: orNull.meta({
      description: 'Net value of delivered heat, EUR/MWh (heat price − electricity price / COP)',
    }),
    valueEur: num.meta({ description: 'Expected net value of the hour, EUR' }),
    coolingLimitItKw: num.meta({
      description:
        'The most IT load the dry coolers take alone at this outdoor temperature (less the margin), kW',
    }),
    headroomItKw: num.meta({
      description:
        'IT heat that could be used (+) or that would be dumped (−) this hour, kW of IT load',
    }),
    baselineFlexKw: num.meta({
      description: 'The flexible work’s power if nobody follows the signal, kW',
    }),
    recommendedFlexKw: num.meta({ description: 'The recommended flexible power, kW' }),
    signalKw: num.meta({
      description: 'Recommended − baseline: more (+) or less (−) IT heat this hour, kW',
    }),
    signal: num.meta({
      description: 'The same normalised to −1…1 by the room the bounds leave (0 = neutral)',
    }),
  })
  .meta({ id: 'HeatSignalHour' });

const recommendationSchema = z
  .object({
    start: z
      .string()
      .meta({ description: 'The current hour’s start, ISO 8601 with the site’s offset' }),
    baselineFlexKw: num.meta({
      description: 'The flexible work’s power if nobody follows the signal, kW',
    }),
    recommendedFlexKw: num.meta({
      description: 'The recommended flexible power now, kW (the baseline while neutral)',
    }),
    signalKw: num.meta({ description: 'Recommended − baseline, kW (0 while neutral)' }),
    signal: num.meta({ description: '−1…1 (0 while neutral)' }),
    headroomItKw: orNull.meta({
      description:
        'IT heat that could be used (+) or would be dumped (−), kW; null when not modelled (neutral)',
    }),
  })
  .meta({ id: 'HeatRecommendation' });

const beforeAfter = z.object({ baseline: num, recommended: num });

export const heatSignalSchema = z
  .object({
    generatedAt: z
      .string()
      .meta({ description: 'When it was computed, ISO 8601 with the site’s offset' }),
    status: z.enum(['ok', 'neutral']).meta({
      description:
        'neutral: the signal is 0 (run the baseline) because an input is missing or stale; `reason` says which',
    }),
    reason: z
      .string()
      .optional()
      .meta({ description: 'Why the signal is neutral; absent when ok' }),
    notes: z.array(z.string()).meta({
      description:
        'Non-fatal notes: no plan (curves used), the IT profile still learning, a bound binding',
    }),
    horizonHours: z.number().int(),
    current: recommendationSchema.meta({ description: 'The hour now: the current recommendation' }),
    hours: z.array(hourSchema).meta({
      description:
        'The modelled hours from the current one (`?hours=N`: the first N); empty when neutral for lack of a forecast',
    }),
    flexible: z
      .object({
        minKw: num,
        maxKw: num,
        rampKwPerH: num,
        dailyEnergyKwh: num,
        deadlineHour: z.number().int(),
      })
      .meta({ description: 'The flexible load’s configured bounds (heatSignal.flexible)' }),
    windows: z
      .array(
        z.object({
          from: z.string(),
          to: z.string(),
          energyKwh: num.meta({ description: 'The deferrable work’s energy in the window, kWh' }),
          recommendedKwh: num.meta({ description: 'What the recommended profile holds, kWh' }),
        }),
      )
      .meta({
        description: 'Each deadline window in the horizon (whole horizon, not cut by ?hours)',
      }),
    totals: z
      .object({ dumpedKwh: beforeAfter, deliveredKwh: beforeAfter, valueEur: beforeAfter })
      .meta({ description: 'Over the whole horizon: the baseline against the recommendation' }),
  })
  .meta({ id: 'HeatSignal' });

export type HeatSignalView = z.infer<typeof heatSignalSchema>;
type HourView = z.infer<typeof hourSchema>;
type RecommendationView = z.infer<typeof recommendationSchema>;

/** Presentation steps beyond the units' defaults: the signal and the COP are plain ratios. */
const SIGNAL_STEP = 0.001;
const at = (v: number, unit: Unit): number => atResolution(v, { unit });
const orNullAt = (v: number | undefined, unit: Unit): number | null =>
  v === undefined || !Number.isFinite(v) ? null : at(v, unit);

function hourView(h: ForecastHour, tz: string): HourView {
  return {
    start: isoInZone(h.start, tz),
    outdoorC: at(h.outdoorC, 'degC'),
    basis: h.basis,
    supplyC: at(h.supplyC, 'degC'),
    acceptanceKw: at(h.acceptanceKw, 'kW'),
    itKw: at(h.itKw, 'kW'),
    recoverableKw: at(h.recoverableKw, 'kW'),
    heatPumpKw: at(h.heatPumpKw, 'kW'),
    deliveredKw: at(h.deliveredKw, 'kW'),
    dumpedKw: at(h.dumpedKw, 'kW'),
    cop: at(h.cop, 'ratio'),
    heatPrice: orNullAt(h.heatPrice, 'EUR/MWh'),
    electricityPrice: orNullAt(h.electricityPrice, 'EUR/MWh'),
    netEurPerMWh: orNullAt(h.netEurPerMWh, 'EUR/MWh'),
    valueEur: at(h.valueEur, 'EUR'),
    coolingLimitItKw: at(h.coolingLimitItKw, 'kW'),
    headroomItKw: at(h.headroomItKw, 'kW'),
    baselineFlexKw: at(h.baselineFlexKw, 'kW'),
    recommendedFlexKw: at(h.recommendedFlexKw, 'kW'),
    signalKw: at(h.signalKw, 'kW'),
    signal: atResolution(h.signal, { unit: 'ratio', resolution: SIGNAL_STEP }),
  };
}

function recommendationView(r: Recommendation, tz: string): RecommendationView {
  return {
    start: isoInZone(r.start, tz),
    baselineFlexKw: at(r.baselineFlexKw, 'kW'),
    recommendedFlexKw: at(r.recommendedFlexKw, 'kW'),
    signalKw: at(r.signalKw, 'kW'),
    signal: atResolution(r.signal, { unit: 'ratio', resolution: SIGNAL_STEP }),
    headroomItKw: orNullAt(r.headroomItKw, 'kW'),
  };
}

const kwh = (v: { baseline: number; recommended: number }, unit: Unit) => ({
  baseline: at(v.baseline, unit),
  recommended: at(v.recommended, unit),
});

/** The signal as the API gives it; `hours` keeps only the first N hours of the list. */
export function heatSignalView(s: HeatSignal, timeZone: string, hours?: number): HeatSignalView {
  const list = hours === undefined ? s.hours : s.hours.slice(0, hours);
  return {
    generatedAt: isoInZone(s.generatedAt, timeZone),
    status: s.status,
    ...(s.reason !== undefined ? { reason: s.reason } : {}),
    notes: [...s.notes],
    horizonHours: s.horizonHours,
    current: recommendationView(s.current, timeZone),
    hours: list.map((h) => hourView(h, timeZone)),
    flexible: { ...s.flexible },
    windows: s.windows.map((w) => ({
      from: isoInZone(w.from, timeZone),
      to: isoInZone(w.to, timeZone),
      energyKwh: at(w.energyKwh, 'kWh'),
      recommendedKwh: at(w.recommendedKwh, 'kWh'),
    })),
    totals: {
      dumpedKwh: kwh(s.totals.dumpedKwh, 'kWh'),
      deliveredKwh: kwh(s.totals.deliveredKwh, 'kWh'),
      valueEur: kwh(s.totals.valueEur, 'EUR'),
    },
  };
}

/** `?hours=N`: how many hours of the list to give, 1 to 48. */
export const heatSignalQuery = z.strictObject({
  hours: z
    .string()
    // Aborts: `six` is told it is not a number, not also that it is out of range.
    .regex(/^\d+$/, { error: 'expected a whole number of hours', abort: true })
    .refine((s) => Number(s) >= 1 && Number(s) <= MAX_SIGNAL_HOURS, {
      error: `expected 1 to ${MAX_SIGNAL_HOURS}`,
    })
    .optional()
    .meta({ description: 'Give only the first N hours of `hours` (default: the whole horizon)' }),
});
