import { z } from 'zod';

/**
 * The fleet dashboard's JSON (deploy/fleet/grafana/dashboards/fleet.json), as a zod schema: the
 * part of Grafana's dashboard model it uses, with PromQL targets on a Prometheus datasource (the
 * fleet's VictoriaMetrics cluster, through vmselect) instead of the site dashboards' InfluxQL.
 * Strict where a mistake would only show in a browser: every panel names the fleet datasource,
 * has at least one PromQL expression and a unit, and every `$variable` exists.
 */

/** deploy/fleet/grafana/provisioning/datasources/victoriametrics.yaml provisions it. */
export const FLEET_DATASOURCE = { type: 'prometheus', uid: 'heatbridge-fleet-vm' } as const;

const datasourceRef = z.strictObject({
  type: z.literal(FLEET_DATASOURCE.type),
  uid: z.literal(FLEET_DATASOURCE.uid),
});

export const promTargetSchema = z.strictObject({
  refId: z.string().regex(/^[A-Z]$/),
  datasource: datasourceRef,
  editorMode: z.literal('code'),
  expr: z.string().min(10),
  legendFormat: z.string(),
  /** Instant queries (one value per series at the range's end) for stats, rankings and tables. */
  instant: z.boolean(),
  range: z.boolean(),
  format: z.enum(['time_series', 'table']),
});

const FLEET_UNITS = new Set(['kwatt', 'kwatth', 'percentunit', 'short', 's', 'none']);

export const promPanelSchema = z.strictObject({
  id: z.number().int().positive(),
  type: z.enum(['timeseries', 'stat', 'table', 'bargauge', 'row']),
  pluginVersion: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/)
    .optional(),
  title: z.string().min(1),
  description: z.string().min(1).optional(),
  gridPos: z.strictObject({
    h: z.number().int().positive(),
    w: z.number().int().min(1).max(24),
    x: z.number().int().min(0).max(23),
    y: z.number().int().min(0),
  }),
  datasource: datasourceRef.optional(),
  interval: z
    .string()
    .regex(/^\d+[smhd]$/)
    .optional(),
  targets: z.array(promTargetSchema).optional(),
  fieldConfig: z
    .strictObject({
      defaults: z
        .object({
          unit: z.string().refine((u) => FLEET_UNITS.has(u), { error: 'not a fleet unit' }),
        })
        .loose(),
      overrides: z.array(z.unknown()),
    })
    .optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  transformations: z.array(z.strictObject({ id: z.string(), options: z.unknown() })).optional(),
  collapsed: z.boolean().optional(),
  panels: z.array(z.unknown()).optional(),
});

export const promVariableSchema = z.strictObject({
  type: z.literal('query'),
  name: z.string().regex(/^[a-z_]+$/),
  label: z.string(),
  description: z.string(),
  datasource: datasourceRef,
  query: z.strictObject({ query: z.string().startsWith('label_values('), refId: z.string() }),
  definition: z.string(),
  refresh: z.literal(2),
  multi: z.boolean(),
  includeAll: z.boolean(),
  allValue: z.string().optional(),
  current: z.record(z.string(), z.unknown()),
  sort: z.number().int(),
});

/** Grafana's own variables the queries may use. */
export const GRAFANA_BUILTINS = ['__interval', '__range', '__range_s', '__rate_interval'];

export const fleetDashboardSchema = z
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
    templating: z.strictObject({ list: z.array(promVariableSchema) }),
    annotations: z.strictObject({ list: z.array(z.unknown()) }),
    links: z.array(z.unknown()),
    panels: z.array(promPanelSchema).min(1),
  })
  .superRefine((d, ctx) => {
    const ids = d.panels.map((p) => p.id);
    if (new Set(ids).size !== ids.length)
      ctx.addIssue({ code: 'custom', message: 'panel ids must be unique', path: ['panels'] });
    const vars = new Set(d.templating.list.map((v) => v.name));
    d.panels.forEach((p, i) => {
      if (p.type !== 'row' && (!p.targets?.length || !p.fieldConfig || !p.datasource))
        ctx.addIssue({
          code: 'custom',
          message: 'a panel needs the datasource, queries and a unit',
          path: ['panels', i],
        });
      p.targets?.forEach((t, j) => {
        for (const m of t.expr.matchAll(/\$(\w+)/g)) {
          if (!GRAFANA_BUILTINS.includes(m[1]!) && !vars.has(m[1]!))
            ctx.addIssue({
              code: 'custom',
              message: `unknown template variable $${m[1]}`,
              path: ['panels', i, 'targets', j, 'expr'],
            });
        }
      });
    });
  });

export type FleetDashboard = z.output<typeof fleetDashboardSchema>;
export type PromPanel = z.output<typeof promPanelSchema>;
export type PromTarget = z.output<typeof promTargetSchema>;
