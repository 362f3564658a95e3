import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDuration } from '../../src/api/schemas';
import { dashboardSchema, type Dashboard } from '../../src/grafana/model';
import { projectRoot } from '../../src/util/project-root';

export const DASHBOARD_DIR = join(projectRoot(), 'grafana', 'dashboards');

/** The dashboards as shipped (grafana/dashboards/*.json), parsed and checked against the schema. */
export function shippedDashboards(): { file: string; json: unknown; dashboard: Dashboard }[] {
  return readdirSync(DASHBOARD_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const json = JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8')) as unknown;
      return { file, json, dashboard: dashboardSchema.parse(json) };
    });
}

const regexEscape = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

/**
 * What Grafana's InfluxQL datasource does to a query before sending it (a stand-in: no Grafana
 * server runs here): template variables in regex form — one value escaped, several as `(a|b)` —
 * `$timeFilter` as an epoch-millisecond range, `$__interval` as a duration.
 */
export function interpolate(
  query: string,
  opts: {
    vars: Record<string, string[]>;
    from: number;
    to: number;
    interval: string;
  },
): string {
  return query
    .replace(/\$timeFilter/g, `time >= ${opts.from}ms and time <= ${opts.to}ms`)
    .replace(/\$__interval_ms/g, String(parseDuration(opts.interval)))
    .replace(/\$__interval/g, opts.interval)
    .replace(/\$(\w+)/g, (whole, name: string) => {
      const values = opts.vars[name];
      if (!values) return whole;
      if (values.length === 1) return regexEscape(values[0]!);
      return `(${values.map(regexEscape).join('|')})`;
    });
}

/**
 * Grafana's $__interval for a range: range / max data points (the panel's width, ~1000 here),
 * rounded up to a whole second, at least the panel's own minimum interval.
 */
export function grafanaInterval(rangeMs: number, panelMin?: string): string {
  const auto = Math.max(1, Math.ceil(rangeMs / 1000 / 1000));
  const min = panelMin ? parseDuration(panelMin) / 1000 : 0;
  return `${Math.max(auto, min)}s`;
}
