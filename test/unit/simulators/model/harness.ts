import type { NetworkConditions } from '../../../../simulators/model/district';
import { DEMO_PARAMS, type PlantParams } from '../../../../simulators/model/params';
import { step } from '../../../../simulators/model/plant';
import {
  initialCommands,
  initialState,
  type PlantInputs,
  type PlantState,
  type PlcCommands,
} from '../../../../simulators/model/state';

export const T0 = Date.UTC(2026, 0, 15, 0, 0, 0);

/**
 * Drives the pure model second by second like a simple supervisor would: heartbeats every 2 s
 * (unless stopped), with commands and faults the test sets. Not a mock: it only calls `step`.
 */
export class Plant {
  state: PlantState;
  cmd: PlcCommands;
  heartbeats = true;
  outdoorC = -5;
  /** The network at the connection (a series' hour); the built-in curves when undefined. */
  network: NetworkConditions | undefined;
  faults: Omit<PlantInputs['faults'], 'tripHeatPumps'> = {
    networkRefusesHeat: false,
    drycoolerFault: false,
  };
  /**
   * The heat pumps' condenser setpoint: a fixed temperature, or the network's request (each step,
   * as a supervisor feeding the supply line does; the substation refuses heat well below it).
   */
  supply: number | 'request' = 'request';
  private trips: number[] = [];
  private beat = 0;

  constructor(
    readonly params: PlantParams = DEMO_PARAMS,
    seed = 7,
  ) {
    this.state = initialState(params, T0, seed);
    this.cmd = initialCommands(params);
  }

  get seconds(): number {
    return (this.state.t - T0) / 1000;
  }

  trip(index: number): void {
    this.trips.push(index);
  }

  /** Runs `seconds` in steps of `dtS`, calling `each` after every step. */
  run(seconds: number, each?: (s: PlantState) => void, dtS = 1): void {
    for (let i = 0; i < seconds / dtS; i++) {
      if (this.heartbeats && Math.floor(this.seconds) % 2 === 0)
        this.cmd.heartbeat = ++this.beat % 65536;
      for (const hp of this.cmd.heatPumps)
        hp.condenserSetpointC =
          this.supply === 'request' ? this.state.requestedSupplyC : this.supply;
      this.state = step(
        this.state,
        {
          commands: this.cmd,
          outdoorTempC: this.outdoorC,
          ...(this.network ? { network: this.network } : {}),
          faults: { ...this.faults, tripHeatPumps: this.trips.splice(0) },
        },
        dtS,
        this.params,
      );
      this.cmd.watchdogReset = false;
      for (const hp of this.cmd.heatPumps) hp.tripReset = false;
      each?.(this.state);
    }
  }

  /** Heartbeats on, watchdog reset: the PLC leaves its boot-time safe state. */
  takeControl(): void {
    this.run(4);
    this.cmd.watchdogReset = true;
    this.run(1);
  }

  enableHeatPumps(
    loadPct: number,
    valvePct = 100,
    setpointC: number | 'request' = 'request',
  ): void {
    this.cmd.valveSetpointPct = valvePct;
    this.supply = setpointC;
    for (const hp of this.cmd.heatPumps) {
      hp.enable = true;
      hp.loadSetpointPct = loadPct;
    }
  }
}
