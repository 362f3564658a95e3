import { z } from 'zod';
import type { PointId } from '../domain/point-id';
import {
  ALWAYS,
  durationMs,
  enumOf,
  finiteNumber,
  intAtLeast,
  isFiniteNumber,
  nameSchema,
  pointRefSchema,
} from './common';

/**
 * Controller settings. The order controllers run in is fixed by HeatBridge (cooling safety first,
 * DESIGN §5), not by their order in the file, so a config cannot put heat recovery ahead of
 * cooling. Every point a controller reads or writes is named here and cross-checked against the
 * devices: it must exist, and the ones it writes must be writable with bounds.
 */

const limitSchema = z.strictObject({
  /** An IT coolant supply temperature (CDU secondary supply, air supply to the racks). */
  point: pointRefSchema,
  /** The temperature the IT equipment must never see exceeded. */
  limit: finiteNumber,
  /** Act this many kelvin before the limit. */
  margin: finiteNumber.positive({ error: 'expected a number > 0' }).default(2),
});

export const coolingSafetySchema = z.strictObject({
  type: z.literal('cooling-safety'),
  name: nameSchema,
  supplyTemps: z.array(limitSchema).min(1, { error: 'expected at least one supply temperature' }),
  /** Diverter valve setpoint, % of the coolant sent to the heat pumps (0 = all to dry coolers). */
  diverterValve: pointRefSchema,
  /** Dry-cooler setpoint: lowered to `safeDryCoolerSetpointC` while the safety acts. */
  dryCoolerSetpoint: pointRefSchema.optional(),
  safeDryCoolerSetpointC: finiteNumber.default(25),
  /** The safety lets go only after the temperatures stayed clear for this long. */
  releaseAfterMs: durationMs(0).default(5 * 60 * 1000),
  /** ... and only below limit − margin − hysteresis. */
  hysteresisK: finiteNumber.min(0).default(1),
});

const curvePointSchema = z.strictObject({ outdoor: finiteNumber, supply: finiteNumber });

/** How our heat enters the network (docs/control.md, "Connection modes"). */
export const CONNECTION_MODES = ['supply', 'top-up', 'return'] as const;

/**
 * The connection modes the contract allows and what decides between them. The supply-setpoint
 * controller chooses one per hour (at once when the current one becomes impossible); the
 * condenser setpoint is never above `reachC`.
 */
export const connectionSchema = z
  .strictObject({
    /** What the contract allows, in order of preference; `none` (dry coolers) is always left. */
    modes: z
      .array(enumOf(CONNECTION_MODES, 'a connection mode'))
      .min(1, { error: 'expected at least one connection mode' }),
    /** The substation's mode register: 0 none, 1 supply, 2 return, 3 top-up. (optional) */
    modeOutput: pointRefSchema.optional(),
    /** Highest condenser outlet setpoint the units hold safely (their trip less its unloading band). */
    reachC: finiteNumber,
    /** A unit's condenser outlet above this is nearing its trip (default reachC + 3). */
    nearTripC: finiteNumber.optional(),
    /** The condenser outlets watched for that (each heat pump's). */
    condenserOut: z.array(pointRefSchema).default([]),
    /** Below this estimated COP a mode is not worth running. */
    minUsefulCop: finiteNumber.positive({ error: 'expected a number > 0' }).default(2),
    /** A mode not running now needs this much more COP to be chosen (no flapping at the edge). */
    copHysteresis: finiteNumber.min(0).default(0.2),
    /** Coolant into the evaporators, for the COP estimate at a mode's lift. (optional) */
    evaporatorIn: pointRefSchema.optional(),
    /** The network's return temperature at the connection (needed for `return`). */
    networkReturn: pointRefSchema.optional(),
    /** Return-line feed-in: raise the return by at most maxRiseK, to at most maxC. */
    returnLine: z
      .strictObject({
        maxRiseK: finiteNumber.positive({ error: 'expected a number > 0' }).default(15),
        maxC: finiteNumber.default(70),
      })
      .default({ maxRiseK: 15, maxC: 70 }),
    /** What the network takes in supply (and top-up) and in return mode: a refusal is seen. */
    acceptance: pointRefSchema.optional(),
    returnAcceptance: pointRefSchema.optional(),
    /** The current mode's acceptance at 0 this long is the network refusing it. */
    refusedAfterMs: durationMs(0).default(120_000),
  })
  .superRefine((c, ctx) => {
    const modes: unknown[] = Array.isArray(c.modes) ? c.modes : [];
    modes.forEach((m, i) => {
      if (modes.indexOf(m) !== i)
        ctx.addIssue({ code: 'custom', path: ['modes', i], message: `"${String(m)}" twice` });
    });
    if (modes.includes('return') && c.networkReturn === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['networkReturn'],
        message: 'return-line feed-in needs networkReturn (its setpoint is the return + maxRiseK)',
      });
  }, ALWAYS);

export const supplySetpointSchema = z
  .strictObject({
    type: z.literal('supply-setpoint'),
    name: nameSchema,
    outdoorTemp: pointRefSchema,
    /** The utility's requested supply temperature; used while fresh, else the curve. */
    utilityRequest: pointRefSchema.optional(),
    utilityRequestMaxAgeMs: durationMs(1000).default(15 * 60 * 1000),
    /** Piecewise-linear outdoor → supply temperature curve, outdoor temperatures increasing. */
    curve: z.array(curvePointSchema).min(2, { error: 'expected at least two curve points' }),
    /** Clamp to what the heat pumps can reach. */
    min: finiteNumber,
    max: finiteNumber,
    /** Setpoints the result is written to (e.g. each heat pump's condenser outlet setpoint). */
    outputs: z.array(pointRefSchema).min(1, { error: 'expected at least one output point' }),
    /** The district supply and return temperatures at the substation: reported beside the setpoint. */
    measuredSupply: pointRefSchema.optional(),
    measuredReturn: pointRefSchema.optional(),
    /** The day-ahead plan's delivery temperature: it wins while `planActive` is true. */
    planSupplyTemp: pointRefSchema.optional(),
    planActive: pointRefSchema.optional(),
    /**
     * The plan's delivery temperature for the next hour: in the last `anticipateMinutes` of an
     * hour the setpoint moves toward it (all the way down, halfway up, by the hour), so the
     * supply's lag straddles the hour instead of following it. (optional)
     */
    planNextSupplyTemp: pointRefSchema.optional(),
    anticipateMinutes: finiteNumber.min(0).max(30).default(8),
    /** Connection modes; without it the setpoint is the request clamped to [min, max], as before. */
    connection: connectionSchema.optional(),
  })
  .superRefine((c, ctx) => {
    if (isFiniteNumber(c.min) && isFiniteNumber(c.max) && c.min > c.max) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: 'min must not be greater than max' });
    }
    if ((c.planSupplyTemp === undefined) !== (c.planActive === undefined))
      ctx.addIssue({
        code: 'custom',
        path: [c.planSupplyTemp === undefined ? 'planSupplyTemp' : 'planActive'],
        message: 'planSupplyTemp and planActive go together (the plan wins only while active)',
      });
    const curve: unknown[] = Array.isArray(c.curve) ? c.curve : [];
    const outdoor = (i: number): unknown =>
      (curve[i] as { outdoor?: unknown } | undefined)?.outdoor;
    for (let i = 1; i < curve.length; i++) {
      const prev = outdoor(i - 1);
      const cur = outdoor(i);
      if (isFiniteNumber(prev) && isFiniteNumber(cur) && cur <= prev) {
        ctx.addIssue({
          code: 'custom',
          path: ['curve', i, 'outdoor'],
          message: 'curve outdoor temperatures must be strictly increasing',
        });
      }
    }
  }, ALWAYS);

const heatPumpSchema = z.strictObject({
  name: nameSchema,
  /** Start/stop command. */
  enable: pointRefSchema,
  /** Load setpoint in %. */
  loadSetpoint: pointRefSchema,
  running: pointRefSchema,
  tripped: pointRefSchema,
  heatOutput: pointRefSchema,
  electricPower: pointRefSchema,
  condenserOut: pointRefSchema,
  evaporatorIn: pointRefSchema,
  /** Nominal heating capacity. */
  capacityKw: finiteNumber.positive({ error: 'expected a number > 0' }),
  minLoadPct: finiteNumber.min(0).max(100).default(25),
  minRunMs: durationMs(0).default(10 * 60 * 1000),
  minOffMs: durationMs(0).default(5 * 60 * 1000),
  rampPctPerMin: finiteNumber.positive({ error: 'expected a number > 0' }).default(10),
  /** Trip reset command: written by the automatic reset policy, if the dispatch has one. */
  tripReset: pointRefSchema.optional(),
  /**
   * The unit's measured load, %: with it, dispatch learns what the unit makes per % of load at
   * today's lift (a unit lifting to 85 °C makes less than its nominal capacity) and sets loads
   * that make the heat aimed for. (optional; without it, nominal capacity)
   */
  load: pointRefSchema.optional(),
});

const heatSourceSchema = z.strictObject({
  flow: pointRefSchema,
  supplyTemp: pointRefSchema,
  returnTemp: pointRefSchema,
});

/** The acceptance trim (docs/control.md, "Acceptance trim"). */
export const acceptanceTrimSchema = z
  .strictObject({
    /** Heat delivered to the network at the meter, kW. */
    deliveredHeat: pointRefSchema,
    /** Heat made but not taken (or taken beyond acceptance) within this share is no overshoot. */
    overshootTolerancePct: finiteNumber.min(0).max(50).default(3),
    /** A condenser outlet this far above the setpoint is heat not taken. */
    overshootK: finiteNumber.positive({ error: 'expected a number > 0' }).default(1.5),
    /** The share of acceptance stays within [minShare, maxShare]. */
    minShare: finiteNumber.min(0).max(1).default(0.7),
    maxShare: finiteNumber.min(0).max(1.2).default(1),
    /** Raised this fast (share of acceptance per minute) while the network takes all we make … */
    raisePctPerMin: finiteNumber.positive({ error: 'expected a number > 0' }).default(1),
    /** … and cut this fast while heat is not taken. */
    cutPctPerMin: finiteNumber.positive({ error: 'expected a number > 0' }).default(10),
  })
  .superRefine((c, ctx) => {
    if (isFiniteNumber(c.minShare) && isFiniteNumber(c.maxShare) && c.minShare > c.maxShare)
      ctx.addIssue({
        code: 'custom',
        path: ['maxShare'],
        message: 'minShare must not be greater than maxShare',
      });
  }, ALWAYS);

/** Value-aware dispatch: the utility's points (src/utility). */
export const dispatchValueSchema = z.strictObject({
  /** What the utility pays for heat now, EUR/MWh. */
  heatPrice: pointRefSchema,
  /** What the heat pumps' electricity costs now, EUR/MWh. */
  electricityPrice: pointRefSchema,
  /** The hour is on-demand: deliver what is requested, value or not. (optional) */
  deliveryRequired: pointRefSchema.optional(),
  /** The capacity the plan requests, kW: the target is at most this. (optional) */
  requestedCapacity: pointRefSchema.optional(),
  /** Loss-making ends only when the net value is this far above 0 (no flapping at 0). */
  hysteresisEurPerMWh: finiteNumber.min(0).default(1),
  /**
   * What a stop and restart cost, in minutes of heat not sold (the warm-up to the delivery
   * temperature): units already running stop only when the hour's loss exceeds it, i.e. the net
   * value is below −heatPrice × restartCostMinutes / 60.
   */
  restartCostMinutes: finiteNumber.min(0).max(60).default(10),
});

export const heatPumpDispatchSchema = z.strictObject({
  type: z.literal('heat-pump-dispatch'),
  name: nameSchema,
  /** Heat the district network accepts now, kW. */
  networkAcceptance: pointRefSchema,
  /** Coolant loops the recoverable heat is computed from (ṁ·c_p·ΔT). */
  sources: z.array(heatSourceSchema).min(1, { error: 'expected at least one heat source' }),
  heatPumps: z.array(heatPumpSchema).min(1, { error: 'expected at least one heat pump' }),
  diverterValve: pointRefSchema,
  /** The valve's measured position: with it, the first heat pump starts only once it is open. */
  valvePosition: pointRefSchema.optional(),
  /** Dry-cooler setpoint written in normal operation (`coolantSetpointC` + `dryCoolerOffsetK`). */
  dryCoolerSetpoint: pointRefSchema.optional(),
  /** Heat announced to the utility. */
  offeredHeat: pointRefSchema.optional(),
  /** Coolant temperature back to the hall the heat pumps aim for. */
  coolantSetpointC: finiteNumber.default(34),
  /** The dry coolers hold this much above it, so they only take what the heat pumps cannot. */
  dryCoolerOffsetK: finiteNumber.min(0).default(2),
  /** Share of the coolant that always passes the dry coolers, so they can take over at once. */
  maxValvePct: finiteNumber.min(0).max(100).default(90),
  /**
   * Heat pumps deliver at most this share of what the network accepts (default 0.9). With
   * `acceptanceTrim`, the share the trim starts from.
   */
  acceptanceMargin: finiteNumber.min(0).max(1).optional(),
  /** The share trimmed on measured delivered heat instead of a fixed margin. (optional) */
  acceptanceTrim: acceptanceTrimSchema.optional(),
  /** What the network's return line takes, kW: the acceptance in `return` mode. (optional) */
  returnAcceptance: pointRefSchema.optional(),
  /** Value-aware dispatch: no running at a loss unless delivery is required. (optional) */
  value: dispatchValueSchema.optional(),
  /**
   * A tripped heat pump is reset automatically after this long (its own protection decides
   * whether the cause is gone), at most `maxAutoResetsPerDay` times a day; 0 turns it off.
   */
  autoResetAfterMs: durationMs(0).default(10 * 60 * 1000),
  maxAutoResetsPerDay: intAtLeast(0).default(3),
});

export const heartbeatSchema = z.strictObject({
  type: z.literal('heartbeat'),
  name: nameSchema,
  /** The PLC watchdog register; HeatBridge changes it every period while control is healthy. */
  point: pointRefSchema,
  periodMs: durationMs(100, 60000).default(2000),
  /** The counter wraps back to 0 after this value. */
  wrapAt: intAtLeast(1).default(65535),
  /** Heartbeats stop when the control cycle has not run for this long (the PLC then falls back). */
  stallAfterMs: durationMs(1000).default(15_000),
  /** The PLC's safe-state indication, and its reset command: reset once heartbeats flow again. */
  safeState: pointRefSchema.optional(),
  reset: pointRefSchema.optional(),
  /** Heartbeats must have flowed this long before a reset is written. */
  resetAfterMs: durationMs(0).default(10_000),
});

/** Computes the derived points: recovered heat, heat-pump electricity, COP, ERF, PUE. */
export const derivedSchema = z.strictObject({
  type: z.literal('derived'),
  name: nameSchema,
  heatPumps: z
    .array(
      z.strictObject({
        heatOutput: pointRefSchema,
        electricPower: pointRefSchema,
        /** Condenser and evaporator outlet temperatures, for the temperature lift. (optional) */
        condenserOut: pointRefSchema.optional(),
        evaporatorOut: pointRefSchema.optional(),
      }),
    )
    .min(1, { error: 'expected at least one heat pump' }),
  /** Heat the dry coolers reject, for the share of recoverable heat thrown away. (optional) */
  dryCoolerHeat: pointRefSchema.optional(),
  /** Heat delivered to the network at the meter. */
  deliveredHeat: pointRefSchema.optional(),
  itPower: pointRefSchema,
  /** Whole-facility electricity, for PUE and ERF (the data center's energy). */
  facilityPower: pointRefSchema.optional(),
  /** Coolant loops the physically recoverable heat is computed from. */
  sources: z.array(heatSourceSchema).default([]),
});

export const controllerSchema = z.discriminatedUnion(
  'type',
  [
    coolingSafetySchema,
    supplySetpointSchema,
    heatPumpDispatchSchema,
    heartbeatSchema,
    derivedSchema,
  ],
  {
    error:
      'expected type: cooling-safety, supply-setpoint, heat-pump-dispatch, heartbeat or derived',
  },
);

export const controlSchema = z.strictObject({
  /** Supervisory cycle; plant time constants are minutes, so seconds are plenty. */
  cycleMs: durationMs(100, 60000).default(5000),
  /** A controller command is written again after this long even if unchanged (a PLC restart). */
  refreshMs: durationMs(1000).default(60_000),
  controllers: z.array(controllerSchema).default([]),
  /** Devices that start in manual mode: controllers leave them to the operators' overrides. */
  manual: z.array(nameSchema).default([]),
  /** Control starts when every point it reads has a value, or after this long at the latest. */
  startupGraceMs: durationMs(0, 600_000).default(30_000),
  /** The longest an operator override may last; every override has an expiry. */
  maxOverrideMs: durationMs(60_000, 7 * 24 * 3600 * 1000).default(8 * 3600 * 1000),
});

export type ControllerConfig = z.output<typeof controllerSchema>;
export type ControlConfig = z.output<typeof controlSchema>;

/** One point a controller uses, with where in its config it is named. */
export interface PointRef {
  path: (string | number)[];
  id: PointId;
  writes: boolean;
}

/**
 * Every point a controller reads or writes. The cross-check uses this to report a missing or
 * non-writable point at the exact config path that names it. Tolerates partially invalid input
 * (it also runs when other parts of the config have errors, so all problems come out at once).
 */
export function controllerPointRefs(c: Partial<ControllerConfig>): PointRef[] {
  const refs: PointRef[] = [];
  const add = (path: (string | number)[], value: unknown, writes: boolean): void => {
    if (typeof value === 'string') refs.push({ path, id: value as PointId, writes });
  };
  const list = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);
  /** Coolant loops (dispatch and derived): read, never written. */
  const addSources = (sources: unknown): void =>
    list<Record<string, unknown>>(sources).forEach((s, i) => {
      for (const key of ['flow', 'supplyTemp', 'returnTemp'])
        add(['sources', i, key], s?.[key], false);
    });
  switch (c.type) {
    case 'cooling-safety':
      list<{ point?: unknown }>(c.supplyTemps).forEach((s, i) =>
        add(['supplyTemps', i, 'point'], s?.point, false),
      );
      add(['diverterValve'], c.diverterValve, true);
      add(['dryCoolerSetpoint'], c.dryCoolerSetpoint, true);
      break;
    case 'supply-setpoint':
      add(['outdoorTemp'], c.outdoorTemp, false);
      add(['utilityRequest'], c.utilityRequest, false);
      add(['measuredSupply'], c.measuredSupply, false);
      add(['measuredReturn'], c.measuredReturn, false);
      add(['planSupplyTemp'], c.planSupplyTemp, false);
      add(['planActive'], c.planActive, false);
      add(['planNextSupplyTemp'], c.planNextSupplyTemp, false);
      list<unknown>(c.outputs).forEach((o, i) => add(['outputs', i], o, true));
      if (c.connection && typeof c.connection === 'object') {
        const k = c.connection as Partial<Record<string, unknown>>;
        add(['connection', 'modeOutput'], k.modeOutput, true);
        for (const key of ['evaporatorIn', 'networkReturn', 'acceptance', 'returnAcceptance'])
          add(['connection', key], k[key], false);
        list<unknown>(k.condenserOut).forEach((o, i) =>
          add(['connection', 'condenserOut', i], o, false),
        );
      }
      break;
    case 'heat-pump-dispatch': {
      add(['networkAcceptance'], c.networkAcceptance, false);
      add(['diverterValve'], c.diverterValve, true);
      add(['valvePosition'], c.valvePosition, false);
      add(['dryCoolerSetpoint'], c.dryCoolerSetpoint, true);
      add(['offeredHeat'], c.offeredHeat, true);
      add(['returnAcceptance'], c.returnAcceptance, false);
      if (c.acceptanceTrim && typeof c.acceptanceTrim === 'object')
        add(['acceptanceTrim', 'deliveredHeat'], c.acceptanceTrim.deliveredHeat, false);
      if (c.value && typeof c.value === 'object') {
        const v = c.value as Partial<Record<string, unknown>>;
        for (const key of [
          'heatPrice',
          'electricityPrice',
          'deliveryRequired',
          'requestedCapacity',
        ])
          add(['value', key], v[key], false);
      }
      addSources(c.sources);
      const reads = [
        'running',
        'tripped',
        'heatOutput',
        'electricPower',
        'condenserOut',
        'evaporatorIn',
        'load',
      ];
      list<Record<string, unknown>>(c.heatPumps).forEach((hp, i) => {
        add(['heatPumps', i, 'enable'], hp?.enable, true);
        add(['heatPumps', i, 'loadSetpoint'], hp?.loadSetpoint, true);
        add(['heatPumps', i, 'tripReset'], hp?.tripReset, true);
        for (const key of reads) add(['heatPumps', i, key], hp?.[key], false);
      });
      break;
    }
    case 'heartbeat':
      add(['point'], c.point, true);
      add(['safeState'], c.safeState, false);
      add(['reset'], c.reset, true);
      break;
    case 'derived':
      list<Record<string, unknown>>(c.heatPumps).forEach((hp, i) => {
        add(['heatPumps', i, 'heatOutput'], hp?.heatOutput, false);
        add(['heatPumps', i, 'electricPower'], hp?.electricPower, false);
        add(['heatPumps', i, 'condenserOut'], hp?.condenserOut, false);
        add(['heatPumps', i, 'evaporatorOut'], hp?.evaporatorOut, false);
      });
      add(['dryCoolerHeat'], c.dryCoolerHeat, false);
      add(['deliveredHeat'], c.deliveredHeat, false);
      add(['itPower'], c.itPower, false);
      add(['facilityPower'], c.facilityPower, false);
      addSources(c.sources);
      break;
    default:
      break;
  }
  return refs;
}
