import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GRAFANA_VERSION } from '../panels';
import {
  FLEET_DATASOURCE,
  fleetDashboardSchema,
  type FleetDashboard,
  type PromPanel,
  type PromTarget,
} from './fleet-model';

/**
 * The fleet dashboard (docs/fleet.md): every site's historian writes to one VictoriaMetrics
 * cluster, which stores each InfluxDB field as a series `<measurement>_<field>` with the tags as
 * labels, so a site's recovered heat is `derived_value{site="…", device="derived",
 * point="recovered_heat", unit="kW", quality="good"}`. The queries are PromQL (MetricsQL where
 * noted) through Grafana's Prometheus datasource on vmselect.
 *
 * **Availability** of a site over the range: the share of its minutes in which at least one
 * good `derived/recovered_heat` sample was stored. HeatBridge's control loop writes the derived
 * points every cycle (5 s by default), so a minute without one means HeatBridge, its control loop,
 * its measurements or its path to the store was down; a historian backlog that arrives later
 * fills the minute in again (the samples keep their source time).
 *
 * **Online**: a good `recovered_heat` sample in the last 2 minutes.
 */
const POINT = (point: string): string =>
  `derived_value{site=~"$site", device="derived", point="${point}"}`;
const GOOD = (point: string): string =>
  `derived_value{site=~"$site", device="derived", point="${point}", quality="good"}`;

/** Per site, the share of minutes of the range with a fresh good recovered-heat sample. */
export const AVAILABILITY = `clamp_max(count_over_time((count by (site) (count_over_time(${GOOD('recovered_heat')}[1m])))[$__range:1m]) / ($__range_s / 60), 1)`;
const ONLINE_WINDOW = '2m';
const NUMERIC =
  '{__name__=~"measurement_value|setpoint_value|status_value|derived_value", site=~"$site"';

interface Spec {
  type: PromPanel['type'];
  title: string;
  description: string;
  unit: string;
  w: number;
  h: number;
  targets: Omit<PromTarget, 'refId' | 'datasource' | 'editorMode'>[];
  options?: Record<string, unknown>;
  custom?: Record<string, unknown>;
  transformations?: PromPanel['transformations'];
  decimals?: number;
}

const instant = (
  expr: string,
  legendFormat = '',
  format: 'time_series' | 'table' = 'time_series',
) => ({
  expr,
  legendFormat,
  instant: true,
  range: false,
  format,
});
const range = (expr: string, legendFormat: string) => ({
  expr,
  legendFormat,
  instant: false,
  range: true,
  format: 'time_series' as const,
});

const STAT_OPTIONS = {
  reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
  colorMode: 'none',
  graphMode: 'none',
  textMode: 'auto',
  justifyMode: 'auto',
  orientation: 'auto',
};
const LEGEND = { displayMode: 'list', placement: 'bottom', showLegend: true };
const TS_OPTIONS = { legend: LEGEND, tooltip: { mode: 'multi', sort: 'desc' } };
const TS_CUSTOM = {
  drawStyle: 'line',
  lineWidth: 1,
  fillOpacity: 0,
  spanNulls: false,
  showPoints: 'never',
};
const BAR_OPTIONS = {
  orientation: 'horizontal',
  displayMode: 'basic',
  showUnfilled: true,
  reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
};

function stat(title: string, description: string, unit: string, expr: string): Spec {
  return {
    type: 'stat',
    title,
    description,
    unit,
    w: 4,
    h: 4,
    targets: [instant(expr)],
    options: STAT_OPTIONS,
  };
}

function specs(): Spec[] {
  const energy = (point: string): string => `sum(increase(${POINT(point)}[$__range]))`;
  const power = (point: string): string => `sum(last_over_time(${GOOD(point)}[${ONLINE_WINDOW}]))`;
  return [
    {
      type: 'stat',
      title: 'Sites online',
      description: `Sites with a good recovered-heat sample in the last ${ONLINE_WINDOW}, and sites that reported in the range`,
      unit: 'short',
      w: 4,
      h: 4,
      targets: [
        instant(
          `count(count by (site) (last_over_time(${GOOD('recovered_heat')}[${ONLINE_WINDOW}])))`,
          'online',
        ),
        instant(
          `count(count by (site) (last_over_time(${POINT('recovered_heat')}[$__range])))`,
          'known',
        ),
      ],
      options: STAT_OPTIONS,
    },
    stat(
      'Recovered heat now',
      'Heat the fleet’s heat pumps take from data-center coolant, summed over the online sites',
      'kwatt',
      power('recovered_heat'),
    ),
    stat(
      'Delivered heat now',
      'Heat delivered to district-heating networks (the sites’ substation meters), summed',
      'kwatt',
      power('delivered_heat'),
    ),
    stat(
      'Heat-pump electricity now',
      'Electric power of the fleet’s heat pumps, summed',
      'kwatt',
      power('hp_electric_power'),
    ),
    stat(
      'Recovered energy',
      'Recovered heat over the range: the increase of every site’s recovered_energy counter, summed',
      'kwatth',
      energy('recovered_energy'),
    ),
    stat(
      'Fleet availability',
      'Mean over the sites of their availability (share of minutes with a good recovered-heat sample)',
      'percentunit',
      `avg(${AVAILABILITY})`,
    ),
    {
      type: 'timeseries',
      title: 'Fleet heat and electricity',
      description:
        'Recovered and delivered heat and heat-pump electricity, summed over the selected sites',
      unit: 'kwatt',
      w: 16,
      h: 8,
      targets: [
        range(`sum(avg_over_time(${POINT('recovered_heat')}[$__interval]))`, 'recovered'),
        range(`sum(avg_over_time(${POINT('delivered_heat')}[$__interval]))`, 'delivered'),
        range(
          `sum(avg_over_time(${POINT('hp_electric_power')}[$__interval]))`,
          'heat-pump electricity',
        ),
      ],
      options: TS_OPTIONS,
      custom: TS_CUSTOM,
    },
    {
      type: 'timeseries',
      title: 'Sites online over time',
      description: `Sites with a good recovered-heat sample in the ${ONLINE_WINDOW} before each point`,
      unit: 'short',
      w: 8,
      h: 8,
      decimals: 0,
      targets: [
        range(
          `count(count by (site) (count_over_time(${GOOD('recovered_heat')}[${ONLINE_WINDOW}])))`,
          'online',
        ),
      ],
      options: TS_OPTIONS,
      custom: TS_CUSTOM,
    },
    {
      type: 'bargauge',
      title: 'Sites by recovered energy',
      description: 'Recovered energy over the range per site, largest first',
      unit: 'kwatth',
      w: 12,
      h: 10,
      targets: [
        instant(
          `sort_desc(sum by (site) (increase(${POINT('recovered_energy')}[$__range])))`,
          '{{site}}',
        ),
      ],
      options: BAR_OPTIONS,
    },
    {
      type: 'bargauge',
      title: 'Sites by availability',
      description:
        'Share of the range’s minutes with a good recovered-heat sample (HeatBridge, its control loop and its historian path all working), lowest first',
      unit: 'percentunit',
      w: 12,
      h: 10,
      targets: [instant(`sort(${AVAILABILITY})`, '{{site}}')],
      options: { ...BAR_OPTIONS, minVizValue: 0, maxVizValue: 1 },
    },
    {
      type: 'table',
      title: 'Sites',
      description:
        'Per site over the range: recovered and delivered energy, heat-pump electricity, seasonal COP, availability, and seconds since its last recovered-heat sample (MetricsQL tlast_over_time)',
      unit: 'none',
      w: 24,
      h: 9,
      targets: [
        instant(`sum by (site) (increase(${POINT('recovered_energy')}[$__range]))`, '', 'table'),
        instant(`sum by (site) (increase(${POINT('delivered_energy')}[$__range]))`, '', 'table'),
        instant(`sum by (site) (increase(${POINT('hp_electric_energy')}[$__range]))`, '', 'table'),
        instant(`max by (site) (last_over_time(${GOOD('cop_running')}[$__range]))`, '', 'table'),
        instant(AVAILABILITY, '', 'table'),
        instant(
          `time() - max by (site) (tlast_over_time(${POINT('recovered_heat')}[$__range]))`,
          '',
          'table',
        ),
      ],
      transformations: [
        { id: 'merge', options: {} },
        {
          id: 'organize',
          options: {
            excludeByName: { Time: true },
            renameByName: {
              'Value #A': 'recovered kWh',
              'Value #B': 'delivered kWh',
              'Value #C': 'heat-pump kWh',
              'Value #D': 'seasonal COP',
              'Value #E': 'availability',
              'Value #F': 's since last data',
            },
          },
        },
      ],
      options: {
        showHeader: true,
        cellHeight: 'sm',
        footer: { show: false },
        sortBy: [{ displayName: 'recovered kWh', desc: true }],
      },
    },
    {
      type: 'timeseries',
      title: 'Recovered heat per site',
      description:
        'Drill-down: each selected site’s recovered heat (choose sites in the Site variable)',
      unit: 'kwatt',
      w: 12,
      h: 8,
      targets: [
        range(`sum by (site) (avg_over_time(${POINT('recovered_heat')}[$__interval]))`, '{{site}}'),
      ],
      options: TS_OPTIONS,
      custom: TS_CUSTOM,
    },
    {
      type: 'timeseries',
      title: 'COP per site',
      description: 'Drill-down: heat-pump COP now (condenser heat / electricity), per site',
      unit: 'none',
      w: 12,
      h: 8,
      targets: [range(`max by (site) (avg_over_time(${GOOD('cop')}[$__interval]))`, '{{site}}')],
      options: TS_OPTIONS,
      custom: TS_CUSTOM,
    },
    {
      type: 'timeseries',
      title: 'Control cycle per site',
      description:
        'Drill-down: duration of HeatBridge’s control cycle per site (status control/cycle_duration); gaps mean control was not running',
      unit: 's',
      w: 12,
      h: 8,
      targets: [
        range(
          `max by (site) (max_over_time(status_value{site=~"$site", device="control", point="cycle_duration"}[$__interval]))`,
          '{{site}}',
        ),
      ],
      options: TS_OPTIONS,
      custom: TS_CUSTOM,
    },
    {
      type: 'timeseries',
      title: 'Samples not good per site',
      description:
        'Drill-down: share of a site’s stored samples whose quality is uncertain, bad or stale (all numeric series)',
      unit: 'percentunit',
      w: 12,
      h: 8,
      targets: [
        range(
          `(sum by (site) (count_over_time(${NUMERIC}, quality!="good"}[$__interval])) or sum by (site) (count_over_time(${NUMERIC}}[$__interval])) * 0) / sum by (site) (count_over_time(${NUMERIC}}[$__interval]))`,
          '{{site}}',
        ),
      ],
      options: TS_OPTIONS,
      custom: TS_CUSTOM,
    },
  ];
}

/** Left to right in rows of 24 columns, as the site dashboards are laid out. */
function layout(list: Spec[]): PromPanel[] {
  let x = 0;
  let y = 0;
  let rowH = 0;
  return list.map((s, i) => {
    if (x + s.w > 24) {
      x = 0;
      y += rowH;
      rowH = 0;
    }
    const panel: PromPanel = {
      id: i + 1,
      type: s.type,
      pluginVersion: GRAFANA_VERSION,
      title: s.title,
      description: s.description,
      gridPos: { h: s.h, w: s.w, x, y },
      datasource: FLEET_DATASOURCE,
      targets: s.targets.map((t, j) => ({
        refId: String.fromCharCode(65 + j),
        datasource: FLEET_DATASOURCE,
        editorMode: 'code',
        ...t,
      })),
      fieldConfig: {
        defaults: {
          unit: s.unit,
          ...(s.decimals !== undefined ? { decimals: s.decimals } : {}),
          ...(s.custom ? { custom: s.custom } : {}),
        },
        overrides: [],
      },
      options: s.options ?? {},
      ...(s.transformations ? { transformations: s.transformations } : {}),
    };
    x += s.w;
    rowH = Math.max(rowH, s.h);
    return panel;
  });
}

export function buildFleetDashboard(): FleetDashboard {
  const site = `label_values(derived_value{device="derived", point="recovered_heat"}, site)`;
  return fleetDashboardSchema.parse({
    uid: 'heatbridge-fleet',
    title: 'HeatBridge · Fleet',
    description:
      'Every site of the fleet from the shared VictoriaMetrics cluster: totals, sites online, rankings by recovered energy and availability, per-site drill-down',
    tags: ['heatbridge', 'fleet'],
    schemaVersion: 39,
    version: 1,
    editable: false,
    graphTooltip: 1,
    time: { from: 'now-24h', to: 'now' },
    timezone: 'browser',
    refresh: '1m',
    templating: {
      list: [
        {
          type: 'query',
          name: 'site',
          label: 'Site',
          description:
            'Sites whose historian wrote a recovered-heat figure (the derived points) into the store',
          datasource: FLEET_DATASOURCE,
          query: { query: site, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
          definition: site,
          refresh: 2,
          multi: true,
          includeAll: true,
          allValue: '.*',
          current: { text: ['All'], value: ['$__all'] },
          sort: 1,
        },
      ],
    },
    annotations: { list: [] },
    links: [],
    panels: layout(specs()),
  });
}

/** Writes `fleet.json` into `dir` (deploy/fleet/grafana/dashboards, what the provider reads). */
export async function writeFleetDashboard(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'fleet.json');
  await writeFile(file, `${JSON.stringify(buildFleetDashboard(), null, 2)}\n`);
  return file;
}
