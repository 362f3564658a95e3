import type { PlcCommands } from './model/state';

/**
 * Points a client may write, keyed `"<equipment>/<point>"`: how each maps onto the PLC's command
 * memory, and the engineering range the PLC accepts (a write outside it is refused with Modbus
 * exception 3, illegal data value, as real PLCs do).
 */
export interface CommandPoint {
  get(c: PlcCommands): number | boolean;
  set(c: PlcCommands, value: number | boolean): void;
  range?: [number, number];
  /** A pulse (reset coils): reads back false once the PLC has acted on it. */
  pulse?: boolean;
}

const hp = (i: number): Record<string, CommandPoint> => {
  const at = (c: PlcCommands): PlcCommands['heatPumps'][number] => {
    const cmd = c.heatPumps[i];
    if (!cmd) throw new Error(`no heat pump ${i + 1}`);
    return cmd;
  };
  const id = `hp${i + 1}`;
  return {
    [`${id}/load_setpoint`]: {
      get: (c) => at(c).loadSetpointPct,
      set: (c, v) => (at(c).loadSetpointPct = Number(v)),
      range: [0, 100],
    },
    [`${id}/condenser_out_setpoint`]: {
      get: (c) => at(c).condenserSetpointC,
      set: (c, v) => (at(c).condenserSetpointC = Number(v)),
      range: [45, 95],
    },
    [`${id}/enable`]: { get: (c) => at(c).enable, set: (c, v) => (at(c).enable = Boolean(v)) },
    [`${id}/trip_reset`]: {
      get: (c) => at(c).tripReset,
      set: (c, v) => (at(c).tripReset = Boolean(v)),
      pulse: true,
    },
  };
};

export function commandPoints(heatPumps: number): Record<string, CommandPoint> {
  const points: Record<string, CommandPoint> = {
    'plant/heartbeat': {
      get: (c) => c.heartbeat,
      set: (c, v) => (c.heartbeat = Number(v)),
      range: [0, 65535],
    },
    'plant/valve_setpoint': {
      get: (c) => c.valveSetpointPct,
      set: (c, v) => (c.valveSetpointPct = Number(v)),
      range: [0, 100],
    },
    'plant/drycooler_setpoint': {
      get: (c) => c.drycoolerSetpointC,
      set: (c, v) => (c.drycoolerSetpointC = Number(v)),
      range: [15, 40],
    },
    'plant/watchdog_reset': {
      get: (c) => c.watchdogReset,
      set: (c, v) => (c.watchdogReset = Boolean(v)),
      pulse: true,
    },
    'hall/heat_recovery_active': {
      get: (c) => c.hall.heatRecoveryActive,
      set: (c, v) => (c.hall.heatRecoveryActive = Boolean(v)),
    },
    'hall/recovered_power': {
      get: (c) => c.hall.recoveredPowerKw,
      set: (c, v) => (c.hall.recoveredPowerKw = Number(v)),
      range: [0, 10000],
    },
    'dh/offered_heat': {
      get: (c) => c.offeredHeatKw,
      set: (c, v) => (c.offeredHeatKw = Number(v)),
      range: [0, 10000],
    },
    'dh/connection_mode': {
      get: (c) => c.connectionMode,
      set: (c, v) => (c.connectionMode = Math.round(Number(v))),
      range: [0, 3],
    },
  };
  for (let i = 0; i < heatPumps; i++) Object.assign(points, hp(i));
  return points;
}
