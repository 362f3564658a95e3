import type { SiteConfig } from '../config';
import { buildPointDefs } from '../config';
import type { ControllerConfig } from '../config/controllers';
import { derivedPointDefs } from '../control/controllers/derived';
import { splitPointId } from '../domain/point-id';
import { measurementOfKind } from '../historian/schema';
import { enefg11Check } from '../reporting/regulatory';
import { DEVICE, GOOD, meanOver, pointIs, select, stateOver, tagIs } from './influxql';
import { dashboardSchema, GRAFANA_UNITS, type Dashboard, type Variable } from './model';
import {
  bars,
  DATASOURCE,
  Layout,
  stat,
  stateTimeline,
  table,
  timeseries,
  xy,
  type Query,
  type Threshold,
} from './panels';

/**
 * The six Grafana dashboards, built from a site config so that thresholds are the configured
 * limits and queries name the configured points. `npm run docs` writes the demo site's into
 * `grafana/dashboards/`; `heatbridge grafana dashboards --config SITE --out DIR` writes a site's own.
 */
export function buildDashboards(site: SiteConfig): Dashboard[] {
  const ctx = new SiteContext(site);
  return [
    plantOverview(ctx),
    heatRecovery(ctx),
    heatPumps(ctx),
    temperatures(ctx),
    alarmsAndEvents(ctx),
    dataQuality(ctx),
  ].map((d) => dashboardSchema.parse(d));
}

type Of<T extends ControllerConfig['type']> = Extract<ControllerConfig, { type: T }>;

/** What the dashboards need to know about a site. */
class SiteContext {
  readonly defs;
  constructor(readonly site: SiteConfig) {
    this.defs = buildPointDefs(site);
    for (const d of derivedPointDefs(site.control.cycleMs)) this.defs.set(d.id, d);
  }

  controller<T extends ControllerConfig['type']>(type: T): Of<T> | undefined {
    return this.site.control.controllers.find((c): c is Of<T> => c.type === type);
  }

  /** Where a point's samples are, and the conditions selecting its clean values. */
  private series(id: string): { measurement: string; point: string; clean: string[] } {
    const def = this.defs.get(id as never);
    if (!def) throw new Error(`dashboards: no point ${id} in the site config`);
    const measurement = measurementOfKind(def.kind);
    // Derived points are computed from good inputs only; every other point has its quality tag.
    const clean = [pointIs(id), ...(measurement === 'derived' ? [] : [GOOD])];
    return { measurement, point: pointIs(id), clean };
  }

  /** The mean of one point per interval (good samples only), named `alias`. */
  mean(id: string, alias: string): Query {
    const s = this.series(id);
    return { query: meanOver(s.measurement, s.clean), alias };
  }

  /** Energy over the dashboard's range from a power point: the integral in kWh. */
  energy(id: string, alias: string, rest = ''): Query {
    const s = this.series(id);
    return { query: select('integral("value", 1h)', s.measurement, s.clean, rest), alias };
  }

  last(id: string, alias: string): Query {
    const s = this.series(id);
    return { query: select('last("value")', s.measurement, [s.point]), alias };
  }

  /** Limit alarms configured on a point. */
  limits(id: string): { high?: number; low?: number } {
    const out: { high?: number; low?: number } = {};
    for (const a of this.site.alarms.definitions) {
      if (a.type !== 'limit' || a.point !== id) continue;
      if (a.high !== undefined) out.high = Math.min(out.high ?? Infinity, a.high);
      if (a.low !== undefined) out.low = Math.max(out.low ?? -Infinity, a.low);
    }
    return out;
  }

  /** Heat-pump devices (from the dispatch or derived controller). */
  heatPumpDevices(): string[] {
    const refs =
      this.controller('heat-pump-dispatch')?.heatPumps.map((h) => h.heatOutput) ??
      this.controller('derived')?.heatPumps.map((h) => h.heatOutput) ??
      [];
    return [...new Set(refs.map((r) => splitPointId(r as never).device))];
  }

  hasDerived(name: string): boolean {
    return this.controller('derived') !== undefined && this.defs.has(`derived/${name}` as never);
  }
}

const unit = (u: keyof typeof GRAFANA_UNITS): string => GRAFANA_UNITS[u];
const BY_DEVICE_POINT = '$tag_device/$tag_point';

function variables(ctx: SiteContext, opts: { devices?: string[]; rp?: boolean } = {}): Variable[] {
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

function dashboard(
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

/** Cooling-safety limits of a supply temperature as thresholds: alarm and action orange, limit red. */
function coolingThresholds(
  ctx: SiteContext,
  s: { point: string; limit: number; margin: number },
): Threshold[] {
  const warn = new Set([s.limit - s.margin]);
  const high = ctx.limits(s.point).high;
  if (high !== undefined && high < s.limit) warn.add(high);
  return [
    ...[...warn].map((value) => ({ color: 'orange', value })),
    { color: 'red', value: s.limit },
  ];
}

/** The heat flows every energy view starts from. */
function heatFlowQueries(ctx: SiteContext): Query[] {
  const q: Query[] = [];
  const derived = ctx.controller('derived');
  const dispatch = ctx.controller('heat-pump-dispatch');
  if (derived) q.push(ctx.mean(derived.itPower, 'IT load'));
  if (ctx.hasDerived('recoverable_heat') && derived?.sources.length)
    q.push(ctx.mean('derived/recoverable_heat', 'recoverable (coolant)'));
  if (derived) q.push(ctx.mean('derived/recovered_heat', 'recovered (heat pumps)'));
  if (derived?.deliveredHeat) q.push(ctx.mean(derived.deliveredHeat, 'delivered to the network'));
  if (dispatch) q.push(ctx.mean(dispatch.networkAcceptance, 'network acceptance'));
  if (derived?.dryCoolerHeat) q.push(ctx.mean(derived.dryCoolerHeat, 'dry coolers'));
  return q;
}

function plantOverview(ctx: SiteContext): Dashboard {
  const l = new Layout();
  const derived = ctx.controller('derived');
  const safety = ctx.controller('cooling-safety');
  const supply = ctx.controller('supply-setpoint');
  const kw = unit('kW');
  if (derived) {
    l.add(
      stat({ title: 'IT load', description: 'Electricity of the IT equipment now', unit: kw }, [
        ctx.last(derived.itPower, 'IT load'),
      ]),
      stat(
        {
          title: 'Recovered heat',
          description: 'Heat the heat pumps take from the coolant now',
          unit: kw,
        },
        [ctx.last('derived/recovered_heat', 'recovered')],
      ),
    );
    if (derived.deliveredHeat)
      l.add(
        stat(
          {
            title: 'Delivered heat',
            description: 'Heat into the district network now (meter)',
            unit: kw,
          },
          [ctx.last(derived.deliveredHeat, 'delivered')],
        ),
      );
    if (derived.dryCoolerHeat)
      l.add(
        stat({ title: 'Dry coolers', description: 'Heat rejected to the air now', unit: kw }, [
          ctx.last(derived.dryCoolerHeat, 'dry coolers'),
        ]),
      );
    l.add(
      stat(
        {
          title: 'COP',
          description: 'Heat-pump COP now: condenser heat / electricity',
          unit: unit('ratio'),
          decimals: 2,
        },
        [ctx.last('derived/cop', 'COP')],
      ),
      stat(
        {
          title: 'ERF',
          description: 'Energy reuse factor since HeatBridge started (EN 50600-4-6)',
          unit: 'percentunit',
          decimals: 1,
          ...erfThresholds(ctx),
        },
        [ctx.last('derived/erf', 'ERF')],
      ),
    );
  }
  l.newRow().add(
    timeseries(
      {
        title: 'Heat flows',
        description:
          'Where the data center’s heat goes: recovered by the heat pumps, delivered to the network, rejected by the dry coolers',
        unit: kw,
      },
      heatFlowQueries(ctx),
    ),
  );
  const temps: Query[] = [];
  for (const s of safety?.supplyTemps ?? []) temps.push(ctx.mean(s.point, s.point));
  if (supply?.measuredSupply) temps.push(ctx.mean(supply.measuredSupply, 'district supply'));
  if (supply) temps.push(ctx.mean(supply.outputs[0]!, 'supply setpoint'));
  if (temps.length)
    l.add(
      timeseries(
        {
          title: 'Key temperatures',
          description:
            'IT coolant supply (cooling comes first) and the district supply against its setpoint',
          unit: unit('degC'),
        },
        temps,
      ),
    );
  l.newRow().add(
    stateTimeline(
      {
        title: 'Equipment states',
        description:
          'On/off states the devices report (running, tripped, local mode, PLC safe state, faults) and whether cooling safety acts',
        unit: unit('bool'),
        h: 10,
      },
      [
        {
          query: stateOver('status', [DEVICE, `"unit" = 'bool'`], ['device', 'point']),
          alias: BY_DEVICE_POINT,
        },
      ],
      ['off', 'on'],
    ),
  );
  return dashboard(
    ctx,
    {
      uid: 'heatbridge-overview',
      title: 'HeatBridge · Plant overview',
      description: 'Heat flows, key temperatures and equipment states of the site',
      tags: ['overview'],
    },
    l,
    variables(ctx),
  );
}

/** ERF against the EnEfG §11 target for the site's start of operation (red below it). */
function erfThresholds(ctx: SiteContext): { thresholds?: Threshold[]; thresholdBase?: string } {
  const target = enefg11Check(ctx.site.reporting.startOfOperation, null, null, 0).erfTarget;
  return target === null
    ? {}
    : { thresholdBase: 'red', thresholds: [{ color: 'green', value: target }] };
}

function pueThresholds(ctx: SiteContext): Threshold[] {
  const start = ctx.site.reporting.startOfOperation;
  // New sites: 1.2; older ones: 1.5 from July 2027 and 1.3 from July 2030 (the stricter shown).
  const target = start && start >= '2026-07-01' ? 1.2 : 1.3;
  return [{ color: 'red', value: target }];
}

function heatRecovery(ctx: SiteContext): Dashboard {
  const l = new Layout();
  const derived = ctx.controller('derived');
  const tz = `tz('${ctx.site.site.timezone}')`;
  l.add(
    timeseries(
      {
        title: 'Heat flows',
        description:
          'Recoverable heat in the coolant, what the heat pumps recover, what the network takes and may take, and what the dry coolers reject',
        unit: unit('kW'),
        w: 24,
      },
      heatFlowQueries(ctx),
    ),
  );
  const energies: Query[] = [];
  if (derived) {
    energies.push(ctx.energy('derived/recovered_heat', 'recovered'));
    if (derived.deliveredHeat) energies.push(ctx.energy(derived.deliveredHeat, 'delivered'));
    energies.push(ctx.energy('derived/hp_electric_power', 'heat-pump electricity'));
    if (derived.dryCoolerHeat)
      energies.push(ctx.energy(derived.dryCoolerHeat, 'rejected by dry coolers'));
  }
  l.newRow();
  for (const e of energies)
    l.add(
      stat(
        {
          title: `Energy ${e.alias}`,
          description: `Integral of the power over the dashboard's time range`,
          unit: unit('kWh'),
          w: 6,
        },
        [e],
      ),
    );
  l.newRow();
  if (derived?.deliveredHeat)
    l.add(
      bars(
        {
          title: 'Heat delivered per day',
          description: 'Daily heat into the district network, local days',
          unit: unit('kWh'),
        },
        [ctx.energy(derived.deliveredHeat, 'delivered', `GROUP BY time(1d) fill(0) ${tz}`)],
      ),
    );
  if (ctx.hasDerived('drycooler_share') && derived?.dryCoolerHeat)
    l.add(
      timeseries(
        {
          title: 'Dry-cooler share',
          description:
            'Share of the heat leaving the coolant that the dry coolers reject (the rest is recovered)',
          unit: unit('%'),
          min: 0,
          max: 100,
        },
        [ctx.mean('derived/drycooler_share', 'dry-cooler share')],
      ),
    );
  l.newRow().add(
    timeseries(
      {
        title: 'COP',
        description: 'Heat-pump COP now and since start (seasonal)',
        unit: unit('ratio'),
        decimals: 2,
      },
      [ctx.mean('derived/cop', 'COP now'), ctx.mean('derived/cop_running', 'COP since start')],
    ),
    timeseries(
      {
        title: 'ERF and PUE',
        description: 'Energy reuse factor since start (a fraction) and PUE now',
        unit: unit('ratio'),
        decimals: 2,
      },
      [ctx.mean('derived/erf', 'ERF'), ctx.mean('derived/pue', 'PUE')],
    ),
  );
  l.newRow().add(
    stat(
      {
        title: 'ERF',
        description:
          'Energy reuse factor since start; green from the EnEfG §11 target for the site’s start of operation',
        unit: 'percentunit',
        decimals: 1,
        w: 12,
        ...erfThresholds(ctx),
      },
      [ctx.last('derived/erf', 'ERF')],
    ),
    stat(
      {
        title: 'PUE',
        description: 'Facility / IT power now; red above the EnEfG §11 target',
        unit: unit('ratio'),
        decimals: 2,
        w: 12,
        thresholds: pueThresholds(ctx),
      },
      [ctx.last('derived/pue', 'PUE')],
    ),
  );
  return dashboard(
    ctx,
    {
      uid: 'heatbridge-energy',
      title: 'HeatBridge · Heat recovery & energy',
      description:
        'Recovered and delivered heat (kW, MWh), network acceptance, dry-cooler share, COP, ERF and PUE',
      tags: ['energy'],
    },
    l,
    variables(ctx),
  );
}

function heatPumps(ctx: SiteContext): Dashboard {
  const l = new Layout();
  const devices = ctx.heatPumpDevices();
  const dispatch = ctx.controller('heat-pump-dispatch');
  const names = (pick: (h: Of<'heat-pump-dispatch'>['heatPumps'][number]) => string): string[] =>
    (dispatch?.heatPumps ?? []).map((h) => splitPointId(pick(h) as never).point);
  const perDevice = (measurement: string, points: string[], fn = 'mean("value")'): Query => ({
    query: meanOver(measurement, [DEVICE, tagIs('point', points), GOOD], ['device'], fn),
    alias: '$tag_device',
  });
  if (dispatch) {
    l.add(
      timeseries(
        {
          title: 'Load setpoint',
          description: 'Load HeatBridge asks of each heat pump (minimum load, ramp limited)',
          unit: unit('%'),
          min: 0,
          max: 100,
        },
        [
          perDevice(
            'setpoint',
            names((h) => h.loadSetpoint),
          ),
        ],
      ),
      timeseries(
        { title: 'Heat output', description: 'Condenser heat of each heat pump', unit: unit('kW') },
        [
          perDevice(
            'measurement',
            names((h) => h.heatOutput),
          ),
        ],
      ),
      timeseries(
        { title: 'Electricity', description: 'Electric power of each heat pump', unit: unit('kW') },
        [
          perDevice(
            'measurement',
            names((h) => h.electricPower),
          ),
        ],
      ),
      timeseries(
        {
          title: 'Condenser outlet',
          description: 'Condenser outlet temperature of each heat pump (trip above 90 °C)',
          unit: unit('degC'),
        },
        [
          perDevice(
            'measurement',
            names((h) => h.condenserOut),
          ),
        ],
      ),
    );
  }
  if (
    ctx.hasDerived('lift') &&
    ctx.controller('derived')?.heatPumps.every((h) => h.condenserOut && h.evaporatorOut)
  )
    l.add(
      xy(
        {
          title: 'COP vs temperature lift',
          description:
            'Each point one interval: the COP of the heat pumps against their heat-weighted lift (condenser − evaporator outlet)',
          unit: unit('ratio'),
          decimals: 2,
        },
        [ctx.mean('derived/lift', 'lift'), ctx.mean('derived/cop', 'COP')],
        'lift',
        'COP',
      ),
    );
  l.newRow();
  const startPoints = [
    ...new Set(
      [...ctx.defs.values()]
        .filter((d) => devices.includes(d.device) && d.unit === 'count' && /start/.test(d.name))
        .map((d) => d.name),
    ),
  ];
  if (startPoints.length)
    l.add(
      stat(
        {
          title: 'Starts',
          description: 'Compressor starts in the time range (the start counter’s spread)',
          unit: unit('count'),
          w: 6,
        },
        [
          {
            query: select(
              'spread("value")',
              'status',
              [DEVICE, tagIs('point', startPoints), GOOD],
              'GROUP BY "device"',
            ),
            alias: '$tag_device',
          },
        ],
        'lastNotNull',
      ),
    );
  if (dispatch) {
    l.add(
      stat(
        {
          title: 'Run hours',
          description: 'Hours each heat pump ran in the time range (the running state integrated)',
          unit: 'h',
          decimals: 1,
          w: 6,
        },
        [
          {
            query: select(
              'integral("value", 1h)',
              'status',
              [
                DEVICE,
                tagIs(
                  'point',
                  names((h) => h.running),
                ),
              ],
              'GROUP BY "device"',
            ),
            alias: '$tag_device',
          },
        ],
      ),
      stateTimeline(
        {
          title: 'Running and tripped',
          description: 'Running and tripped states of each heat pump',
          unit: unit('bool'),
          w: 12,
        },
        [
          {
            query: stateOver(
              'status',
              [DEVICE, tagIs('point', [...names((h) => h.running), ...names((h) => h.tripped)])],
              ['device', 'point'],
            ),
            alias: BY_DEVICE_POINT,
          },
        ],
        ['no', 'yes'],
      ),
    );
  }
  return dashboard(
    ctx,
    {
      uid: 'heatbridge-heat-pumps',
      title: 'HeatBridge · Heat pumps',
      description: 'Load, heat and electricity, COP against temperature lift, starts and run hours',
      tags: ['heat-pumps'],
    },
    l,
    variables(ctx, { devices }),
  );
}

function temperatures(ctx: SiteContext): Dashboard {
  const l = new Layout();
  const safety = ctx.controller('cooling-safety');
  const supply = ctx.controller('supply-setpoint');
  for (const s of safety?.supplyTemps ?? []) {
    const { device } = splitPointId(s.point);
    const returns = [...ctx.defs.values()].filter(
      (d) =>
        d.device === device && d.unit === 'degC' && d.id !== s.point && d.kind === 'measurement',
    );
    l.add(
      timeseries(
        {
          title: `${s.point} against its limit`,
          description: `Limit ${s.limit} °C (red); cooling safety acts from ${s.limit - s.margin} °C and the alarm is orange`,
          unit: unit('degC'),
          thresholds: coolingThresholds(ctx, s),
        },
        [ctx.mean(s.point, 'supply'), ...returns.slice(0, 3).map((d) => ctx.mean(d.id, d.name))],
      ),
    );
  }
  l.newRow();
  if (supply) {
    const low = supply.measuredSupply ? ctx.limits(supply.measuredSupply).low : undefined;
    const q: Query[] = [];
    if (supply.measuredSupply) q.push(ctx.mean(supply.measuredSupply, 'supply'));
    q.push(ctx.mean(supply.outputs[0]!, 'setpoint'));
    if (supply.utilityRequest) q.push(ctx.mean(supply.utilityRequest, 'utility request'));
    if (supply.measuredReturn) q.push(ctx.mean(supply.measuredReturn, 'return'));
    l.add(
      timeseries(
        {
          title: 'District supply vs setpoint',
          description: `Supply temperature to the network against HeatBridge's setpoint (clamped to ${supply.min}–${supply.max} °C) and the utility's request${low !== undefined ? `; red below the ${low} °C alarm` : ''}`,
          unit: unit('degC'),
          ...(low !== undefined
            ? { thresholdBase: 'red', thresholds: [{ color: 'green', value: low }] }
            : {}),
        },
        q,
      ),
      timeseries(
        {
          title: 'Outdoor temperature',
          description: 'What the supply curve follows when the utility sends no request',
          unit: unit('degC'),
        },
        [ctx.mean(supply.outdoorTemp, 'outdoor')],
      ),
    );
  }
  l.newRow().add(
    timeseries(
      {
        title: 'All temperatures',
        description: 'Every temperature of the selected devices',
        unit: unit('degC'),
        w: 24,
        h: 10,
      },
      [
        {
          query: meanOver('measurement', [DEVICE, `"unit" = 'degC'`, GOOD], ['device', 'point']),
          alias: BY_DEVICE_POINT,
        },
      ],
    ),
  );
  return dashboard(
    ctx,
    {
      uid: 'heatbridge-temperatures',
      title: 'HeatBridge · Temperatures',
      description: 'Coolant loops against their limits, district supply against its setpoint',
      tags: ['temperatures'],
    },
    l,
    variables(ctx),
  );
}

function alarmsAndEvents(ctx: SiteContext): Dashboard {
  const l = new Layout();
  l.add(
    stateTimeline(
      {
        title: 'Alarms active',
        description: 'When each alarm was active',
        unit: unit('bool'),
        h: 10,
      },
      [{ query: stateOver('alarm', [], ['alarm']), alias: '$tag_alarm' }],
      ['clear', 'active'],
    ),
  );
  l.newRow().add(
    stat(
      {
        title: 'Alarms raised',
        description: 'Alarms raised in the time range, by priority',
        unit: unit('count'),
        w: 8,
      },
      [
        {
          query: select('count("value")', 'alarm', [`"event" = 'raised'`], 'GROUP BY "priority"'),
          alias: '$tag_priority',
        },
      ],
    ),
    stat(
      {
        title: 'Writes refused or failed',
        description: 'Writes the write guard refused or the device did not take, by outcome',
        unit: unit('count'),
        w: 8,
        thresholds: [{ color: 'orange', value: 1 }],
      },
      [
        {
          query: select(
            'count("actor")',
            'audit',
            [`"event" = 'write'`, `"status" != 'written'`],
            'GROUP BY "status"',
          ),
          alias: '$tag_status',
        },
      ],
    ),
    stat(
      {
        title: 'Operator actions',
        description: 'Overrides, mode changes and operator writes in the time range',
        unit: unit('count'),
        w: 8,
      },
      [
        {
          query: select('count("actor")', 'audit', [
            `("event" != 'write' OR "actor_kind" = 'user')`,
          ]),
          alias: 'operator actions',
        },
      ],
    ),
  );
  l.newRow().add(
    table(
      {
        title: 'Alarm log',
        description:
          'Every alarm transition: raised, cleared, acknowledged, shelved, with who and why',
        unit: 'none',
      },
      [
        {
          query: select(
            '"alarm", "priority", "event", "state", "message", "actor", "reason"',
            'alarm',
            [],
            'ORDER BY time DESC LIMIT 1000',
          ),
        },
      ],
    ),
    table(
      {
        title: 'Operator actions',
        description: 'The audit trail of overrides, mode changes and operator writes',
        unit: 'none',
      },
      [
        {
          query: select(
            '"event", "device", "point", "actor", "reason", "value", "state", "expires_at", "status"',
            'audit',
            [`("event" != 'write' OR "actor_kind" = 'user')`],
            'ORDER BY time DESC LIMIT 1000',
          ),
        },
      ],
    ),
    table(
      {
        title: 'Writes refused or failed',
        description: 'Writes that did not reach the device: who asked, what, and why not',
        unit: 'none',
      },
      [
        {
          query: select(
            '"device", "point", "status", "code", "actor", "requested", "message"',
            'audit',
            [`"event" = 'write'`, `"status" != 'written'`],
            'ORDER BY time DESC LIMIT 1000',
          ),
        },
      ],
    ),
  );
  return dashboard(
    ctx,
    {
      uid: 'heatbridge-alarms',
      title: 'HeatBridge · Alarms & events',
      description: 'Alarm history, operator actions and refused writes',
      tags: ['alarms'],
    },
    l,
    variables(ctx, { rp: false }),
  );
}

function dataQuality(ctx: SiteContext): Dashboard {
  const l = new Layout();
  const notGood = [DEVICE, `"quality" != 'good'`];
  const kinds = ['measurement', 'setpoint', 'status'];
  l.add(
    timeseries(
      {
        title: 'Samples not good',
        description: 'Samples recorded stale, bad or uncertain per interval, by quality',
        unit: unit('count'),
      },
      [
        {
          query: select(
            'count("value")',
            kinds,
            notGood,
            'GROUP BY time($__interval), "quality" fill(0)',
            true,
          ),
          alias: '$tag_quality',
        },
      ],
    ),
    table(
      {
        title: 'Points with samples not good',
        description: 'Which points were stale, bad or uncertain in the time range, and how often',
        unit: unit('count'),
        w: 12,
      },
      [
        {
          query: select(
            'count("value")',
            kinds,
            notGood,
            'GROUP BY "device", "point", "quality"',
            true,
          ),
        },
      ],
    ),
  );
  l.newRow().add(
    stateTimeline(
      {
        title: 'Field connections',
        description: 'Whether each field adapter is connected (recorded every 10 s)',
        unit: unit('bool'),
        interval: '10s',
        w: 12,
      },
      [
        {
          query: stateOver('adapter', [], ['adapter']).replace(
            'last("value")',
            'last("connected")',
          ),
          alias: '$tag_adapter',
        },
      ],
      ['down', 'up'],
    ),
    timeseries(
      {
        title: 'Adapter errors',
        description:
          'Timeouts, exception replies and lost connections per interval, per field adapter',
        unit: unit('count'),
        interval: '10s',
        thresholds: [{ color: 'orange', value: 1 }],
      },
      [
        {
          query: select(
            'non_negative_difference(max("errors"))',
            'adapter',
            [],
            'GROUP BY time($__interval), "adapter" fill(none)',
          ),
          alias: '$tag_adapter',
        },
      ],
    ),
  );
  const historianPoint = (p: string): Query => ({
    query: meanOver('status', [pointIs(`historian/${p}`)], [], 'max("value")'),
    alias: p,
  });
  const backlogAlarm = ctx.limits('historian/backlog_lines').high;
  l.newRow().add(
    timeseries(
      {
        title: 'Historian backlog',
        description: 'Lines waiting in the spool for the database',
        unit: unit('count'),
        ...(backlogAlarm !== undefined
          ? { thresholds: [{ color: 'orange', value: backlogAlarm }] }
          : {}),
      },
      [historianPoint('backlog_lines')],
    ),
    timeseries(
      {
        title: 'Historian losses',
        description:
          'Lines dropped (spool full), refused by the database, rejected before spooling: counters since start',
        unit: unit('count'),
        thresholds: [{ color: 'red', value: 1 }],
      },
      [
        historianPoint('dropped_lines'),
        historianPoint('refused_lines'),
        historianPoint('rejected_lines'),
      ],
    ),
    timeseries(
      {
        title: 'Control cycle',
        description:
          'How long each control cycle took, writes included (the cycle period is the ceiling)',
        unit: unit('s'),
      },
      [
        {
          query: meanOver('status', [pointIs('control/cycle_duration')], [], 'max("value")'),
          alias: 'cycle duration',
        },
      ],
    ),
    stat(
      {
        title: 'Skipped control ticks',
        description: 'Ticks skipped because a cycle was still running (a counter since start)',
        unit: unit('count'),
        thresholds: [{ color: 'orange', value: 1 }],
      },
      [
        {
          query: select('last("value")', 'status', [pointIs('control/skipped_cycles')]),
          alias: 'skipped',
        },
      ],
    ),
  );
  return dashboard(
    ctx,
    {
      uid: 'heatbridge-data-quality',
      title: 'HeatBridge · Data quality',
      description:
        'Stale and bad points, field adapter errors, the historian backlog and control timing',
      tags: ['data-quality'],
    },
    l,
    variables(ctx, { rp: false }),
  );
}
