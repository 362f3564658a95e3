import { offsetMinutes, siteDate } from '../util/site-time';

/**
 * The value of heat and electricity (issue 22 item 3): pure arithmetic and the site's calendar,
 * used by the value ledger, `simulate`'s report and dispatch. Prices are EUR/MWh, energies kWh.
 */

export interface ValueInputs {
  heatKwh: number;
  electricityKwh: number;
  /** EUR/MWh; undefined: not known, so no revenue is counted (the energy still is). */
  heatPrice: number | undefined;
  electricityPrice: number | undefined;
}

export interface Value {
  revenueEur: number;
  costEur: number;
  netEur: number;
}

/** Revenue of the heat, cost of the electricity, and their difference; an unknown price counts 0. */
export function valueOf(v: ValueInputs): Value {
  const revenueEur = v.heatPrice === undefined ? 0 : (v.heatKwh * v.heatPrice) / 1000;
  const costEur =
    v.electricityPrice === undefined ? 0 : (v.electricityKwh * v.electricityPrice) / 1000;
  return { revenueEur, costEur, netEur: revenueEur - costEur };
}

/** EUR/h of a power (kW) at a price (EUR/MWh): 1,000 kW at 50 EUR/MWh is 50 EUR/h. */
export function rateEurPerH(powerKw: number, priceEurPerMWh: number): number {
  return (powerKw * priceEurPerMWh) / 1000;
}

export const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export type BucketSize = 'hour' | 'day' | 'month';
export const BUCKET_SIZES: readonly BucketSize[] = ['hour', 'day', 'month'];

/**
 * The start of the site's hour that holds `t`, epoch ms. Whole-hour offsets (Helsinki) give UTC's
 * hours; a half-hour zone (India) its own. The hours of a day are real hours: a spring-forward day
 * has 23 of them, a fall-back day 25 (its repeated hour is two hours with different starts).
 */
export function hourStart(t: number, timeZone: string): number {
  const local = t + offsetMinutes(t, timeZone) * 60_000;
  return t - mod(local, HOUR_MS);
}

/** The start of the site's day that holds `t`: the first instant of that local date. */
export function dayStart(t: number, timeZone: string): number {
  const date = siteDate(t, timeZone);
  const local = t + offsetMinutes(t, timeZone) * 60_000;
  const midnightLocal = local - mod(local, DAY_MS);
  // Local midnight at today's offset, or at midnight's own (a change between midnight and t);
  // where midnight does not exist (a spring-forward at 00:00) only the later one is that date.
  const a = midnightLocal - offsetMinutes(t, timeZone) * 60_000;
  const b = midnightLocal - offsetMinutes(a, timeZone) * 60_000;
  const candidates = [a, b].filter((c) => siteDate(c, timeZone) === date);
  return candidates.length > 0 ? Math.min(...candidates) : a;
}

/** The start of the site's month that holds `t`. */
export function monthStart(t: number, timeZone: string): number {
  const [y, m] = siteDate(t, timeZone).split('-').map(Number) as [number, number];
  // Noon UTC of the 1st is the 1st in zones from −12 to +11; in +12..+14 it is the 2nd there,
  // and midnight UTC the 1st.
  const noon = Date.UTC(y, m - 1, 1, 12);
  const first = siteDate(noon, timeZone).endsWith('-01') ? noon : noon - 12 * HOUR_MS;
  return dayStart(first, timeZone);
}

/** The start of the bucket of that size holding `t`. */
export function bucketStart(by: BucketSize, t: number, timeZone: string): number {
  if (by === 'hour') return hourStart(t, timeZone);
  if (by === 'day') return dayStart(t, timeZone);
  return monthStart(t, timeZone);
}

/**
 * The start of the next bucket after the one starting at `start`. Days and months are found
 * from an instant well inside the next one (36 h, 40 days on), so a 23- or 25-hour day and a
 * month of any length come out right.
 */
export function nextBucketStart(by: BucketSize, start: number, timeZone: string): number {
  if (by === 'hour') {
    const next = hourStart(start + HOUR_MS, timeZone);
    // A zone whose offset changes by half an hour could land on the same hour: step on.
    return next > start ? next : hourStart(start + 2 * HOUR_MS, timeZone);
  }
  if (by === 'day') return dayStart(start + 36 * HOUR_MS, timeZone);
  return monthStart(start + 40 * DAY_MS, timeZone);
}

/** Cuts [from, to) at the site's hour boundaries: `[start of piece, end of piece, hour start]`. */
export function splitByHour(
  from: number,
  to: number,
  timeZone: string,
): { from: number; to: number; hour: number }[] {
  const pieces: { from: number; to: number; hour: number }[] = [];
  let a = from;
  while (a < to) {
    const hour = hourStart(a, timeZone);
    const b = Math.min(nextBucketStart('hour', hour, timeZone), to);
    pieces.push({ from: a, to: b, hour });
    a = b;
  }
  return pieces;
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
