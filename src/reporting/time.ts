import { localMidnight } from './calendar';

/** A report boundary: a date (local midnight in the site's zone) or an ISO 8601 time. */
export function parseReportTime(s: string, timeZone: string): number | undefined {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (d) return localMidnight(Number(d[1]), Number(d[2]), Number(d[3]), timeZone);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}
