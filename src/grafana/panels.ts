import { DATASOURCE_UIDS, type Panel, type Target } from './model';

/**
 * Builders for the panels the dashboards use. Each returns a panel without its position and id;
 * `Layout` places them left to right in rows of 24 columns.
 */

export const DATASOURCE = { type: 'influxdb', uid: DATASOURCE_UIDS.influxql } as const;

export type PanelSpec = Omit<Panel, 'id' | 'gridPos'> & { w: number; h: number };

export interface Query {
  query: string;
  alias?: string;
  table?: boolean;
}

export interface Threshold {
  color: string;
  value: number;
}

export interface Common {
  title: string;
  description: string;
  unit: string;
  w?: number;
  h?: number;
  /** Minimum GROUP BY interval, for series recorded seldom. */
  interval?: string;
  decimals?: number;
  min?: number;
  max?: number;
  thresholds?: Threshold[];
  /** Colour below the first threshold (red for a low limit). */
  thresholdBase?: string;
}

function targets(queries: Query[]): Target[] {
  return queries.map((q, i) => ({
    refId: String.fromCharCode(65 + i),
    datasource: DATASOURCE,
    rawQuery: true,
    query: q.query,
    resultFormat: q.table ? 'table' : 'time_series',
    ...(q.alias ? { alias: q.alias } : {}),
  }));
}

function defaults(c: Common, extra: Record<string, unknown> = {}): PanelSpec['fieldConfig'] {
  return {
    defaults: {
      unit: c.unit,
      ...(c.decimals !== undefined ? { decimals: c.decimals } : {}),
      ...(c.min !== undefined ? { min: c.min } : {}),
      ...(c.max !== undefined ? { max: c.max } : {}),
      ...(c.thresholds
        ? {
            thresholds: {
              mode: 'absolute' as const,
              steps: [
                { color: c.thresholdBase ?? 'green', value: null },
                ...[...c.thresholds].sort((a, b) => a.value - b.value),
              ],
            },
          }
        : {}),
      ...extra,
    },
    overrides: [],
  };
}

/** The Grafana version the panels' options are written for (docker-compose.yml runs it). */
export const GRAFANA_VERSION = '11.3.0';

function base(c: Common, type: Panel['type'], w: number, h: number) {
  return {
    type,
    pluginVersion: GRAFANA_VERSION,
    title: c.title,
    description: c.description,
    datasource: DATASOURCE,
    ...(c.interval ? { interval: c.interval } : {}),
    w: c.w ?? w,
    h: c.h ?? h,
  };
}

const LEGEND = { displayMode: 'list', placement: 'bottom', showLegend: true };

/** Lines over time; thresholds, when given, are drawn as dashed lines (limits). */
export function timeseries(c: Common, queries: Query[]): PanelSpec {
  return {
    ...base(c, 'timeseries', 12, 8),
    targets: targets(queries),
    fieldConfig: defaults(c, {
      custom: {
        drawStyle: 'line',
        lineWidth: 1,
        fillOpacity: 0,
        spanNulls: false,
        showPoints: 'never',
        thresholdsStyle: { mode: c.thresholds ? 'dashed' : 'off' },
      },
    }),
    options: { legend: LEGEND, tooltip: { mode: 'multi', sort: 'none' } },
  };
}

/** One big number per series: the last value or a sum over the range. */
export function stat(
  c: Common,
  queries: Query[],
  reduce: 'lastNotNull' | 'sum' | 'mean' = 'lastNotNull',
): PanelSpec {
  return {
    ...base(c, 'stat', 4, 4),
    targets: targets(queries),
    fieldConfig: defaults(c),
    options: {
      reduceOptions: { calcs: [reduce], fields: '', values: false },
      colorMode: c.thresholds ? 'background' : 'none',
      graphMode: 'none',
      textMode: 'auto',
      justifyMode: 'auto',
      orientation: 'auto',
    },
  };
}

/** Rows as they are (events, audit entries). */
export function table(c: Common, queries: Query[]): PanelSpec {
  return {
    ...base(c, 'table', 24, 8),
    targets: targets(queries.map((q) => ({ ...q, table: true }))),
    fieldConfig: defaults(c),
    options: { showHeader: true, cellHeight: 'sm', footer: { show: false } },
  };
}

/** The colours of a state timeline's states, by value: off transparent, on green, then more. */
const STATE_COLOURS = ['transparent', 'green', 'blue', 'orange', 'purple'];

/**
 * States over time (running, tripped, alarm active; a connection mode), one row per series:
 * `labels[i]` names the value i (0/1 states: [off, on]).
 */
export function stateTimeline(c: Common, queries: Query[], labels: readonly string[]): PanelSpec {
  return {
    ...base(c, 'state-timeline', 24, 8),
    targets: targets(queries),
    fieldConfig: defaults(c, {
      mappings: [
        {
          type: 'value',
          options: Object.fromEntries(
            labels.map((text, i) => [
              String(i),
              { text, color: STATE_COLOURS[i] ?? 'text', index: i },
            ]),
          ),
        },
      ],
      color: { mode: 'thresholds' },
    }),
    options: {
      showValue: 'never',
      mergeValues: true,
      alignValue: 'left',
      rowHeight: 0.8,
      legend: LEGEND,
    },
  };
}

/** One series against another, joined on time (COP against the temperature lift). */
export function xy(c: Common, queries: Query[], x: string, y: string): PanelSpec {
  return {
    ...base(c, 'xychart', 12, 8),
    targets: targets(queries),
    fieldConfig: defaults(c, { custom: { show: 'points', pointSize: { fixed: 4 } } }),
    // Grafana 11's xychart ("v2") options; pluginVersion (set on every panel) keeps Grafana from
    // migrating them as if they were the old panel's.
    options: {
      mapping: 'manual',
      series: [
        {
          frame: { matcher: { id: 'byIndex', options: 0 } },
          x: { matcher: { id: 'byName', options: x } },
          y: { matcher: { id: 'byName', options: y } },
        },
      ],
      legend: LEGEND,
      tooltip: { mode: 'single', sort: 'none' },
    },
    transformations: [{ id: 'joinByField', options: { byField: 'Time', mode: 'inner' } }],
  };
}

/** Bars per time bucket (energy per day). */
export function bars(c: Common, queries: Query[]): PanelSpec {
  return {
    ...base(c, 'barchart', 12, 8),
    targets: targets(queries),
    fieldConfig: defaults(c),
    options: {
      xTickLabelRotation: 0,
      showValue: 'auto',
      stacking: 'none',
      legend: LEGEND,
      xField: 'Time',
    },
  };
}

/** Places panels left to right, wrapping at 24 columns. */
export class Layout {
  private x = 0;
  private y = 0;
  private rowHeight = 0;
  readonly panels: Panel[] = [];

  add(...specs: PanelSpec[]): this {
    for (const { w, h, ...p } of specs) {
      if (this.x + w > 24) this.newRow();
      this.panels.push({
        ...p,
        id: this.panels.length + 1,
        gridPos: { h, w, x: this.x, y: this.y },
      });
      this.x += w;
      this.rowHeight = Math.max(this.rowHeight, h);
    }
    return this;
  }

  newRow(): this {
    if (this.x > 0) {
      this.y += this.rowHeight;
      this.x = 0;
      this.rowHeight = 0;
    }
    return this;
  }
}
