import { z } from 'zod';

/**
 * Faults the simulators can be told to have, the way real devices fail. Devices and points are
 * named as in the site config (`hp1`, `hall1/cdu_supply_temp`).
 */
export const faultSchema = z.discriminatedUnion('kind', [
  /** The device's server stops listening (port closed); all units behind that port go with it. */
  z.strictObject({ kind: z.literal('offline'), device: z.string() }),
  /** A Modbus unit stops answering (requests time out); others on the same port still answer. */
  z.strictObject({ kind: z.literal('silent'), device: z.string() }),
  /** Replies are delayed. */
  z.strictObject({
    kind: z.literal('slow'),
    device: z.string(),
    delayMs: z.int().min(1).max(60000),
  }),
  /** The value stops changing while still reported as good. */
  z.strictObject({ kind: z.literal('frozen'), point: z.string() }),
  /** The sensor reads off by a constant. */
  z.strictObject({ kind: z.literal('bias'), point: z.string(), bias: z.number().finite() }),
  /** The sensor fails: OPC UA status BadSensorFailure, Modbus exception 4 on reads. */
  z.strictObject({ kind: z.literal('bad'), point: z.string() }),
  /** A heat pump trips now (it stays tripped until reset through its trip_reset coil). */
  z.strictObject({ kind: z.literal('hp-trip'), device: z.string() }),
  /** The district network accepts no heat. */
  z.strictObject({ kind: z.literal('network-refuses-heat') }),
  /** The dry coolers lose half their capacity. */
  z.strictObject({ kind: z.literal('drycooler-fault') }),
]);

export type FaultSpec = z.infer<typeof faultSchema>;
export type Fault = FaultSpec & { id: number; since: number };
export const FAULT_KINDS = faultSchema.options.map((o) => o.shape.kind.value);
