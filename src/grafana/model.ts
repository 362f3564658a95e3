import { z } from 'zod';
import type { Unit } from '../domain/units';

/**
 * The Grafana dashboard JSON HeatBridge ships (`grafana/dashboards/*.json`), as a zod schema:
 * the part of Grafana's dashboard model (schemaVersion 39, Grafana 10/11) our dashboards use,
 * strict where a mistake would show up only in a browser — every panel names a datasource, has
 * at least one InfluxQL query and a unit. The dashboards are generated (src/grafana/dashboards/,
 * one module each) and checked against this schema in the tests and before they are written.
 */

/** The provisioned datasources (grafana/provisioning/datasources). */
export const DATASOURCE_UIDS = {
  influxql: 'heatbridge-influxdb',
  flux: 'heatbridge-flux',
} as const;

/** Grafana's unit ids for our units (Grafana's valueFormats categories). */
export const GRAFANA_UNITS: Record<Unit, string> = {
  degC: 'celsius',
  K: 'kelvin',
  // kW and kWh scale themselves (SI prefixes): 2400 kW shows as 2.4 MW.
  kW: 'kwatt',
  kWh: 'kwatth',
  MWh: 'mwatth',
  // Grafana puts its own space before a custom suffix.
  'm3/h': 'suffix:m³/h',
  'kg/s': 'suffix:kg/s',
  bar: 'pressurebar',
  '%': 'percent',
  ratio: 'none',
  bool: 'bool_on_off',
  count: 'short',
  s: 's',
  text: 'string',
  EUR: 'currencyEUR',
  'EUR/h': 'suffix:€/h',
  'EUR/MWh': 'suffix:€/MWh',
};

/** Units a panel may carry: ours, plus hours (run hours) and fractions shown as percent (ERF). */
const PANEL_UNITS = new Set([...Object.values(GRAFANA_UNITS), 'h', 'percentunit']);

const datasourceRef = z.strictObject({ type: z.literal('influxdb'), uid: z.string().min(1) });

const thresholdsSchema = z.strictObject({
  mode: z.literal('absolute'),
  steps: z
    .array(z.strictObject({ color: z.string().min(1), value: z.number().nullable() }))
    .min(1)
    .refine((s) => s[0]!.value === null, { error: 'the first threshold step is the base (null)' })
    .refine((s) => s.slice(1).every((x, i) => i === 0 || x.value! > s[i]!.value!), {
      error: 'threshold values must increase',
    }),
});

export const targetSchema = z.strictObject({
  refId: z.string().regex(/^[A-Z]$/),
  datasource: datasourceRef,
  rawQuery: z.literal(true),
  query: z.string().min(10),
  resultFormat: z.enum(['time_series', 'table']),
  alias: z.string().optional(),
});

export const panelSchema = z.strictObject({
  id: z.number().int().positive(),
  type: z.enum(['timeseries', 'stat', 'table', 'state-timeline', 'xychart', 'barchart']),
  /** Without it Grafana migrates the options as if saved by an old version (xychart breaks). */
  pluginVersion: z.string().regex(/^\d+\.\d+\.\d+$/),
  title: z.string().min(1),
  description: z.string().min(1),
  gridPos: z.strictObject({
    h: z.number().int().positive(),
    w: z.number().int().min(1).max(24),
    x: z.number().int().min(0).max(23),
    y: z.number().int().min(0),
  }),
  datasource: datasourceRef,
  /** Smallest GROUP BY time Grafana picks for $__interval (a series recorded every 10 s). */
  interval: z
    .string()
    .regex(/^\d+[smhd]$/)
    .optional(),
  targets: z.array(targetSchema).min(1),
  fieldConfig: z.strictObject({
    defaults: z
      .object({
        unit: z.string().refine((u) => PANEL_UNITS.has(u), { error: 'not a unit HeatBridge uses' }),
        thresholds: thresholdsSchema.optional(),
      })
      .loose(),
    overrides: z.array(z.unknown()),
  }),
  options: z.record(z.string(), z.unknown()),
  transformations: z.array(z.strictObject({ id: z.string(), options: z.unknown() })).optional(),
});

export const variableSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('query'),
    name: z.string().regex(/^[a-z_]+$/),
    label: z.string(),
    datasource: datasourceRef,
    query: z.string().startsWith('SHOW TAG VALUES'),
    definition: z.string(),
    refresh: z.literal(2),
    multi: z.boolean(),
    includeAll: z.boolean(),
    current: z.record(z.string(), z.unknown()),
    sort: z.number().int(),
  }),
  z.strictObject({
    type: z.literal('custom'),
    name: z.string().regex(/^[a-z_]+$/),
    label: z.string(),
    description: z.string(),
    query: z.string(),
    options: z.array(
      z.strictObject({ text: z.string(), value: z.string(), selected: z.boolean() }),
    ),
    current: z.strictObject({ text: z.string(), value: z.string() }),
    multi: z.literal(false),
    includeAll: z.literal(false),
  }),
]);

export const dashboardSchema = z
  .strictObject({
    uid: z.string().regex(/^[a-z0-9-]{1,40}$/),
    title: z.string().min(1),
    description: z.string().min(1),
    tags: z.array(z.string()),
    schemaVersion: z.number().int().min(36),
    version: z.number().int(),
    editable: z.boolean(),
    graphTooltip: z.number().int(),
    time: z.strictObject({ from: z.string(), to: z.string() }),
    timezone: z.string(),
    refresh: z.string(),
    templating: z.strictObject({ list: z.array(variableSchema) }),
    annotations: z.strictObject({ list: z.array(z.unknown()) }),
    links: z.array(z.unknown()),
    panels: z.array(panelSchema).min(1),
  })
  .superRefine((d, ctx) => {
    const ids = d.panels.map((p) => p.id);
    if (new Set(ids).size !== ids.length)
      ctx.addIssue({ code: 'custom', message: 'panel ids must be unique', path: ['panels'] });
    const vars = new Set(d.templating.list.map((v) => v.name));
    d.panels.forEach((p, i) =>
      p.targets.forEach((t, j) => {
        for (const m of t.query.matchAll(/\$(\w+)/g)) {
          const name = m[1]!;
          if (!['timeFilter', '__interval', '__interval_ms'].includes(name) && !vars.has(name))
            ctx.addIssue({
              code: 'custom',
              message: `unknown template variable $${name}`,
              path: ['panels', i, 'targets', j, 'query'],
            });
        }
      }),
    );
  });

export type Dashboard = z.output<typeof dashboardSchema>;
export type Panel = z.output<typeof panelSchema>;
export type Target = z.output<typeof targetSchema>;
export type Variable = z.output<typeof variableSchema>;
