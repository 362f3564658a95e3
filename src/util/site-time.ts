/**
 * One convention for times people and clients see (issue 21): the site's time zone, 24-hour,
 * zone shown; ISO 8601 *with the site's offset* in the API (`2026-12-03T21:56:43+02:00`), so a
 * reader sees site-local time and a program still gets an unambiguous instant. Stored data
 * (historian, audit file, spool) stays in UTC; this is presentation only.
 */

interface Parts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(ms: number, timeZone: string): Parts {
  let f = partsFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    partsFormatters.set(timeZone, f);
  }
  const out: Record<string, string> = {};
  for (const p of f.formatToParts(ms)) out[p.type] = p.value;
  return out as unknown as Parts;
}

const hourFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The site's hour of the day at that instant, 0–23. Its own one-field formatter: it is asked at
 * every control cycle (the heat signal's IT profile), where `format` is cheaper than the parts.
 */
export function siteHour(ms: number, timeZone: string): number {
  let f = hourFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' });
    hourFormatters.set(timeZone, f);
  }
  return Number(f.format(ms)) % 24;
}

/** The site's calendar date at that instant, `YYYY-MM-DD` (a day's counters, reports). */
export function siteDate(ms: number, timeZone: string): string {
  const p = partsIn(ms, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}

/** The zone's offset from UTC at that instant, in minutes (Helsinki in winter: 120). */
export function offsetMinutes(ms: number, timeZone: string): number {
  return offsetOfParts(ms, partsIn(ms, timeZone));
}

function offsetOfParts(ms: number, p: Parts): number {
  const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

function offsetText(minutes: number): string {
  if (minutes === 0) return '+00:00';
  const sign = minutes < 0 ? '-' : '+';
  const m = Math.abs(minutes);
  return `${sign}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/**
 * ISO 8601 in the site's zone with its offset, milliseconds kept when there are any:
 * `2026-12-03T21:56:43+02:00`, `2026-12-03T21:56:43.250+02:00`. `Date.parse` reads it back to
 * the same instant.
 */
export function isoInZone(ms: number, timeZone: string): string {
  const p = partsIn(ms, timeZone);
  const frac = ((ms % 1000) + 1000) % 1000;
  const millis = frac ? `.${String(frac).padStart(3, '0')}` : '';
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${millis}${offsetText(
    offsetOfParts(ms, p),
  )}`;
}

/** A nullable instant in the site's zone (null/undefined stay null). */
export function isoInZoneOrNull(ms: number | null | undefined, timeZone: string): string | null {
  return ms === null || ms === undefined || !Number.isFinite(ms) ? null : isoInZone(ms, timeZone);
}

const zoneNameFormatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's short name at that instant as people read it ("EET", "EEST"; "GMT+2" if none). */
export function zoneAbbreviation(ms: number, timeZone: string): string {
  let f = zoneNameFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, timeZoneName: 'short' });
    zoneNameFormatters.set(timeZone, f);
  }
  return f.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
}

/**
 * For text people read (log lines, audit reasons, CLI): `2026-12-03 21:56:43 EET`, 24-hour, the
 * site's zone named.
 */
export function siteTimeText(ms: number, timeZone: string): string {
  const p = partsIn(ms, timeZone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${zoneAbbreviation(
    ms,
    timeZone,
  )}`;
}
