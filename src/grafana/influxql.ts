import { DOWNSAMPLED_MEASUREMENTS } from '../historian/schema';

/**
 * InfluxQL for the dashboards, against the historian's schema (docs/historian.md). Series are
 * chosen by tags only, so the same text serves every site; Grafana fills in `$site`, `$device`,
 * `$rp`, `$timeFilter` and `$__interval`.
 */

const DOWNSAMPLED = new Set<string>(DOWNSAMPLED_MEASUREMENTS);

/** `"$rp"."derived"` for downsampled measurements (the Resolution variable), else `"raw"`. */
export function from(measurement: string, rawOnly = false): string {
  return `${DOWNSAMPLED.has(measurement) && !rawOnly ? '"$rp"' : '"raw"'}."${measurement}"`;
}

const quote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** `"tag" = 'a'`, or `"tag" =~ /^(a|b)$/` for several values. */
export function tagIs(tag: string, values: readonly string[]): string {
  const unique = [...new Set(values)];
  if (unique.length === 1) return `"${tag}" = ${quote(unique[0]!)}`;
  return `"${tag}" =~ /^(${unique.map(escapeRegex).join('|')})$/`;
}

/** One point, `device/point`. */
export function pointIs(id: string): string {
  const [device, point] = id.split('/') as [string, string];
  return `${tagIs('device', [device])} AND ${tagIs('point', [point])}`;
}

export const SITE = `"site" =~ /^$site$/`;
export const DEVICE = `"device" =~ /^$device$/`;

/**
 * `SELECT <select> FROM <from> WHERE site AND <where> AND $timeFilter <rest>`; `rawOnly` for
 * what only every sample answers (quality counts).
 */
export function select(
  selectList: string,
  measurement: string | string[],
  where: string[],
  rest = '',
  rawOnly = false,
): string {
  const froms = (Array.isArray(measurement) ? measurement : [measurement])
    .map((m) => from(m, rawOnly))
    .join(', ');
  const conditions = [SITE, ...where, '$timeFilter'].join(' AND ');
  return `SELECT ${selectList} FROM ${froms} WHERE ${conditions}${rest ? ` ${rest}` : ''}`;
}

/** Clean values only: a bad or stale sample repeats the last good value and would flatten a curve. */
export const GOOD = `"quality" = 'good'`;

/** Mean per `$__interval`, one series per `groupBy` tag combination. */
export function meanOver(
  measurement: string,
  where: string[],
  groupBy: string[] = [],
  fn = 'mean("value")',
): string {
  const by = ['time($__interval)', ...groupBy.map((t) => `"${t}"`)].join(', ');
  return select(fn, measurement, where, `GROUP BY ${by} fill(null)`);
}

/**
 * The last value per `$__interval`, carried forward: for states (0/1) in a state timeline;
 * `field` for measurements that record a state under its own name (the adapters' `connected`).
 */
export function stateOver(
  measurement: string,
  where: string[],
  groupBy: string[],
  field = 'value',
): string {
  const by = ['time($__interval)', ...groupBy.map((t) => `"${t}"`)].join(', ');
  return select(`last("${field}")`, measurement, where, `GROUP BY ${by} fill(previous)`);
}
