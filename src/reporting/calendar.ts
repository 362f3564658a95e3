import { isoInZone, offsetMinutes } from '../util/site-time';

/** Local calendar days in a time zone, as UTC millisecond ranges (DST-aware). */
export interface LocalDay {
  /** YYYY-MM-DD in the site's time zone. */
  date: string;
  start: number;
  end: number;
}

/** The zone's offset from UTC at `t`, ms. */
const offsetAt = (t: number, timeZone: string): number => offsetMinutes(t, timeZone) * 60_000;

/** UTC ms of local midnight starting the day `y-m-d`. */
export function localMidnight(y: number, m: number, d: number, timeZone: string): number {
  const guess = Date.UTC(y, m - 1, d);
  // Twice: the offset at the guess may differ from the one at midnight across a DST change.
  const first = guess - offsetAt(guess, timeZone);
  return guess - offsetAt(first, timeZone);
}

/** YYYY-MM-DD in the zone at `t` (the date part of the site's ISO time). */
export function localDate(t: number, timeZone: string): string {
  return isoInZone(t, timeZone).slice(0, 10);
}

/** The local days overlapping [from, to), each clipped to the range. */
export function localDays(from: number, to: number, timeZone: string): LocalDay[] {
  const days: LocalDay[] = [];
  let t = from;
  while (t < to) {
    const date = localDate(t, timeZone);
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    const next = localMidnight(y, m, d + 1, timeZone);
    days.push({ date, start: t, end: Math.min(next, to) });
    t = next;
  }
  return days;
}
