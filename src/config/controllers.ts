import { z } from 'zod';
import type { PointId } from '../domain/point-id';
import {
  ALWAYS,
  durationMs,
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
});

const curvePointSchema = z.strictObject({ outdoor: finiteNumber, supply: finiteNumber });

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
  })
  .superRefine((c, ctx) => {
    if (isFiniteNumber(c.min) && isFiniteNumber(c.max) && c.min > c.max) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: 'min must not be greater than max' });
    }
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
});

const heatSourceSchema = z.strictObject({
  flow: pointRefSchema,
  supplyTemp: pointRefSchema,
  returnTemp: pointRefSchema,
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
});

export const heartbeatSchema = z.strictObject({
  type: z.literal('heartbeat'),
  name: nameSchema,
  /** The PLC watchdog register; HeatBridge changes it every period while control is healthy. */
  point: pointRefSchema,
  periodMs: durationMs(100, 60000).default(2000),
  /** The counter wraps back to 0 after this value. */
  wrapAt: intAtLeast(1).default(65535),
});

export const controllerSchema = z.discriminatedUnion(
  'type',
  [coolingSafetySchema, supplySetpointSchema, heatPumpDispatchSchema, heartbeatSchema],
  { error: 'expected type: cooling-safety, supply-setpoint, heat-pump-dispatch or heartbeat' },
);

export const controlSchema = z.strictObject({
  /** Supervisory cycle; plant time constants are minutes, so seconds are plenty. */
  cycleMs: durationMs(100, 60000).default(5000),
  controllers: z.array(controllerSchema).default([]),
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
  switch (c.type) {
    case 'cooling-safety':
      list<{ point?: unknown }>(c.supplyTemps).forEach((s, i) =>
        add(['supplyTemps', i, 'point'], s?.point, false),
      );
      add(['diverterValve'], c.diverterValve, true);
      break;
    case 'supply-setpoint':
      add(['outdoorTemp'], c.outdoorTemp, false);
      add(['utilityRequest'], c.utilityRequest, false);
      list<unknown>(c.outputs).forEach((o, i) => add(['outputs', i], o, true));
      break;
    case 'heat-pump-dispatch': {
      add(['networkAcceptance'], c.networkAcceptance, false);
      add(['diverterValve'], c.diverterValve, true);
      list<Record<string, unknown>>(c.sources).forEach((s, i) => {
        for (const key of ['flow', 'supplyTemp', 'returnTemp'])
          add(['sources', i, key], s?.[key], false);
      });
      const reads = [
        'running',
        'tripped',
        'heatOutput',
        'electricPower',
        'condenserOut',
        'evaporatorIn',
      ];
      list<Record<string, unknown>>(c.heatPumps).forEach((hp, i) => {
        add(['heatPumps', i, 'enable'], hp?.enable, true);
        add(['heatPumps', i, 'loadSetpoint'], hp?.loadSetpoint, true);
        for (const key of reads) add(['heatPumps', i, key], hp?.[key], false);
      });
      break;
    }
    case 'heartbeat':
      add(['point'], c.point, true);
      break;
    default:
      break;
  }
  return refs;
}
