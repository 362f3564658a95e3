import { z } from 'zod';
import { isPointId } from '../domain/point-id';
import { valueTypeOfUnit } from '../domain/units';
import { ALARMS_DEFAULTS, alarmsSchema } from './alarms';
import { API_DEFAULTS, apiSchema } from './api';
import { durationMs, enumOf, nameSchema } from './common';
import { controlSchema, controllerPointRefs } from './controllers';
import { heatSignalPointRefs, heatSignalSchema, SIGNAL_POINT_UNITS } from './heat-signal';
import { northboundSchema } from './northbound';
import { historianSchema } from './historian';
import { REPORTING_DEFAULTS, reportingSchema } from './reporting';
import { modbusDeviceSchema } from './modbus';
import { notificationsSchema } from './notifications';
import { opcuaDeviceSchema } from './opcua';
import type { Env } from './secret';
import { EQUIPMENT_PROTOCOL, SIMULATED_EQUIPMENT, simulationSchema } from './simulation';
import { UTILITY_POINT_UNITS, utilityPointRefs, utilitySchema } from './utility';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

const siteInfoSchema = z.strictObject({
  /** Short id; the `site` tag on every historian series. */
  id: nameSchema,
  name: z.string().min(1),
  /** IANA time zone of the plant, for schedules and daily reports. */
  timezone: z
    .string()
    .refine(isTimeZone, { error: 'expected an IANA time zone such as Europe/Helsinki' })
    .default('UTC'),
  /** Site-wide read-only switch: nothing is written to any device while true. */
  readOnly: z.boolean().default(false),
});

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * The root schema, built from the per-component schemas. A factory because secrets are resolved
 * from `env` while parsing, so a missing variable is reported with the other problems.
 */
export function siteSchema(env: Env) {
  const deviceSchema = z.discriminatedUnion(
    'protocol',
    [opcuaDeviceSchema(env), modbusDeviceSchema],
    {
      error: 'expected protocol: opcua or modbus',
    },
  );
  return z
    .strictObject({
      /**
       * A base site file this one changes (path relative to this file), as a JSON Merge Patch
       * (RFC 7386): objects merged key by key, lists and values replaced, `null` removes a key.
       * A deployment keeps the demo's plant and names only its own hosts, historian and API
       * (config/compose.yaml).
       */
      extends: z.string().optional(),
      site: siteInfoSchema,
      devices: z.record(nameSchema, deviceSchema),
      control: controlSchema.default({
        cycleMs: 5000,
        refreshMs: 60_000,
        controllers: [],
        manual: [],
        startupGraceMs: 30_000,
        maxOverrideMs: 8 * 3600 * 1000,
      }),
      historian: historianSchema(env).default({
        type: 'file',
        dir: 'data/historian',
        rotateBytes: 64 * 1024 * 1024,
        maxFiles: 100,
        flushIntervalMs: 200,
        onChangeMaxSilenceMs: 15 * 60 * 1000,
      }),
      api: apiSchema(env).default({ ...API_DEFAULTS, tokens: [], corsOrigins: [] }),
      alarms: alarmsSchema.default({ ...ALARMS_DEFAULTS, definitions: [] }),
      reporting: reportingSchema.default({ ...REPORTING_DEFAULTS, wrapAt: {} }),
      /**
       * The derived energy counters (recovered, delivered, heat-pump and facility energy, ERF,
       * running COP) kept across restarts in a small file, saved this often and at stop.
       */
      energyCounters: z
        .strictObject({
          stateFile: z.string().min(1).default('data/energy-counters.json'),
          saveEveryMs: durationMs(1000, 3_600_000).default(60_000),
        })
        .default({ stateFile: 'data/energy-counters.json', saveEveryMs: 60_000 }),
      /** Alarm notifications (webhooks, e-mail) by priority; absent: none are sent. */
      notifications: notificationsSchema(env).optional(),
      logging: z
        .strictObject({ level: enumOf(LOG_LEVELS, 'a log level').default('info') })
        .default({ level: 'info' }),
      /** Only for `heatbridge sim` and the demo: which devices the simulators stand in for. */
      simulation: simulationSchema(env).optional(),
      /** The utility's day-ahead plans, electricity prices, heat price model and value ledger. */
      utility: utilitySchema(env).optional(),
      /**
       * The heat signal for the data center's schedulers (docs/heat-led-compute.md): advice on
       * when flexible IT load makes the most useful heat. Absent: no signal.
       */
      heatSignal: heatSignalSchema(env).optional(),
      /**
       * Northbound interfaces (docs/northbound.md): OPC UA and Modbus TCP servers for the utility's
       * SCADA, with the requests it may write, and a Sparkplug B publisher for a fleet's broker.
       */
      northbound: northboundSchema(env).optional(),
    })
    .superRefine(crossCheck, { when: () => true });
}

export type SiteConfig = z.output<ReturnType<typeof siteSchema>>;
export type DeviceConfig = SiteConfig['devices'][string];

type Ctx = z.RefinementCtx;

/**
 * Devices whose points HeatBridge computes itself (historian state, control status, derived; the
 * utility's plan and prices and the value ledger, issue 22; the heat signal, issue 23).
 */
export const RESERVED_DEVICES = [
  'historian',
  'control',
  'derived',
  'utility',
  'value',
  'signal',
] as const;
/** Status points of the control loop, beside one per controller (`control/<name>`). */
export const RESERVED_CONTROLLER_NAMES = [
  'safety_active',
  'cycle_duration',
  'skipped_cycles',
] as const;

/** Facts about one declared point that the cross-checks need. */
interface DeclaredPoint {
  writable: boolean;
  numeric: boolean;
  hasBounds: boolean;
  /** `bounds.max` of a writable numeric point. */
  boundsMax?: number;
}

/**
 * Checks that span components. Runs even when parts of the config failed to parse (so every
 * problem is reported at once), hence the defensive reading of a value that may be partial.
 */
function crossCheck(raw: unknown, ctx: Ctx): void {
  const cfg = (raw ?? {}) as Partial<Record<string, unknown>>;
  const declared = new Map<string, DeclaredPoint>();

  const devices = isRecord(cfg.devices) ? cfg.devices : {};
  for (const deviceName of Object.keys(devices)) {
    if ((RESERVED_DEVICES as readonly string[]).includes(deviceName)) {
      ctx.addIssue({
        code: 'custom',
        path: ['devices', deviceName],
        message: `"${deviceName}" is reserved for HeatBridge's own points (${RESERVED_DEVICES.join(', ')})`,
      });
    }
  }
  for (const [deviceName, device] of Object.entries(devices)) {
    if (!isRecord(device) || !Array.isArray(device.points)) continue;
    const seen = new Map<string, number>();
    device.points.forEach((p: unknown, i: number) => {
      if (!isRecord(p) || typeof p.name !== 'string') return;
      const first = seen.get(p.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['devices', deviceName, 'points', i, 'name'],
          message: `duplicate point name "${p.name}" (first at points[${first}])`,
        });
        return;
      }
      seen.set(p.name, i);
      const writable = p.access === 'w' || p.access === 'rw';
      const numeric = typeof p.unit === 'string' && valueTypeOfUnit(p.unit as never) === 'number';
      const hasBounds = isRecord(p.bounds);
      const boundsMax = hasBounds && isRecord(p.bounds) ? p.bounds.max : undefined;
      declared.set(`${deviceName}/${p.name}`, {
        writable,
        numeric,
        hasBounds,
        ...(typeof boundsMax === 'number' ? { boundsMax } : {}),
      });
      if (writable && numeric && !hasBounds) {
        ctx.addIssue({
          code: 'custom',
          path: ['devices', deviceName, 'points', i, 'bounds'],
          message: 'a writable numeric point needs bounds: { min, max } so no write can leave them',
        });
      }
    });
  }

  // Modbus TCP devices on one host and port share its connections (one adapter), so they must
  // agree on how many.
  const endpoints = new Map<string, { device: string; connections: number }>();
  for (const [deviceName, device] of Object.entries(devices)) {
    if (!isRecord(device) || device.protocol !== 'modbus' || device.enabled === false) continue;
    if ((device.transport ?? 'tcp') !== 'tcp' || typeof device.host !== 'string') continue;
    const key = `${device.host}:${typeof device.port === 'number' ? device.port : 502}`;
    const connections = typeof device.connections === 'number' ? device.connections : 1;
    const first = endpoints.get(key);
    if (!first) endpoints.set(key, { device: deviceName, connections });
    else if (first.connections !== connections)
      ctx.addIssue({
        code: 'custom',
        path: ['devices', deviceName, 'connections'],
        message: `devices on ${key} share its connections: ${first.device} has connections ${first.connections}, ${deviceName} ${connections}`,
      });
  }

  // The utility device's points exist when the site has a utility section (read-only).
  if (isRecord(cfg.utility)) {
    for (const [name, unit] of Object.entries(UTILITY_POINT_UNITS))
      declared.set(`utility/${name}`, {
        writable: false,
        numeric: valueTypeOfUnit(unit) === 'number',
        hasBounds: false,
      });
  }

  // Likewise the heat signal's `signal` device.
  if (isRecord(cfg.heatSignal)) {
    for (const [name, unit] of Object.entries(SIGNAL_POINT_UNITS))
      declared.set(`signal/${name}`, {
        writable: false,
        numeric: valueTypeOfUnit(unit) === 'number',
        hasBounds: false,
      });
  }

  const control = isRecord(cfg.control) ? cfg.control : {};
  const controllers = Array.isArray(control.controllers) ? control.controllers : [];
  const names = new Map<string, number>();
  controllers.forEach((c: unknown, i: number) => {
    if (!isRecord(c)) return;
    if (typeof c.name === 'string') {
      if ((RESERVED_CONTROLLER_NAMES as readonly string[]).includes(c.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['control', 'controllers', i, 'name'],
          message: `"${c.name}" is the name of one of the control loop's own points; choose another`,
        });
      }
      const first = names.get(c.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['control', 'controllers', i, 'name'],
          message: `duplicate controller name "${c.name}" (first at controllers[${first}])`,
        });
      } else names.set(c.name, i);
    }
    for (const ref of controllerPointRefs(c)) {
      if (!isPointId(ref.id)) continue; // already reported by the field's own schema
      const path = ['control', 'controllers', i, ...ref.path];
      const point = declared.get(ref.id);
      if (!point) {
        ctx.addIssue({ code: 'custom', path, message: `unknown point "${ref.id}"` });
      } else if (ref.writes && !point.writable) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: `point "${ref.id}" is written by this controller but is not writable (access r)`,
        });
      }
    }
  });

  // Return-line feed-in needs dispatch to know what the return line takes.
  const returnModeAt = controllers.findIndex(
    (c: unknown) =>
      isRecord(c) &&
      c.type === 'supply-setpoint' &&
      isRecord(c.connection) &&
      Array.isArray(c.connection.modes) &&
      c.connection.modes.includes('return'),
  );
  if (returnModeAt >= 0)
    controllers.forEach((c: unknown, i: number) => {
      if (isRecord(c) && c.type === 'heat-pump-dispatch' && c.returnAcceptance === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['control', 'controllers', i, 'returnAcceptance'],
          message: `controllers[${returnModeAt}] may feed into the return line (connection.modes has return): dispatch needs returnAcceptance, what the return line takes`,
        });
    });

  checkReach(controllers, declared, ctx);
  checkSimulation(cfg, devices, ctx);
  checkAlarms(cfg, devices, declared, ctx);
  for (const ref of utilityPointRefs(cfg.utility)) {
    if (isPointId(ref.id) && !declared.has(ref.id))
      ctx.addIssue({
        code: 'custom',
        path: ['utility', ...ref.path],
        message: `unknown point "${ref.id}"`,
      });
  }

  // The SCADA's requests act through the utility device: they need the utility section.
  if (isRecord(cfg.northbound) && cfg.northbound.requests !== undefined && !isRecord(cfg.utility))
    ctx.addIssue({
      code: 'custom',
      path: ['northbound', 'requests'],
      message:
        'SCADA requests act through the utility device: the site needs a utility section (docs/utility.md)',
    });

  // The heat pumps' capacity defaults to dispatch's: without dispatch it must be given.
  if (
    isRecord(cfg.heatSignal) &&
    cfg.heatSignal.heatPumpCapacityKw === undefined &&
    !controllers.some((c: unknown) => isRecord(c) && c.type === 'heat-pump-dispatch')
  )
    ctx.addIssue({
      code: 'custom',
      path: ['heatSignal', 'heatPumpCapacityKw'],
      message:
        "expected the heat pumps' heat output at full load, kW: there is no heat-pump-dispatch controller to take it from",
    });
  for (const ref of heatSignalPointRefs(cfg.heatSignal)) {
    if (isPointId(ref.id) && !declared.has(ref.id))
      ctx.addIssue({
        code: 'custom',
        path: ['heatSignal', ...ref.path],
        message: `unknown point "${ref.id}"`,
      });
  }

  const manual = Array.isArray(control.manual) ? control.manual : [];
  manual.forEach((d: unknown, i: number) => {
    if (typeof d === 'string' && !isRecord(devices[d])) {
      ctx.addIssue({
        code: 'custom',
        path: ['control', 'manual', i],
        message: `unknown device "${d}"`,
      });
    }
  });

  const kinds = controllers.filter(isRecord).map((c) => c.type);
  const writesSomething = kinds.some((k) => k === 'supply-setpoint' || k === 'heat-pump-dispatch');
  if (writesSomething && !kinds.includes('cooling-safety')) {
    ctx.addIssue({
      code: 'custom',
      path: ['control', 'controllers'],
      message: 'heat-recovery controllers need a cooling-safety controller: cooling comes first',
    });
  }
}

/**
 * A connection's `reachC` within its outputs' bounds: above an output's `bounds.max` the write
 * guard clamps every setpoint to that maximum, so the controller would believe the units hold a
 * temperature they are never told, and choose supply-line feed-in for requests they cannot meet.
 */
function checkReach(controllers: unknown[], declared: Map<string, DeclaredPoint>, ctx: Ctx): void {
  controllers.forEach((c: unknown, i: number) => {
    if (!isRecord(c) || c.type !== 'supply-setpoint' || !isRecord(c.connection)) return;
    const reach = c.connection.reachC;
    if (typeof reach !== 'number' || !Array.isArray(c.outputs)) return;
    for (const id of c.outputs) {
      const max = typeof id === 'string' ? declared.get(id)?.boundsMax : undefined;
      if (max !== undefined && reach > max)
        ctx.addIssue({
          code: 'custom',
          path: ['control', 'controllers', i, 'connection', 'reachC'],
          message: `reachC ${reach} °C is above the bounds of output "${id}" (max ${max} °C): the write guard would clamp every setpoint to ${max} °C; lower reachC or raise the bounds`,
        });
    }
  });
}

/** Alarm definitions watch points and devices that exist, under names used once. */
function checkAlarms(
  cfg: Partial<Record<string, unknown>>,
  devices: Record<string, unknown>,
  declared: Map<string, DeclaredPoint>,
  ctx: Ctx,
): void {
  const alarms = isRecord(cfg.alarms) ? cfg.alarms : {};
  const defs = Array.isArray(alarms.definitions) ? alarms.definitions : [];
  const names = new Map<string, number>();
  // HeatBridge's own points (historian backlog, control status) may be watched too.
  const own = (id: string): boolean =>
    (RESERVED_DEVICES as readonly string[]).includes(id.split('/')[0]!);
  defs.forEach((d: unknown, i: number) => {
    if (!isRecord(d)) return;
    const path = ['alarms', 'definitions', i];
    if (typeof d.name === 'string') {
      const first = names.get(d.name);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'name'],
          message: `duplicate alarm name "${d.name}" (first at definitions[${first}])`,
        });
      else names.set(d.name, i);
    }
    if (
      typeof d.point === 'string' &&
      isPointId(d.point) &&
      !declared.has(d.point) &&
      !own(d.point)
    )
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'point'],
        message: `unknown point "${d.point}"`,
      });
    if (typeof d.device === 'string' && !isRecord(devices[d.device]))
      ctx.addIssue({
        code: 'custom',
        path: [...path, 'device'],
        message: `unknown device "${d.device}"`,
      });
  });
}

/** Each simulated equipment is one device, of the protocol that equipment speaks. */
function checkSimulation(
  cfg: Partial<Record<string, unknown>>,
  devices: Record<string, unknown>,
  ctx: Ctx,
): void {
  const sim = cfg.simulation;
  if (!isRecord(sim) || !isRecord(sim.equipment)) return;
  const seen = new Map<string, string>();
  for (const [device, equipment] of Object.entries(sim.equipment)) {
    if (typeof equipment !== 'string') continue;
    const path = ['simulation', 'equipment', device];
    const dev = devices[device];
    if (!isRecord(dev)) {
      ctx.addIssue({ code: 'custom', path, message: `unknown device "${device}"` });
      continue;
    }
    const first = seen.get(equipment);
    if (first) {
      ctx.addIssue({
        code: 'custom',
        path,
        message: `${equipment} is already simulated as "${first}"`,
      });
    }
    seen.set(equipment, device);
    const protocol = (SIMULATED_EQUIPMENT as readonly string[]).includes(equipment)
      ? EQUIPMENT_PROTOCOL[equipment as keyof typeof EQUIPMENT_PROTOCOL]
      : undefined;
    // A device without a valid protocol is reported at its own path already.
    if (protocol && typeof dev.protocol === 'string' && dev.protocol !== protocol) {
      ctx.addIssue({
        code: 'custom',
        path,
        message: `${equipment} is simulated over ${protocol}, but "${device}" is a ${String(dev.protocol)} device`,
      });
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
