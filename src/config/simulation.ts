import { z } from 'zod';
import { durationMs, enumOf, finiteNumber, intAtLeast, nameSchema, portSchema } from './common';
import { secretSchema, type Env } from './secret';

/** Equipment of the simulated plant (simulators/model) a device of the site can stand for. */
export const SIMULATED_EQUIPMENT = ['hall', 'plant', 'hp1', 'hp2', 'dh'] as const;
export type SimulatedEquipment = (typeof SIMULATED_EQUIPMENT)[number];

/** Which protocol serves each piece of simulated equipment. */
export const EQUIPMENT_PROTOCOL: Record<SimulatedEquipment, 'opcua' | 'modbus'> = {
  hall: 'opcua',
  plant: 'modbus',
  hp1: 'modbus',
  hp2: 'modbus',
  dh: 'modbus',
};

/**
 * `heatbridge sim` (and the demo) serve the site's devices from the plant simulators. This
 * section says which device is which simulated equipment, and how the simulation runs.
 */
export function simulationSchema(env: Env) {
  return z.strictObject({
    /** Seed of every random variation: the same seed gives the same plant. */
    seed: intAtLeast(0).default(1),
    /** Simulated seconds per wall-clock second. */
    speed: finiteNumber.positive({ error: 'expected a number > 0' }).max(100000).default(1),
    /** Hourly outdoor-temperature CSV (time_utc,temperature_c); default: Helsinki 2021. */
    weather: z.string().min(1).optional(),
    /**
     * The simulators write the next 48 h of their weather here every 10 minutes, as an
     * outdoor-temperature forecast (CSV time,temperature_c): the demo's heat-signal forecast.
     */
    forecastFile: z.string().min(1).optional(),
    /** Fault-injection and state API, on 127.0.0.1 only. */
    adminPort: portSchema.default(8091),
    /** The PLC goes to its safe state when the heartbeat has not changed for this long. */
    watchdogTimeoutMs: durationMs(1000, 600_000).default(15_000),
    /** Starting value of the energy counters (set near 4294967295 to see them wrap). */
    counterStartKwh: finiteNumber.min(0).default(0),
    opcua: z
      .strictObject({
        /** The simulated OPC UA server's own PKI: its certificate, trusted and rejected clients. */
        pkiDir: z.string().min(1).default('data/pki/sim-opcua-server'),
        allowAnonymous: z.boolean().default(true),
        users: z
          .array(z.strictObject({ username: z.string().min(1), password: secretSchema(env) }))
          .default([]),
      })
      .default({ pkiDir: 'data/pki/sim-opcua-server', allowAnonymous: true, users: [] }),
    /** device name → simulated equipment (hall over OPC UA; plant, hp1, hp2, dh over Modbus). */
    equipment: z.record(nameSchema, enumOf(SIMULATED_EQUIPMENT, 'simulated equipment')),
  });
}

export type SimulationConfig = z.output<ReturnType<typeof simulationSchema>>;
