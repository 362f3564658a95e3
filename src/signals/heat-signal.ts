import {
  forecastHour,
  hourConditions,
  hourFigures,
  type HourConditions,
  type SiteHeatModel,
} from './heat-forecast';
import { clamp } from '../control/controller';
import { siteDate, siteHour, siteTimeText } from '../util/site-time';
import { HOUR_MS } from '../utility/plan';
import { recommendProfile, type ProfileHour } from './flex-profile';
import type { ForecastHour, HeatSignal, HourInputs, Recommendation } from './heat-signal-types';

/**
 * The heat signal (issue 23): the forecast hour by hour, the recommended flexible-load profile and
 * the signal a scheduler follows. Pure: the same inputs give the same signal. Advice only:
 * HeatBridge never controls IT load.
 */

export interface HeatSignalInputs {
  now: number;
  /** One per hour from the hour containing `now`, `horizonHours` long. */
  hours: HourInputs[];
  /** Evaporator inlet now, °C (the COP); undefined: an assumed 35 °C. */
  sourceC: number | undefined;
  /** Flexible power now, kW (where the ramp starts); default the first hour's baseline. */
  currentFlexKw?: number;
  /**
   * Flexible energy still to do in the current deadline window, kWh. Default: the baseline of its
   * hours in the horizon, i.e. the work so far ran as the baseline says.
   */
  currentWindowRemainingKwh?: number;
  /** The last signal: its recommendations are where the search starts, so advice stays steady. */
  previous?: HeatSignal;
  notes?: string[];
}

/** The profile moves energy in steps of these shares of the flexible range, coarse to fine. */
const QUANTUM_SHARES = [1 / 10, 1 / 40, 1 / 160];
/** Weight of heat itself beside its value, so heat not dumped counts where prices say nothing. */
const HEAT_WEIGHT_EUR_PER_KWH = 1e-6;
/**
 * The least a move of flexible work must earn, EUR per MWh of IT energy moved: moving work costs
 * the scheduler something (queues, pre-emption), and chasing a few cents of price difference
 * between two hours that both use all their heat would make the signal swing for nothing.
 */
export const MIN_GAIN_EUR_PER_MWH = 2;

/** Window starts already found, by zone, deadline and hour (the meter asks every 5 s step). */
const windowMemo = new Map<string, number>();

/**
 * The start of the deadline window (a site day from `deadlineHour` to `deadlineHour`) holding
 * `t`: the first instant of a site date at or after its `deadlineHour`. On a fall-back day a
 * repeated deadline hour starts one window, not two; on a spring-forward day a skipped one starts
 * it at the first hour after.
 */
export function windowStart(t: number, deadlineHour: number, timeZone: string): number {
  const hourStart = Math.floor(t / HOUR_MS) * HOUR_MS;
  const key = `${timeZone}|${deadlineHour}|${hourStart}`;
  const known = windowMemo.get(key);
  if (known !== undefined) return known;
  const isStart = (c: number): boolean => {
    if (siteHour(c, timeZone) < deadlineHour) return false;
    const prev = c - HOUR_MS;
    return (
      siteDate(prev, timeZone) !== siteDate(c, timeZone) || siteHour(prev, timeZone) < deadlineHour
    );
  };
  let c = hourStart;
  for (let i = 0; i < 27 && !isStart(c); i++) c -= HOUR_MS;
  if (windowMemo.size > 50_000) windowMemo.clear();
  windowMemo.set(key, c);
  return c;
}

export function computeHeatSignal(inputs: HeatSignalInputs, model: SiteHeatModel): HeatSignal {
  const { now, hours } = inputs;
  const first = hours[0];
  if (!first || first.outdoorC === undefined)
    return neutralSignal(now, 'no outdoor-temperature forecast for the current hour', model, hours);
  const flex = model.flexible;
  const share = model.recoverableShare;
  const notes = [...(inputs.notes ?? [])];
  const conds: (HourConditions | undefined)[] = hours.map((h) =>
    h.outdoorC === undefined ? undefined : hourConditions(h, inputs.sourceC, model),
  );
  const frozenCount = conds.filter((c) => !c).length;
  if (frozenCount > 0)
    notes.push(`${frozenCount} hour(s) without an outdoor forecast: kept at the baseline`);

  // Deadline windows, in order; the current one may be cut by `now`, the last by the horizon.
  const starts: number[] = [];
  const windowOf = hours.map((h) => {
    const w = windowStart(h.start, flex.deadlineHour, model.timeZone);
    if (starts.at(-1) !== w) starts.push(w);
    return starts.length - 1;
  });
  // The current hour is planned from now on: its energy is its power × what is left of it.
  const lengthH = hours.map((h) =>
    clamp((h.start + HOUR_MS - Math.max(now, h.start)) / HOUR_MS, 0, 1),
  );
  const energies = starts.map((_, w) =>
    hours.reduce((s, h, i) => (windowOf[i] === w ? s + h.baselineFlexKw * lengthH[i]! : s), 0),
  );
  if (inputs.currentWindowRemainingKwh !== undefined)
    energies[0] = Math.max(inputs.currentWindowRemainingKwh, 0);

  const before = new Map(inputs.previous?.hours.map((h) => [h.start, h.recommendedFlexKw]));
  const profileHours: ProfileHour[] = hours.map((h, i) => {
    const c = conds[i];
    if (!c)
      return {
        slope: 0,
        kinkKw: 0,
        lo: h.baselineFlexKw,
        hi: h.baselineFlexKw,
        baseline: h.baselineFlexKw,
        window: windowOf[i]!,
        frozen: true,
        hours: lengthH[i]!,
      };
    // Safety first: never more IT load than the dry coolers take alone (heat pumps off).
    const hi = Math.max(Math.min(flex.maxKw, c.coolingLimitItKw - h.inflexibleItKw), 0);
    const worth = c.runs ? (c.cop / (c.cop - 1)) * (Math.max(c.netEurPerMWh ?? 0, 0) / 1000) : 0;
    return {
      slope: share * (worth + (c.runs ? HEAT_WEIGHT_EUR_PER_KWH : 0)),
      kinkKw: c.usableEvapKw / share - h.inflexibleItKw,
      lo: Math.min(flex.minKw, hi),
      hi,
      baseline: h.baselineFlexKw,
      ...(before.has(h.start) ? { initial: before.get(h.start)! } : {}),
      window: windowOf[i]!,
      frozen: false,
      hours: lengthH[i]!,
    };
  });
  const capped = profileHours.filter((p) => !p.frozen && p.hi < flex.maxKw - 1e-6).length;
  if (capped > 0)
    notes.push(`${capped} hour(s) held below the flexible maximum by the dry coolers' limit`);
  const profile = recommendProfile(
    profileHours,
    energies,
    flex.rampKwPerH,
    inputs.currentFlexKw ?? first.baselineFlexKw,
    // kWh: a share of the flexible range for an hour.
    QUANTUM_SHARES.map((q) => Math.max((flex.maxKw - flex.minKw) * q, 0.5)),
    MIN_GAIN_EUR_PER_MWH / 1000,
  );
  if (profile.rampBrokenHours > 0)
    notes.push(
      `${profile.rampBrokenHours} hour(s) change by more than the ramp limit (${flex.rampKwPerH} kW/h): the window's energy and the bounds leave no other way`,
    );
  profile.unplacedKwh.forEach((kwh, w) => {
    if (kwh !== 0)
      notes.push(
        `window from ${siteTimeText(starts[w]!, model.timeZone)}: ${Math.abs(kwh).toFixed(0)} kWh ${kwh > 0 ? 'more than the bounds allow' : 'less than the minimum needs'}`,
      );
  });

  const out: ForecastHour[] = [];
  const totals = {
    dumpedKwh: { baseline: 0, recommended: 0 },
    deliveredKwh: { baseline: 0, recommended: 0 },
    valueEur: { baseline: 0, recommended: 0 },
  };
  hours.forEach((h, i) => {
    const c = conds[i];
    if (!c) return;
    const rec = profile.kw[i]!;
    const fh = forecastHour(c, h, rec, flex, share);
    out.push(fh);
    const after = hourFigures(c, h.inflexibleItKw + rec, share);
    totals.dumpedKwh.baseline += fh.dumpedKw;
    totals.dumpedKwh.recommended += after.dumpedKw;
    totals.deliveredKwh.baseline += fh.deliveredKw;
    totals.deliveredKwh.recommended += after.deliveredKw;
    totals.valueEur.baseline += fh.valueEur;
    totals.valueEur.recommended += after.valueEur;
  });
  const head = out[0]!;
  return {
    generatedAt: now,
    status: 'ok',
    notes,
    horizonHours: hours.length,
    current: {
      start: head.start,
      baselineFlexKw: head.baselineFlexKw,
      recommendedFlexKw: head.recommendedFlexKw,
      signalKw: head.signalKw,
      signal: head.signal,
      headroomItKw: head.headroomItKw,
    },
    hours: out,
    flexible: flex,
    windows: starts.map((from, w) => ({
      from,
      to: Math.max(...hours.filter((_, i) => windowOf[i] === w).map((h) => h.start)) + HOUR_MS,
      energyKwh: energies[w]!,
      recommendedKwh: profile.kw.reduce(
        (s, k, i) => (windowOf[i] === w ? s + k * lengthH[i]! : s),
        0,
      ),
    })),
    totals,
  };
}

/**
 * A neutral signal: run the flexible work as it would run anyway (signal 0), with the reason.
 * Served when the forecast is missing or stale: advice from a stale forecast is worse than none.
 */
export function neutralSignal(
  now: number,
  reason: string,
  model: SiteHeatModel,
  hours: readonly HourInputs[] = [],
): HeatSignal {
  const hourStart = Math.floor(now / HOUR_MS) * HOUR_MS;
  const baseline = hours[0]?.baselineFlexKw ?? model.flexible.dailyEnergyKwh / 24;
  const current: Recommendation = {
    start: hours[0]?.start ?? hourStart,
    baselineFlexKw: baseline,
    recommendedFlexKw: baseline,
    signalKw: 0,
    signal: 0,
    headroomItKw: undefined,
  };
  return {
    generatedAt: now,
    status: 'neutral',
    reason,
    notes: [],
    horizonHours: model.horizonHours,
    current,
    hours: [],
    flexible: model.flexible,
    windows: [],
    totals: {
      dumpedKwh: { baseline: 0, recommended: 0 },
      deliveredKwh: { baseline: 0, recommended: 0 },
      valueEur: { baseline: 0, recommended: 0 },
    },
  };
}
