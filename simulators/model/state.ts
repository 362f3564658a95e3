import type { NetworkConditions } from './district';
import type { PlantParams } from './params';

export const HEAT_PUMP_MODES = [
  'off',
  'starting',
  'running',
  'stopping',
  'tripped',
  'local',
] as const;
export type HeatPumpMode = (typeof HEAT_PUMP_MODES)[number];

export interface HeatPumpState {
  mode: HeatPumpMode;
  /** Compressor load, 0..1. */
  load: number;
  lastStartAt: number | null;
  lastStopAt: number | null;
  starts: number;
  /** Stops commanded before the minimum run time had passed. */
  shortCycles: number;
  /** Start requests refused because the minimum off time had not passed. */
  startInhibits: number;
  tripReason: string | null;
  /** The trip was a high condenser temperature: its reset waits for the outlet to cool. */
  overheatTrip: boolean;
  lowFlowSince: number | null;
  heatKw: number;
  electricKw: number;
  evapKw: number;
  evapOutC: number;
  cop: number;
  heatKwh: number;
  electricKwh: number;
}

/** What the PLC's registers and coils hold: written by HeatBridge (or anyone) over Modbus. */
export interface PlcCommands {
  heartbeat: number;
  /** % of the coolant sent to the heat pumps (0 = all to the dry coolers). */
  valveSetpointPct: number;
  drycoolerSetpointC: number;
  /** A pulse: set by a write to the reset coil, consumed by the next step. */
  watchdogReset: boolean;
  heatPumps: {
    enable: boolean;
    loadSetpointPct: number;
    condenserSetpointC: number;
    tripReset: boolean;
  }[];
  offeredHeatKw: number;
  /**
   * How the substation routes our heat: 0 none, 1 supply line, 2 return line, 3 supply with the
   * utility's top-up. 1 by default, so a controller that does not know the register works as before.
   */
  connectionMode: number;
  /** What HeatBridge tells the hall's BMS over OPC UA (information only, no effect on the plant). */
  hall: { heatRecoveryActive: boolean; recoveredPowerKw: number };
}

export interface PlantInputs {
  commands: PlcCommands;
  outdoorTempC: number;
  /** The network at the connection now; the built-in curves when absent. */
  network?: NetworkConditions;
  /**
   * Flexible IT load following the heat signal (`simulate --flexible-it`): `share` of the hall's
   * expected (diurnal) load is taken out and `kw` runs instead. Absent: the load as it is.
   */
  flexibleIt?: { share: number; kw: number };
  /** Faults that change the physics (measurement faults live in the protocol layer). */
  faults: {
    networkRefusesHeat: boolean;
    drycoolerFault: boolean;
    /** Heat pumps (by index) to trip now. */
    tripHeatPumps: readonly number[];
  };
}

export interface PlantState {
  /** Simulated time, ms since the Unix epoch. */
  t: number;
  seed: number;
  outdoorTempC: number;
  /** Slow random IT-load variation (relative), an Ornstein–Uhlenbeck process. */
  loadNoise: number;
  itKw: number;
  facilityKw: number;
  liquidKw: number;
  airKw: number;
  airCoolingKw: number;
  /** Facility water leaving the hall (warm) and arriving at it (cooled), °C. */
  hotC: number;
  coldC: number;
  /** Mixed temperature leaving the plant toward the hall, °C. */
  plantOutC: number;
  valvePct: number;
  drycoolerKw: number;
  drycoolerFanKw: number;
  drycoolerFault: boolean;
  heatPumps: HeatPumpState[];
  /** Condenser header toward the district network, °C. */
  condenserC: number;
  districtFlowKgS: number;
  deliveredKw: number;
  networkReturnC: number;
  requestedSupplyC: number;
  /** Heat the network takes from us now in the connection mode applied, kW. */
  acceptanceKw: number;
  /** Heat the return line would take at the contract's maximum rise, kW. */
  returnAcceptanceKw: number;
  /** The connection mode's code (0–3) the substation applied in this step. */
  connectionMode: number;
  watchdog: {
    lastHeartbeat: number;
    lastChangeAt: number;
    safeState: boolean;
    /** Times the safe state was entered. */
    trips: number;
  };
  counters: {
    itKwh: number;
    facilityKwh: number;
    drycoolerElectricKwh: number;
    deliveredKwh: number;
  };
  /** Energy bookkeeping for the balance check, kWh since start. */
  energy: {
    itHeatKwh: number;
    recoveredKwh: number;
    rejectedLiquidKwh: number;
    rejectedAirKwh: number;
  };
}

export function initialCommands(params: PlantParams): PlcCommands {
  return {
    heartbeat: 0,
    valveSetpointPct: 0,
    drycoolerSetpointC: params.dryCooler.safeSetpointC,
    watchdogReset: false,
    heatPumps: params.heatPumps.map(() => ({
      enable: false,
      loadSetpointPct: 0,
      condenserSetpointC: 70,
      tripReset: false,
    })),
    offeredHeatKw: 0,
    connectionMode: 1,
    hall: { heatRecoveryActive: false, recoveredPowerKw: 0 },
  };
}

/**
 * The plant at `t0`, settled: heat pumps off, everything to the dry coolers, and the PLC in its
 * safe state — a PLC boots safe and leaves that state only once a supervisor sends heartbeats and
 * resets it. `seed` makes every random variation reproducible.
 */
export function initialState(params: PlantParams, t0: number, seed: number): PlantState {
  const it = params.hall.itNominalKw;
  const liquid = it * params.hall.liquidShare;
  const cold = params.dryCooler.safeSetpointC;
  const hot = cold + liquid / (params.loop.flowKgS * 4.186);
  const start = params.counterStartKwh;
  return {
    t: t0,
    seed: seed >>> 0,
    outdoorTempC: 0,
    loadNoise: 0,
    itKw: it,
    facilityKw: it,
    liquidKw: liquid,
    airKw: it - liquid,
    airCoolingKw: 0,
    hotC: hot,
    coldC: cold,
    plantOutC: cold,
    valvePct: 0,
    drycoolerKw: liquid,
    drycoolerFanKw: 0,
    drycoolerFault: false,
    heatPumps: params.heatPumps.map(() => ({
      mode: 'off',
      load: 0,
      lastStartAt: null,
      lastStopAt: null,
      starts: 0,
      shortCycles: 0,
      startInhibits: 0,
      tripReason: null,
      overheatTrip: false,
      lowFlowSince: null,
      heatKw: 0,
      electricKw: 0,
      evapKw: 0,
      evapOutC: hot,
      cop: 0,
      heatKwh: start,
      electricKwh: start,
    })),
    condenserC: 50,
    districtFlowKgS: 0,
    deliveredKw: 0,
    networkReturnC: 47,
    requestedSupplyC: 75,
    acceptanceKw: 0,
    returnAcceptanceKw: 0,
    connectionMode: 1,
    watchdog: { lastHeartbeat: 0, lastChangeAt: t0, safeState: true, trips: 0 },
    counters: {
      itKwh: start,
      facilityKwh: start,
      drycoolerElectricKwh: start,
      deliveredKwh: start,
    },
    energy: { itHeatKwh: 0, recoveredKwh: 0, rejectedLiquidKwh: 0, rejectedAirKwh: 0 },
  };
}
