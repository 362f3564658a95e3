import { z } from 'zod';
import { ALWAYS, durationMs, finiteNumber, isFiniteNumber } from './common';
import { northboundModbusSchema } from './northbound-modbus';
import { northboundOpcuaSchema } from './northbound-opcua';
import type { Env } from './secret';
import { sparkplugSchema } from './sparkplug';

/**
 * The `northbound` section (issue 24): how the utility's SCADA and a fleet's systems reach
 * HeatBridge — an OPC UA server, a Modbus TCP server, a Sparkplug B publisher — and the requests
 * the SCADA may write through them. Every part is optional; absent, nothing listens.
 */

/** Limits a plan's values must keep (src/utility/plan.ts PLAN_LIMITS): the requests' defaults. */
const SUPPLY_DEFAULT = { min: 20, max: 130 } as const;

const rangeSchema = (min: number, max: number) =>
  z
    .strictObject({ min: finiteNumber.default(min), max: finiteNumber.default(max) })
    .superRefine((r, ctx) => {
      if (isFiniteNumber(r.min) && isFiniteNumber(r.max) && r.min > r.max)
        ctx.addIssue({
          code: 'custom',
          path: ['max'],
          message: 'min must not be greater than max',
        });
    }, ALWAYS)
    .default({ min, max });

/**
 * What the SCADA may request (the utility's live requests: supply temperature, capacity, and the
 * plan's current hour). A request lapses when the SCADA stops renewing it for `timeoutMs`
 * (OpenEMS's API timeout): control falls back to the day-ahead plan, then the supply curve.
 * Needs the site's `utility` section (the requests act through its `utility` device).
 */
export const scadaRequestsSchema = z.strictObject({
  timeoutMs: durationMs(5_000, 3_600_000).default(60_000),
  /** Bounds of a requested supply temperature, °C: the write guard clamps into them. */
  supplyTemp: rangeSchema(SUPPLY_DEFAULT.min, SUPPLY_DEFAULT.max),
  /** Bounds of a requested capacity, kW. */
  capacityKw: rangeSchema(0, 1_000_000),
  /** Bounds of a requested hour's heat price, EUR/MWh. */
  priceEurPerMWh: rangeSchema(-1000, 10_000),
});

export type ScadaRequestsConfig = z.output<typeof scadaRequestsSchema>;

export function northboundSchema(env: Env) {
  return z.strictObject({
    /** The SCADA's writable requests; absent: the servers are read-only. */
    requests: scadaRequestsSchema.optional(),
    /** The northbound OPC UA server (src/northbound/opcua). */
    opcua: northboundOpcuaSchema(env).optional(),
    /** The northbound Modbus TCP server (src/northbound/modbus). */
    modbus: northboundModbusSchema(env).optional(),
    /** The MQTT Sparkplug B publisher (src/northbound/sparkplug). */
    sparkplug: sparkplugSchema(env).optional(),
  });
}

export type NorthboundConfig = z.output<ReturnType<typeof northboundSchema>>;
