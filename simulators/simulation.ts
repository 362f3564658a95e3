import { EventEmitter } from 'node:events';
import { commandPoints, type CommandPoint } from './commands';
import type { Fault, FaultSpec } from './faults';
import type { PlantParams } from './model/params';
import { step } from './model/plant';
import { readings, type Readings } from './model/readings';
import {
  initialCommands,
  initialState,
  type PlantInputs,
  type PlantState,
  type PlcCommands,
} from './model/state';
import type { NetworkSeries } from './network';
import type { WeatherSource } from './weather';

export interface SimulationOptions {
  params: PlantParams;
  weather: WeatherSource;
  seed: number;
  /** Simulated start time, ms since the Unix epoch. */
  startTime: number;
  /**
   * Maps site-config names to the model's equipment: device names (`hall1` → `hall`) for
   * faults addressed by device, and thereby point ids (`hall1/cdu_supply_temp`).
   */
  equipmentOf: Readonly<Record<string, string>>;
  /** Protocol each device is served with: some faults only make sense for one of them. */
  protocolOf: Readonly<Record<string, 'opcua' | 'modbus'>>;
  /**
   * A measured network in place of the built-in curves: its requested supply, return and
   * acceptance, and its outdoor temperature (over `weather`) when it has one.
   */
  network?: NetworkSeries;
}

/** A value as a sensor reports it, after injected measurement faults. */
export interface Measured {
  value: number | boolean;
  bad: boolean;
}

export interface WriteRecord {
  at: number;
  point: string;
  value: number | boolean;
  accepted: boolean;
  reason?: string;
}

/**
 * The simulated plant with its PLC memory and injected faults: steps the pure model, keeps the
 * commands clients write, and serves readings with measurement faults applied. Time only moves
 * through `advance()`; `runRealtime()` calls it from a timer for the demo.
 */
/** Writes kept for `writes()` (at least this many, newest last). */
const WRITE_LOG_SIZE = 10_000;

export class Simulation extends EventEmitter {
  state: PlantState;
  readonly commands: PlcCommands;
  private current: Readings;
  private readonly frozen = new Map<string, number | boolean>();
  private readonly faultList: Fault[] = [];
  /** Flexible IT load following the heat signal (`simulate --flexible-it`); none: as it is. */
  flexibleIt: { share: number; kw: number } | undefined;
  private nextFaultId = 1;
  private readonly pendingTrips: number[] = [];
  private readonly writable: Record<string, CommandPoint>;
  private readonly writeLog: WriteRecord[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SimulationOptions) {
    super();
    this.state = initialState(opts.params, opts.startTime, opts.seed);
    this.state = { ...this.state, outdoorTempC: this.outdoorAt(opts.startTime) };
    this.commands = initialCommands(opts.params);
    this.writable = commandPoints(opts.params.heatPumps.length);
    this.current = readings(this.state, opts.params);
  }

  get params(): PlantParams {
    return this.opts.params;
  }

  /** Simulated time now, ms since the Unix epoch. */
  get now(): number {
    return this.state.t;
  }

  /** The network series in place of the built-in curves, if any. */
  get network(): NetworkSeries | undefined {
    return this.opts.network;
  }

  /** Outdoor temperature at `t`: the network series' when it has one, else the weather's. */
  outdoorAt(t: number): number {
    return this.opts.network?.conditionsAt(t).outdoorC ?? this.opts.weather.temperatureAt(t);
  }

  /**
   * Advances simulated time by `dtS` seconds. With a network series, a step that crosses a
   * whole hour of it is split there, so each hour's values apply from their hour on.
   */
  advance(dtS: number): void {
    const faults = this.faultList;
    let remainingMs = dtS * 1000;
    while (remainingMs > 1e-6) {
      const untilHourMs = this.opts.network
        ? msToNextHour(this.state.t, this.opts.network)
        : Infinity;
      const chunkMs = Math.min(remainingMs, untilHourMs);
      const network = this.opts.network?.conditionsAt(this.state.t);
      const inputs: PlantInputs = {
        commands: this.commands,
        outdoorTempC: network?.outdoorC ?? this.opts.weather.temperatureAt(this.state.t),
        ...(network
          ? {
              network: {
                supplyC: network.supplyC,
                returnC: network.returnC,
                acceptanceKw: network.acceptanceKw,
              },
            }
          : {}),
        ...(this.flexibleIt ? { flexibleIt: this.flexibleIt } : {}),
        faults: {
          networkRefusesHeat: faults.some((f) => f.kind === 'network-refuses-heat'),
          drycoolerFault: faults.some((f) => f.kind === 'drycooler-fault'),
          tripHeatPumps: this.pendingTrips.splice(0),
        },
      };
      this.state = step(this.state, inputs, chunkMs / 1000, this.opts.params);
      remainingMs -= chunkMs;
      // Pulses are consumed by the step: reset coils read back 0.
      this.commands.watchdogReset = false;
      for (const hp of this.commands.heatPumps) hp.tripReset = false;
    }
    this.current = readings(this.state, this.opts.params);
    this.emit('step', this.state);
  }

  /**
   * Runs in real time (× `speed`): every `tickMs` of wall time, advances by the elapsed wall time
   * times the speed. The wall clock is injected so tests can drive it.
   */
  runRealtime(speed: number, tickMs = 200, wallNow: () => number = Date.now): void {
    this.stopRealtime();
    let last = wallNow();
    this.timer = setInterval(() => {
      const now = wallNow();
      const dtS = ((now - last) / 1000) * speed;
      last = now;
      if (dtS > 0) this.advance(dtS);
    }, tickMs);
  }

  stopRealtime(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The model key (`hall/cdu_supply_temp`) of a site point id (`hall1/cdu_supply_temp`). */
  keyOf(pointId: string): string | undefined {
    const slash = pointId.indexOf('/');
    const equipment = this.opts.equipmentOf[pointId.slice(0, slash)];
    return equipment === undefined ? undefined : `${equipment}${pointId.slice(slash)}`;
  }

  /** A measurement as its sensor reports it now, faults applied. Undefined for unknown keys. */
  read(key: string): Measured | undefined {
    const fresh = this.current[key];
    if (fresh === undefined) return undefined;
    let value: number | boolean = fresh;
    let bad = false;
    for (const f of this.faultList) {
      if (!('point' in f) || this.keyOf(f.point) !== key) continue;
      if (f.kind === 'frozen') value = this.frozen.get(key) ?? value;
      else if (f.kind === 'bias' && typeof value === 'number') value += f.bias;
      else if (f.kind === 'bad') bad = true;
    }
    return { value, bad };
  }

  /** The model's value itself, without sensor faults: what really happens (for scoring). */
  trueValue(key: string): number | boolean | undefined {
    return this.current[key];
  }

  /** The PLC memory behind a writable point (what a read of that register returns). */
  readCommand(key: string): number | boolean | undefined {
    return this.writable[key]?.get(this.commands);
  }

  isWritable(key: string): boolean {
    return key in this.writable;
  }

  /**
   * A client's write into the PLC's memory. Values outside the PLC's accepted range are
   * refused (the protocol layer answers with an exception) and logged either way.
   */
  /** Would the PLC accept this write? (It changes nothing.) */
  checkWrite(key: string, value: number | boolean): { ok: true } | { ok: false; reason: string } {
    const point = this.writable[key];
    if (!point) return { ok: false, reason: 'not writable' };
    if (point.range && typeof value === 'number') {
      const [min, max] = point.range;
      if (!(value >= min && value <= max))
        return { ok: false, reason: `${value} outside ${min}..${max}` };
    }
    return { ok: true };
  }

  /**
   * A client's write into the PLC's memory. Values outside the PLC's accepted range are
   * refused (the protocol layer answers with an exception) and logged either way.
   */
  write(key: string, value: number | boolean): { ok: true } | { ok: false; reason: string } {
    const check = this.checkWrite(key, value);
    this.writeLog.push({
      at: this.state.t,
      point: key,
      value,
      accepted: check.ok,
      ...(check.ok ? {} : { reason: check.reason }),
    });
    // Trimmed in chunks: a splice per write would copy the whole log every time.
    if (this.writeLog.length > WRITE_LOG_SIZE * 1.2)
      this.writeLog.splice(0, this.writeLog.length - WRITE_LOG_SIZE);
    if (!check.ok) return check;
    this.writable[key]!.set(this.commands, value);
    this.emit('write', key, value);
    return check;
  }

  /** Writes received, newest last (accepted and refused). */
  writes(): readonly WriteRecord[] {
    return this.writeLog;
  }

  faults(): readonly Fault[] {
    return this.faultList;
  }

  /** Injects a fault; throws for a device or point the simulation does not have. */
  addFault(spec: FaultSpec): Fault {
    if ('point' in spec) {
      const key = this.keyOf(spec.point);
      if (key === undefined || this.current[key] === undefined) {
        throw new Error(`no simulated measurement "${spec.point}"`);
      }
      if (spec.kind === 'frozen') this.frozen.set(key, this.read(key)!.value);
    }
    if ('device' in spec && this.opts.equipmentOf[spec.device] === undefined) {
      throw new Error(`no simulated device "${spec.device}"`);
    }
    if (
      (spec.kind === 'silent' || spec.kind === 'slow') &&
      this.opts.protocolOf[spec.device] !== 'modbus'
    ) {
      throw new Error(
        `${spec.kind} is a fault of Modbus units; "${spec.device}" is served over OPC UA`,
      );
    }
    if (spec.kind === 'hp-trip') {
      const index = this.opts.params.heatPumps.findIndex(
        (_, i) => this.opts.equipmentOf[spec.device] === `hp${i + 1}`,
      );
      if (index < 0) throw new Error(`"${spec.device}" is not a heat pump`);
      this.pendingTrips.push(index);
    }
    const fault: Fault = { ...spec, id: this.nextFaultId++, since: this.state.t };
    // A trip acts once; it is not a lasting condition to list.
    if (spec.kind !== 'hp-trip') this.faultList.push(fault);
    this.emit('faults', this.faultList);
    return fault;
  }

  clearFault(id: number): boolean {
    const i = this.faultList.findIndex((f) => f.id === id);
    if (i < 0) return false;
    const [removed] = this.faultList.splice(i, 1);
    if (removed && removed.kind === 'frozen') {
      const key = this.keyOf(removed.point);
      if (key && !this.faultList.some((f) => f.kind === 'frozen' && this.keyOf(f.point) === key)) {
        this.frozen.delete(key);
      }
    }
    this.emit('faults', this.faultList);
    return true;
  }

  clearFaults(): void {
    for (const f of [...this.faultList]) this.clearFault(f.id);
  }

  /** Faults of a kind affecting a device (by site device name). */
  deviceFault<K extends 'offline' | 'silent' | 'slow'>(
    device: string,
    kind: K,
  ): Extract<Fault, { kind: K }> | undefined {
    return this.faultList.find((f) => f.kind === kind && 'device' in f && f.device === device) as
      Extract<Fault, { kind: K }> | undefined;
  }

  /** Everything for the admin API: readings by model key, commands, faults, statistics. */
  snapshot(): Record<string, unknown> {
    const s = this.state;
    return {
      time: new Date(s.t).toISOString(),
      readings: this.current,
      commands: this.commands,
      faults: this.faultList,
      watchdog: s.watchdog,
      heatPumps: s.heatPumps.map((hp) => ({
        mode: hp.mode,
        load: hp.load,
        starts: hp.starts,
        shortCycles: hp.shortCycles,
        startInhibits: hp.startInhibits,
        tripReason: hp.tripReason,
      })),
      energy: s.energy,
    };
  }
}

/** Time from `t` to the next whole hour of the series, ms (an hour at a boundary). */
function msToNextHour(t: number, network: NetworkSeries): number {
  const hourMs = 3_600_000;
  const into = (((t - network.firstHour) % hourMs) + hourMs) % hourMs;
  return hourMs - into;
}
