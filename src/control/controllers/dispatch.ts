import type { z } from 'zod';
import type { heatPumpDispatchSchema } from '../../config/controllers';
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
}

export interface DispatchState {
  hps: Record<string, HeatPumpMemory>;
  /** Condenser heat aimed for in the last cycle, kW. */
  targetKw: number;
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
/** A heat pump commanded on but not running after this long is taken as off (local stop). */
const START_GRACE_MS = 3 * 60 * 1000;

interface Unit {
  cfg: HeatPumpConfig;
  mem: HeatPumpMemory;
  running: boolean;
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
 *    minimum run time (cooling safety excepted), tripped or manual units left out.
 * 4. Loads shared equally, within minimum load and 100 % (the write guard and the units limit
 *    the ramp); the diverter valve sends the evaporators their share of the coolant and keeps
 *    the rest passing the dry coolers, which hold `coolantSetpointC + dryCoolerOffsetK`: they
 *    take only what the heat pumps cannot.
 *
 * When cooling safety acts, heat recovery stands down at once: heat pumps off, and the valve and
 * dry coolers are the safety's.
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
    const units: Unit[] = cfg.heatPumps.map((hp) => {
      const mem = { ...(prev.hps[hp.name] ?? { on: false, changedAt: null }) };
      const running = ctx.image.bool(hp.running) ?? false;
      const tripped = ctx.image.bool(hp.tripped);
      // Reconcile what we commanded with what the unit does.
      if (mem.on && tripped === true) {
        mem.on = false;
        mem.changedAt = now;
      } else if (
        mem.on &&
        !running &&
        mem.changedAt !== null &&
        now - mem.changedAt > START_GRACE_MS
      ) {
        mem.on = false;
        mem.changedAt = now;
      }
      // The minimum off time counts from when the compressor has really stopped, as the unit's
      // own timer does: it unloads for a while after the stop command.
      if (!mem.on && running) {
        mem.runningDown = true;
      } else if (!mem.on && mem.runningDown) {
        mem.runningDown = false;
        mem.changedAt = now;
      }
      if (tripped === true) mem.trippedSince ??= now;
      else mem.trippedSince = null;
      return { cfg: hp, mem, running, available: tripped === false, cop: copOf(hp, ctx) };
    });
    const commands: Command[] = [];
    // Automatic trip reset: after a wait, a limited number of times a day; the unit's own
    // protection refuses the reset if the cause is still there.
    for (const u of units) {
      const since = u.mem.trippedSince;
      if (since === null || since === undefined || !u.cfg.tripReset || cfg.autoResetAfterMs === 0)
        continue;
      const recent = (u.mem.resets ?? []).filter((t) => now - t < 24 * 3600 * 1000);
      const last = recent.at(-1) ?? since;
      if (now - last >= cfg.autoResetAfterMs && recent.length < cfg.maxAutoResetsPerDay) {
        u.mem = { ...u.mem, resets: [...recent, now] };
        commands.push({
          id: u.cfg.tripReset,
          value: true,
          reason: `automatic trip reset ${recent.length + 1} of ${cfg.maxAutoResetsPerDay} today`,
        });
      }
    }
    const send = (hp: HeatPumpConfig, on: boolean, loadPct: number, reason: string): void => {
      commands.push(
        { id: hp.enable, value: on, reason },
        { id: hp.loadSetpoint, value: Math.round(loadPct * 10) / 10, reason },
      );
    };

    if (ctx.safetyActive) {
      for (const u of units) {
        if (u.mem.on)
          u.mem = { ...u.mem, on: false, changedAt: now, loadPct: undefined, loadAt: undefined };
        send(u.cfg, false, 0, 'cooling safety acting: heat recovery stands down');
      }
      if (cfg.offeredHeat)
        commands.push({ id: cfg.offeredHeat, value: 0, reason: 'cooling safety acting' });
      return {
        state: stateOf(units, 0),
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
      const kwPerK = heatFlowKw(flow, 1, 0);
      returnError += kwPerK * (ret - cfg.coolantSetpointC);
    }
    const acceptance = ctx.image.number(cfg.networkAcceptance);
    const problems: string[] = [];
    if (!inputsOk) problems.push('coolant flow or temperatures unknown');
    if (acceptance === undefined) problems.push('network acceptance unknown');

    // 2. Condenser heat to aim for.
    const available = units.filter((u) => u.available);
    // The COP of the units running now (measured) if any, else the estimate of those available.
    const copBasis = available.some((u) => u.running)
      ? available.filter((u) => u.running)
      : available;
    const cop = copBasis.length > 0 ? copBasis.reduce((s, u) => s + u.cop, 0) / copBasis.length : 3;
    let targetKw = 0;
    if (problems.length === 0) {
      const evapKw = Math.max(recoverableKw + COOLANT_GAIN * returnError, 0);
      const capacityKw = available.reduce((s, u) => s + u.cfg.capacityKw, 0);
      targetKw = Math.min(
        (evapKw * cop) / (cop - 1),
        acceptance! * cfg.acceptanceMargin,
        capacityKw,
      );
    }

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
      const perUnit = on.reduce((s, u) => s + cap(u), 0) / on.length;
      if (targetKw > on.length * perUnit * STAGE_UP_SHARE) wanted = on.length + 1;
      else if (on.length > 1 && targetKw < (on.length - 1) * perUnit * STAGE_DOWN_SHARE)
        wanted = on.length - 1;
    }
    let changed = '';
    let openingValve = false;
    // The network takes less than one heat pump's minimum load: every unit stops now, minimum
    // run time or not — heat nobody takes would trip them on condenser temperature in seconds.
    const networkGone =
      problems.length === 0 &&
      on.length > 0 &&
      acceptance! * cfg.acceptanceMargin < Math.min(...on.map(minKw));
    if (networkGone) {
      for (const u of on) u.mem = { ...u.mem, on: false, changedAt: now };
      changed = `stopping ${on.map((u) => u.cfg.name).join(' and ')}: the network takes ${Math.round(acceptance!)} kW`;
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
      // Interlock: no start without evaporator flow. With no unit running yet, the valve opens
      // first and the unit starts once the valve shows it is open.
      const position = cfg.valvePosition ? ctx.image.number(cfg.valvePosition) : undefined;
      const flowReady =
        on.length > 0 ||
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
        candidate.mem = { ...candidate.mem, on: false, changedAt: now };
        changed = `stopping ${candidate.cfg.name}`;
      }
    }

    // 4. Loads, valve, dry coolers.
    const running = units.filter((u) => u.mem.on);
    const totalCap = running.reduce((s, u) => s + cap(u), 0);
    let evapPlannedKw = 0;
    const reason = `heat match: ${Math.round(recoverableKw)} kW recoverable, network takes ${acceptance === undefined ? '?' : Math.round(acceptance)} kW, aiming for ${Math.round(targetKw)} kW`;
    for (const u of units) {
      const why = changed.includes(u.cfg.name) ? `${reason}; ${changed}` : reason;
      if (!u.mem.on) {
        if (u.mem.loadPct !== undefined)
          u.mem = { ...u.mem, loadPct: undefined, loadAt: undefined };
        send(u.cfg, false, 0, why);
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
      send(u.cfg, true, load, why);
    }
    const share = recoverableKw > 50 ? evapPlannedKw / recoverableKw : 1;
    const valve =
      running.length === 0
        ? openingValve
          ? MIN_VALVE_PCT
          : 0
        : clamp(share * 110, MIN_VALVE_PCT, cfg.maxValvePct);
    commands.push({ id: cfg.diverterValve, value: Math.round(valve * 10) / 10, reason });
    if (cfg.dryCoolerSetpoint) {
      commands.push({
        id: cfg.dryCoolerSetpoint,
        value: cfg.coolantSetpointC + cfg.dryCoolerOffsetK,
        reason: 'dry coolers take what the heat pumps cannot',
      });
    }
    if (cfg.offeredHeat)
      commands.push({ id: cfg.offeredHeat, value: Math.round(targetKw), reason });
    const status = problems.length > 0 ? 'degraded' : running.length > 0 ? 'active' : 'idle';
    const message =
      problems.length > 0
        ? `standing down: ${problems.join('; ')}`
        : `${running.length} heat pump(s) on; ${reason}${changed ? `; ${changed}` : ''}`;
    return { state: stateOf(units, targetKw), commands, status, message };
  },
};

function stateOf(units: Unit[], targetKw: number): DispatchState {
  return { hps: Object.fromEntries(units.map((u) => [u.cfg.name, u.mem])), targetKw };
}
