import type { z } from 'zod';
import type { heatPumpDispatchSchema } from '../../config/controllers';
import { splitPointId } from '../../domain/point-id';
import {
  clamp,
  heatFlowKw,
  type Command,
  type Controller,
  type ControllerResult,
  type CycleContext,
} from '../controller';

export type DispatchConfig = z.output<typeof heatPumpDispatchSchema>;
type HeatPumpConfig = DispatchConfig['heatPumps'][number];

/** What dispatch commanded a heat pump to do, and when (for minimum run and off times). */
export interface HeatPumpMemory {
  on: boolean;
  changedAt: number | null;
  /** When a trip was first seen (for the automatic reset), and the resets written. */
  trippedSince?: number | null;
  resets?: number[];
  /** Commanded off, compressor still unloading. */
  runningDown?: boolean;
  /** The load setpoint last commanded while on, and when (for the ramp limit). */
  loadPct?: number;
  loadAt?: number;
  /** The unit was in manual mode last cycle (left to the operators). */
  manual?: boolean;
}

export interface DispatchState {
  hps: Record<string, HeatPumpMemory>;
  /** Condenser heat aimed for in the last cycle, kW. */
  targetKw: number;
  /** The diverter valve setpoint of the last cycle, %. */
  valvePct?: number;
  /** Since when an input has been unknown (hold, then stand down). */
  inputsLostSince?: number | null;
}

const KELVIN_OFFSET = 273.15;

/** Proportional gain of the coolant-temperature correction (kW per kW of loop error). */
const COOLANT_GAIN = 0.5;
/** Each heat pump stays below this share of its capacity before another is staged in. */
const STAGE_UP_SHARE = 0.9;
/** ... and one is staged out when the rest could carry the load at this share. */
const STAGE_DOWN_SHARE = 0.75;
/** The first heat pump starts above this multiple of its minimum load, the last stops below … */
const START_MARGIN = 1.2;
const STOP_MARGIN = 0.8;
/** Least coolant share to the evaporators while a heat pump runs (no low-flow trip). */
const MIN_VALVE_PCT = 20;
/** The valve position at which the first unit may start (its minimum share, less a little). */
const START_VALVE_PCT = 0.9 * MIN_VALVE_PCT;
/**
 * An input unknown for this long makes heat recovery stand down; until then the last commands
 * are held, so one failed poll does not stop (and short-cycle) the heat pumps.
 */
export const INPUT_HOLD_MS = 60_000;
/** A heat pump commanded on but not running after this long is taken as off (local stop). */
const START_GRACE_MS = 3 * 60 * 1000;

interface Unit {
  cfg: HeatPumpConfig;
  mem: HeatPumpMemory;
  /** Its compressor runs (starting, running or unloading), whoever commanded it. */
  running: boolean;
  /** In manual mode: left to the operators, but its running compressor still needs flow. */
  manual: boolean;
  /** Dispatch may use it: not tripped, not manual. */
  available: boolean;
  cop: number;
}

/** A heat pump's COP: measured when running, else half the Carnot COP of its temperatures. */
function copOf(hp: HeatPumpConfig, ctx: CycleContext): number {
  const heat = ctx.image.number(hp.heatOutput);
  const el = ctx.image.number(hp.electricPower);
  if (heat !== undefined && el !== undefined && heat > 50 && el > 5)
    return clamp(heat / el, 1.5, 8);
  const sink = (ctx.supplySetpointC ?? 75) + 2 + KELVIN_OFFSET;
  const source = (ctx.image.number(hp.evaporatorIn) ?? 40) - 7 + KELVIN_OFFSET;
  return clamp((0.5 * sink) / Math.max(sink - source, 5), 1.5, 8);
}

/**
 * Heat match and dispatch (DESIGN §5.4–5.5).
 *
 * 1. Recoverable heat: ṁ·c_p·ΔT of the coolant through the plant — what the heat pumps and dry
 *    coolers remove now. The heat pumps aim to remove all of it and hold the coolant going back
 *    to the hall at `coolantSetpointC`: a warmer return means there is more to take, a colder one
 *    that they take too much (proportional correction).
 * 2. Condenser heat = evaporator heat × COP/(COP − 1), at most what the network accepts (with a
 *    margin, so the supply temperature holds) and what the available heat pumps can give.
 * 3. Staging with hysteresis: as few heat pumps as carry the load below 90 % each; one start or
 *    stop per cycle; never a start within a unit's minimum off time, never a stop within its
 *    minimum run time (cooling safety, a vanished network and lost inputs excepted); tripped and
 *    manual units left out.
 * 4. Loads shared equally, within minimum load and 100 %, ramped; the diverter valve sends the
 *    evaporators their share of the coolant (never less than the minimum while any compressor
 *    runs) and keeps the rest passing the dry coolers, which hold `coolantSetpointC +
 *    dryCoolerOffsetK`: they take only what the heat pumps cannot.
 *
 * When cooling safety acts, heat recovery stands down at once: heat pumps off (commands in the
 * safe direction, which win over overrides and manual mode), and the valve and dry coolers are
 * the safety's. When an input is unknown, the last commands are held for `INPUT_HOLD_MS`, then
 * heat recovery stands down.
 */
export const dispatch: Controller<DispatchConfig, DispatchState> = {
  init: (cfg) => ({
    hps: Object.fromEntries(cfg.heatPumps.map((hp) => [hp.name, { on: false, changedAt: null }])),
    targetKw: 0,
  }),

  step(
    ctx: CycleContext,
    prev: DispatchState,
    cfg: DispatchConfig,
  ): ControllerResult<DispatchState> {
    const now = ctx.now;
    const units = cfg.heatPumps.map((hp) => reconcile(hp, prev.hps[hp.name], ctx));
    const commands: Command[] = [...tripResets(units, cfg, now)];
    const send = (u: Unit, on: boolean, loadPct: number, reason: string, safety = false): void => {
      if (u.manual && !safety) return; // the operators' unit
      commands.push(
        { id: u.cfg.enable, value: on, reason, ...(safety ? { safety } : {}) },
        {
          id: u.cfg.loadSetpoint,
          value: Math.round(loadPct * 10) / 10,
          reason,
          ...(safety ? { safety } : {}),
        },
      );
    };
    const stop = (u: Unit): void => {
      // Its off time starts when it is seen stopped (runningDown), not at the command.
      if (u.mem.on) u.mem = { ...u.mem, on: false, changedAt: now, runningDown: true };
      if (u.mem.loadPct !== undefined) u.mem = { ...u.mem, loadPct: undefined, loadAt: undefined };
    };

    if (ctx.safetyActive) {
      for (const u of units) {
        stop(u);
        send(u, false, 0, 'cooling safety acting: heat recovery stands down', true);
      }
      if (cfg.offeredHeat)
        commands.push({ id: cfg.offeredHeat, value: 0, reason: 'cooling safety acting' });
      return {
        state: { hps: memories(units), targetKw: 0, valvePct: 0, inputsLostSince: null },
        commands,
        status: 'idle',
        message: 'standing down for cooling safety',
      };
    }

    // 1. Recoverable heat and the coolant correction.
    let recoverableKw = 0;
    let returnError = 0;
    let inputsOk = true;
    for (const s of cfg.sources) {
      const flow = ctx.image.number(s.flow);
      const sup = ctx.image.number(s.supplyTemp);
      const ret = ctx.image.number(s.returnTemp);
      if (flow === undefined || sup === undefined || ret === undefined) {
        inputsOk = false;
        continue;
      }
      recoverableKw += Math.max(heatFlowKw(flow, sup, ret), 0);
      returnError += heatFlowKw(flow, 1, 0) * (ret - cfg.coolantSetpointC);
    }
    const acceptance = ctx.image.number(cfg.networkAcceptance);
    const problems: string[] = [];
    if (!inputsOk) problems.push('coolant flow or temperatures unknown');
    if (acceptance === undefined) problems.push('network acceptance unknown');

    if (problems.length > 0) {
      const lostSince = prev.inputsLostSince ?? now;
      const holding = now - lostSince < INPUT_HOLD_MS;
      const why = holding
        ? `holding the last commands (${problems.join('; ')})`
        : `standing down: ${problems.join('; ')} for ${Math.round((now - lostSince) / 1000)} s`;
      for (const u of units) {
        if (!holding) stop(u);
        send(u, u.mem.on, u.mem.loadPct ?? 0, why);
      }
      const valve = holding
        ? (prev.valvePct ?? 0)
        : units.some((u) => u.running)
          ? MIN_VALVE_PCT
          : 0;
      commands.push({ id: cfg.diverterValve, value: valve, reason: why });
      if (cfg.offeredHeat)
        commands.push({ id: cfg.offeredHeat, value: holding ? prev.targetKw : 0, reason: why });
      return {
        state: {
          hps: memories(units),
          targetKw: holding ? prev.targetKw : 0,
          valvePct: valve,
          inputsLostSince: lostSince,
        },
        commands,
        status: 'degraded',
        message: why,
      };
    }
    const accepted = acceptance!;

    // 2. Condenser heat to aim for.
    const available = units.filter((u) => u.available);
    // The COP of the units running now (measured) if any, else the estimate of those available.
    const copBasis = available.some((u) => u.running)
      ? available.filter((u) => u.running)
      : available;
    const cop =
      copBasis.length > 0 ? copBasis.reduce((sum, u) => sum + u.cop, 0) / copBasis.length : 3;
    const evapKw = Math.max(recoverableKw + COOLANT_GAIN * returnError, 0);
    const capacityKw = available.reduce((sum, u) => sum + u.cfg.capacityKw, 0);
    const targetKw = Math.min(
      (evapKw * cop) / (cop - 1),
      accepted * cfg.acceptanceMargin,
      capacityKw,
    );

    // 3. Staging.
    const on = units.filter((u) => u.mem.on);
    const cap = (u: Unit): number => u.cfg.capacityKw;
    const minKw = (u: Unit): number => (u.cfg.capacityKw * u.cfg.minLoadPct) / 100;
    let wanted = on.length;
    if (on.length === 0) {
      const first = available[0];
      if (first && targetKw >= START_MARGIN * minKw(first)) wanted = 1;
    } else if (targetKw < STOP_MARGIN * Math.min(...on.map(minKw))) {
      wanted = 0;
    } else {
      const perUnit = on.reduce((sum, u) => sum + cap(u), 0) / on.length;
      if (targetKw > on.length * perUnit * STAGE_UP_SHARE) wanted = on.length + 1;
      else if (on.length > 1 && targetKw < (on.length - 1) * perUnit * STAGE_DOWN_SHARE)
        wanted = on.length - 1;
    }
    let changed = '';
    let openingValve = false;
    // The network takes less than one heat pump's minimum load: every unit stops now, minimum
    // run time or not — heat nobody takes would trip them on condenser temperature in seconds.
    if (on.length > 0 && accepted * cfg.acceptanceMargin < Math.min(...on.map(minKw))) {
      for (const u of on) stop(u);
      changed = `stopping ${on.map((u) => u.cfg.name).join(' and ')}: the network takes ${Math.round(accepted)} kW`;
    } else if (wanted > on.length) {
      // The unit off longest, past its minimum off time.
      const candidate = available
        .filter(
          (u) =>
            !u.mem.on &&
            !u.mem.runningDown &&
            !u.running &&
            (u.mem.changedAt === null || now - u.mem.changedAt >= u.cfg.minOffMs),
        )
        .sort((a, b) => (a.mem.changedAt ?? -Infinity) - (b.mem.changedAt ?? -Infinity))[0];
      // Interlock: no start without evaporator flow. With no compressor running yet, the valve
      // opens first and the unit starts once the valve shows it is open.
      const position = cfg.valvePosition ? ctx.image.number(cfg.valvePosition) : undefined;
      const flowReady =
        units.some((u) => u.running) ||
        !cfg.valvePosition ||
        (position !== undefined && position >= START_VALVE_PCT);
      if (candidate && !flowReady) {
        openingValve = true;
        changed = `opening the diverter valve before starting ${candidate.cfg.name}`;
      } else if (candidate) {
        candidate.mem = { ...candidate.mem, on: true, changedAt: now };
        changed = `starting ${candidate.cfg.name}`;
      }
    } else if (wanted < on.length) {
      // The unit on longest, past its minimum run time.
      const candidate = on
        .filter((u) => u.mem.changedAt === null || now - u.mem.changedAt >= u.cfg.minRunMs)
        .sort((a, b) => (a.mem.changedAt ?? -Infinity) - (b.mem.changedAt ?? -Infinity))[0];
      if (candidate) {
        stop(candidate);
        changed = `stopping ${candidate.cfg.name}`;
      }
    }

    // 4. Loads, valve, dry coolers.
    const running = units.filter((u) => u.mem.on);
    const totalCap = running.reduce((sum, u) => sum + cap(u), 0);
    let evapPlannedKw = 0;
    const reason = `heat match: ${Math.round(recoverableKw)} kW recoverable, network takes ${Math.round(accepted)} kW, aiming for ${Math.round(targetKw)} kW`;
    for (const u of units) {
      const why = changed.includes(u.cfg.name) ? `${reason}; ${changed}` : reason;
      if (!u.mem.on) {
        stop(u);
        send(u, false, 0, why);
        continue;
      }
      const wantedLoad = clamp((targetKw / Math.max(totalCap, 1)) * 100, u.cfg.minLoadPct, 100);
      // Ramp limit: from minimum load after a start, then rampPctPerMin.
      const prevLoad = u.mem.loadPct ?? u.cfg.minLoadPct;
      const maxStep =
        u.mem.loadAt === undefined
          ? 0
          : (u.cfg.rampPctPerMin * Math.max(now - u.mem.loadAt, 0)) / 60_000;
      const load = Math.round(clamp(wantedLoad, prevLoad - maxStep, prevLoad + maxStep) * 10) / 10;
      u.mem = { ...u.mem, loadPct: load, loadAt: now };
      evapPlannedKw += ((cap(u) * load) / 100) * (1 - 1 / u.cop);
      send(u, true, load, why);
    }
    // Any compressor still turning (unloading after a stop, or an operator's unit in manual)
    // keeps its minimum evaporator flow: a valve at 0 would trip it on low flow.
    const flowNeeded = openingValve || units.some((u) => u.running || u.mem.on);
    const share = recoverableKw > 50 ? evapPlannedKw / recoverableKw : 0;
    const valve =
      Math.round((flowNeeded ? clamp(share * 110, MIN_VALVE_PCT, cfg.maxValvePct) : 0) * 10) / 10;
    commands.push({ id: cfg.diverterValve, value: valve, reason });
    if (cfg.dryCoolerSetpoint) {
      commands.push({
        id: cfg.dryCoolerSetpoint,
        value: cfg.coolantSetpointC + cfg.dryCoolerOffsetK,
        reason: 'dry coolers take what the heat pumps cannot',
      });
    }
    if (cfg.offeredHeat)
      commands.push({ id: cfg.offeredHeat, value: Math.round(targetKw), reason });
    return {
      state: { hps: memories(units), targetKw, valvePct: valve, inputsLostSince: null },
      commands,
      status: running.length > 0 ? 'active' : 'idle',
      message: `${running.length} heat pump(s) on; ${reason}${changed ? `; ${changed}` : ''}`,
    };
  },
};

/** What dispatch remembers of a unit, reconciled with what the unit does now. */
function reconcile(
  hp: HeatPumpConfig,
  prevMem: HeatPumpMemory | undefined,
  ctx: CycleContext,
): Unit {
  const now = ctx.now;
  const mem: HeatPumpMemory = { ...(prevMem ?? { on: false, changedAt: null }) };
  const running = ctx.image.bool(hp.running) ?? false;
  const tripped = ctx.image.bool(hp.tripped);
  const manual = ctx.manual?.has(splitPointId(hp.enable).device) ?? false;
  if (manual) {
    // The operators' now: dispatch forgets what it commanded.
    mem.on = false;
    mem.loadPct = undefined;
    mem.loadAt = undefined;
  } else if (mem.manual && running) {
    // Back to auto while running: adopted as on, its minimum run time counted from now.
    mem.on = true;
    mem.changedAt = now;
  } else if (mem.on && tripped === true) {
    mem.on = false;
    mem.changedAt = now;
  } else if (mem.on && !running && mem.changedAt !== null && now - mem.changedAt > START_GRACE_MS) {
    mem.on = false;
    mem.changedAt = now;
  }
  mem.manual = manual;
  // The minimum off time counts from when the compressor has really stopped, as the unit's own
  // timer does: it unloads for a while after the stop command.
  if (!mem.on && running) {
    mem.runningDown = true;
  } else if (!mem.on && mem.runningDown) {
    mem.runningDown = false;
    mem.changedAt = now;
  }
  if (tripped === true) mem.trippedSince ??= now;
  else mem.trippedSince = null;
  return {
    cfg: hp,
    mem,
    running,
    manual,
    available: tripped === false && !manual,
    cop: copOf(hp, ctx),
  };
}

/**
 * Automatic trip reset: `autoResetAfterMs` after the trip (and after the previous reset), at most
 * `maxAutoResetsPerDay`; the unit's own protection refuses the reset while the cause persists.
 */
function tripResets(units: Unit[], cfg: DispatchConfig, now: number): Command[] {
  const out: Command[] = [];
  for (const u of units) {
    const since = u.mem.trippedSince;
    if (
      since === null ||
      since === undefined ||
      !u.cfg.tripReset ||
      cfg.autoResetAfterMs === 0 ||
      u.manual
    )
      continue;
    const recent = (u.mem.resets ?? []).filter((t) => now - t < 24 * 3600 * 1000);
    const last = Math.max(since, recent.at(-1) ?? -Infinity);
    if (now - last >= cfg.autoResetAfterMs && recent.length < cfg.maxAutoResetsPerDay) {
      u.mem = { ...u.mem, resets: [...recent, now] };
      out.push({
        id: u.cfg.tripReset,
        value: true,
        reason: `automatic trip reset ${recent.length + 1} of ${cfg.maxAutoResetsPerDay} today`,
      });
    }
  }
  return out;
}

function memories(units: Unit[]): Record<string, HeatPumpMemory> {
  return Object.fromEntries(units.map((u) => [u.cfg.name, u.mem]));
}
