import { tagIs } from './influxql';
import { GRAFANA_UNITS, type Dashboard, type Variable } from './model';
import { DATASOURCE, type Layout } from './panels';
import type { SiteContext } from './site-context';

/** What every dashboard shares: its template variables, time settings, links and tags. */

export const unit = (u: keyof typeof GRAFANA_UNITS): string => GRAFANA_UNITS[u];
/** A series' legend: `device/point`. */
export const BY_DEVICE_POINT = '$tag_device/$tag_point';

export function variables(
  ctx: SiteContext,
  opts: { devices?: string[]; rp?: boolean } = {},
): Variable[] {
  const siteId = ctx.site.site.id;
  const deviceFilter = opts.devices ? ` AND ${tagIs('device', opts.devices)}` : '';
  const vars: Variable[] = [
    {
      type: 'query',
      name: 'site',
      label: 'Site',
      datasource: DATASOURCE,
      query: 'SHOW TAG VALUES FROM "measurement" WITH KEY = "site"',
      definition: 'SHOW TAG VALUES FROM "measurement" WITH KEY = "site"',
      refresh: 2,
      multi: false,
      includeAll: false,
      current: { text: siteId, value: siteId },
      sort: 1,
    },
    {
      type: 'query',
      name: 'device',
      label: 'Device',
      datasource: DATASOURCE,
      query: `SHOW TAG VALUES FROM "measurement" WITH KEY = "device" WHERE "site" =~ /^$site$/${deviceFilter}`,
      definition: `SHOW TAG VALUES FROM "measurement" WITH KEY = "device" WHERE "site" =~ /^$site$/${deviceFilter}`,
      refresh: 2,
      multi: true,
      includeAll: true,
      current: { text: ['All'], value: ['$__all'] },
      sort: 1,
    },
  ];
  if (opts.rp !== false)
    vars.push({
      type: 'custom',
      name: 'rp',
      label: 'Resolution',
      description:
        'raw: every sample (kept 30 days by default); rp_1m / rp_1h: the 1-minute and 1-hour means the continuous queries keep, for long ranges',
      query: 'raw,rp_1m,rp_1h',
      options: ['raw', 'rp_1m', 'rp_1h'].map((v, i) => ({ text: v, value: v, selected: i === 0 })),
      current: { text: 'raw', value: 'raw' },
      multi: false,
      includeAll: false,
    });
  return vars;
}

export function dashboard(
  ctx: SiteContext,
  d: { uid: string; title: string; description: string; tags: string[] },
  layout: Layout,
  vars: Variable[],
): Dashboard {
  return {
    ...d,
    tags: ['heatbridge', ...d.tags],
    schemaVersion: 39,
    version: 1,
    // Provisioned read-only (allowUiUpdates: false): change the generator or the config instead.
    editable: false,
    graphTooltip: 1,
    time: { from: 'now-6h', to: 'now' },
    timezone: ctx.site.site.timezone,
    refresh: '30s',
    templating: { list: vars },
    annotations: { list: [] },
    links: [{ type: 'dashboards', tags: ['heatbridge'], asDropdown: true, title: 'HeatBridge' }],
    panels: layout.panels,
  };
}
