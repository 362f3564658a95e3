/** Local calendar days in a time zone, as UTC millisecond ranges (DST-aware). */
export interface LocalDay {
  /** YYYY-MM-DD in the site's time zone. */
  date: string;
  start: number;
  end: number;
}

function partsAt(
  t: number,
  timeZone: string,
): { y: number; m: number; d: number; h: number; min: number; s: number } {
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const p = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, x.value]));
  return { y: +p.year!, m: +p.month!, d: +p.day!, h: +p.hour!, min: +p.minute!, s: +p.second! };
}

/** The zone's offset from UTC at `t`, ms. */
function offsetAt(t: number, timeZone: string): number {
  const p = partsAt(t, timeZone);
  return Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s) - Math.floor(t / 1000) * 1000;
}

/** UTC ms of local midnight starting the day `y-m-d`. */
export function localMidnight(y: number, m: number, d: number, timeZone: string): number {
  const guess = Date.UTC(y, m - 1, d);
  // Twice: the offset at the guess may differ from the one at midnight across a DST change.
  const first = guess - offsetAt(guess, timeZone);
  return guess - offsetAt(first, timeZone);
}

export function localDate(t: number, timeZone: string): string {
  const p = partsAt(t, timeZone);
  return `${p.y}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
}

/** The local days overlapping [from, to), each clipped to the range. */
export function localDays(from: number, to: number, timeZone: string): LocalDay[] {
  const days: LocalDay[] = [];
  let t = from;
  while (t < to) {
    const p = partsAt(t, timeZone);
    const next = localMidnight(p.y, p.m, p.d + 1, timeZone);
    days.push({ date: localDate(t, timeZone), start: t, end: Math.min(next, to) });
    t = next;
  }
  return days;
}
