import type { z } from 'zod';
import type { heatPumpDispatchSchema } from '../../config/controllers';
import type { PointId } from '../../domain/point-id';
import { trimAcceptance, type TrimState } from '../acceptance-trim';
import {
  clamp,
  heatFlowKw,
  type AlarmSignal,
  type Command,
  type Controller,
  type ControllerResult,
  type CycleContext,
} from '../controller';
import { readValueInputs, valueLimit } from '../dispatch-value';
import { memories, reconcile, tripResets, type HeatPumpMemory, type Unit } from './dispatch-units';

export type { HeatPumpMemory } from './dispatch-units';
export type DispatchConfig = z.output<typeof heatPumpDispatchSchema>;

export interface DispatchState {
  hps: Record<string, HeatPumpMemory>;
  /** Condenser heat aimed for in the last cycle, kW. */
  targetKw: number;
  /** The diverter valve setpoint of the last cycle, %. */
  valvePct?: number;
  /** Since when an input has been unknown (hold, then stand down). */
  inputsLostSince?: number | null;
  /** The acceptance trim's share (with `acceptanceTrim`). */
  trim?: TrimState;
  /** Running would lose money now (with `value`; kept for its hysteresis). */
  lossMaking?: boolean;
  /** The prices that decision was made at: it stands until they change (the next hour). */
  valuePrices?: [number | undefined, number | undefined];
}

/** The share of the acceptance aimed for without a trim (`acceptanceMargin`'s default). */
const DEFAULT_ACCEPTANCE_MARGIN = 0.9;

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

/**
 * Heat match and dispatch (DESIGN §5.4–5.5).
 *
 * 1. Recoverable heat: ṁ·c_p·ΔT of the coolant through the plant — what the heat pumps and dry
 *    coolers remove now. The heat pumps aim to remove all of it and hold the coolant going back
 *    to the hall at `coolantSetpointC`: a warmer return means there is more to take, a colder one
 *    that they take too much (proportional correction).
 * 2. Condenser heat = evaporator heat × COP/(COP − 1), at most what the network accepts in the
 *    connection mode (a share of it: the fixed `acceptanceMargin`, or the acceptance trim's,
 *    trimmed on the meter), what the available heat pumps can give and, with `value`, the plan's
 *    requested capacity — and nothing while running would lose money and the contract does not
 *    require delivery. In connection mode `none` the network takes nothing.
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
      const shortfall = onDemandShortfall(
        cfg,
        ctx,
        'cooling safety acts: heat recovery stands down',
      );
      return {
        ...(shortfall ? { alarms: [shortfall] } : {}),
        state: { ...prev, hps: memories(units), targetKw: 0, valvePct: 0, inputsLostSince: null },
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
    // The acceptance of the connection mode: the return line's in `return`; nothing in `none`,
    // where the substation routes no heat to the network.
    // In `return` without a return-line acceptance configured nothing says what the return line
    // takes: unknown (hold, then stand down), never the supply line's, which is several times more.
    const mode = ctx.connection?.mode;
    const returnLine = mode === 'return';
    const acceptance =
      mode === 'none'
        ? 0
        : returnLine
          ? cfg.returnAcceptance && ctx.image.number(cfg.returnAcceptance)
          : ctx.image.number(cfg.networkAcceptance);
    const problems: string[] = [];
    if (!inputsOk) problems.push('coolant flow or temperatures unknown');
    if (acceptance === undefined)
      problems.push(
        !returnLine
          ? 'network acceptance unknown'
          : cfg.returnAcceptance
            ? 'return-line acceptance unknown'
            : 'return-line feed-in without returnAcceptance configured',
      );

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
      // While the last commands are held the alarm stands as it was; standing down, it is real.
      const shortfall = holding ? undefined : onDemandShortfall(cfg, ctx, why);
      return {
        ...(shortfall ? { alarms: [shortfall] } : {}),
        state: {
          ...prev,
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
    const capacityKw = available.reduce((sum, u) => sum + u.capacityKw, 0);
    // The units dispatch has on (before this cycle's staging).
    const on = units.filter((u) => u.mem.on);
    const valueInputs = cfg.value
      ? { ...readValueInputs(ctx.image, cfg.value, cop), running: on.length > 0 }
      : undefined;
    const valuePrices: [number | undefined, number | undefined] | undefined = valueInputs && [
      valueInputs.heatPrice,
      valueInputs.electricityPrice,
    ];
    // Judged again only when the prices change: the COP changes at a start (estimated while
    // off, measured while running), and judging it anew would start and stop the units.
    const samePrices =
      valuePrices !== undefined &&
      prev.valuePrices !== undefined &&
      valuePrices[0] === prev.valuePrices[0] &&
      valuePrices[1] === prev.valuePrices[1];
    const value =
      cfg.value && valueInputs
        ? valueLimit(prev.lossMaking ?? false, valueInputs, cfg.value, samePrices)
        : undefined;
    const uncappedKw = Math.min((evapKw * cop) / (cop - 1), capacityKw, value?.capKw ?? Infinity);
    const margin = cfg.acceptanceMargin ?? DEFAULT_ACCEPTANCE_MARGIN;
    const trim = cfg.acceptanceTrim
      ? trimAcceptance(
          prev.trim,
          {
            now,
            acceptanceKw: accepted,
            capBinding: uncappedKw >= accepted * (prev.trim?.share ?? margin),
            setpointC: heldSetpointC(ctx),
            ...measuredHeat(units, ctx, cfg.acceptanceTrim.deliveredHeat),
          },
          cfg.acceptanceTrim,
          margin,
        )
      : undefined;
    // What the network takes, trimmed (or with the fixed margin).
    const networkCapKw = trim ? trim.capKw : accepted * margin;
    const targetKw = Math.min(uncappedKw, networkCapKw);

    // 3. Staging.
    const cap = (u: Unit): number => u.capacityKw;
    const minKw = (u: Unit): number => (u.capacityKw * u.cfg.minLoadPct) / 100;
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
    if (on.length > 0 && networkCapKw < Math.min(...on.map(minKw))) {
      for (const u of on) stop(u);
      changed = `stopping ${on.map((u) => u.cfg.name).join(' and ')}: the network takes ${Math.round(accepted)} kW${mode === 'none' ? ' (connection mode none)' : ''}`;
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
    const notes = [trim?.note, value?.note].filter((n) => n !== undefined);
    const reason = `heat match: ${Math.round(recoverableKw)} kW recoverable, ${mode === 'return' ? 'return line' : 'network'} takes ${Math.round(accepted)} kW, aiming for ${Math.round(targetKw)} kW${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
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
    const shortfall = onDemandShortfall(
      cfg,
      ctx,
      mode === 'none'
        ? 'the connection mode is none (no mode can serve the request)'
        : available.length === 0
          ? 'no heat pump is available (tripped or in manual)'
          : undefined,
    );
    return {
      ...(shortfall ? { alarms: [shortfall] } : {}),
      state: {
        hps: memories(units),
        targetKw,
        valvePct: valve,
        inputsLostSince: null,
        ...(trim ? { trim: trim.state } : {}),
        ...(value ? { lossMaking: value.lossMaking, valuePrices: valuePrices! } : {}),
      },
      commands,
      status: running.length > 0 ? 'active' : 'idle',
      message: `${running.length} heat pump(s) on; ${reason}${changed ? `; ${changed}` : ''}`,
    };
  },
};

/**
 * An on-demand hour (the contract requires delivering what is requested) in which nothing can be
 * delivered: the connection mode is none, or no heat pump is available. The utility counts on
 * that heat, so the control room must know now, not from the month's settlement. Raised and
 * cleared every cycle it is judged (the alarm system keeps only the changes); without
 * `value.deliveryRequired` there is no such hour.
 */
function onDemandShortfall(
  cfg: DispatchConfig,
  ctx: CycleContext,
  /** Why nothing can be delivered now, if nothing can. */
  cannot: string | undefined,
): AlarmSignal | undefined {
  if (!cfg.value?.deliveryRequired) return undefined;
  const required = ctx.image.bool(cfg.value.deliveryRequired) === true;
  const why = required ? cannot : undefined;
  return {
    key: `on-demand-shortfall:${cfg.name}`,
    active: why !== undefined,
    priority: 'high',
    message:
      why !== undefined
        ? `on-demand hour: the contract requires delivery, but ${why}`
        : 'on-demand delivery possible again (or the hour is not on-demand)',
  };
}

/**
 * What the meter shows delivered and the units make (Σ heat output, unknown if a running unit's
 * is), and the hottest running unit's condenser outlet: the acceptance trim's inputs.
 */
function measuredHeat(
  units: Unit[],
  ctx: CycleContext,
  deliveredHeat: PointId,
): { deliveredKw?: number; producedKw?: number; condenserOutC?: number } {
  let produced: number | undefined = 0;
  let hottest: number | undefined;
  for (const u of units) {
    const heat = ctx.image.number(u.cfg.heatOutput);
    if (heat === undefined) {
      if (u.running) produced = undefined;
    } else if (produced !== undefined) produced += Math.max(heat, 0);
    const cond = u.running ? ctx.image.number(u.cfg.condenserOut) : undefined;
    if (cond !== undefined) hottest = Math.max(hottest ?? -Infinity, cond);
  }
  const delivered = ctx.image.number(deliveredHeat);
  return {
    ...(delivered !== undefined ? { deliveredKw: delivered } : {}),
    ...(produced !== undefined ? { producedKw: produced } : {}),
    ...(hottest !== undefined ? { condenserOutC: hottest } : {}),
  };
}

/**
 * The condenser setpoint the units hold now: the written outputs as read back (the write guard
 * ramps a falling setpoint at its rate), or the one commanded when none reads back. The trim
 * judges a condenser outlet against it: against the new, lower setpoint the outlet ran "above
 * the setpoint" for the whole ramp, and the trim cut the share to its minimum on every lower
 * plan temperature.
 */
function heldSetpointC(ctx: CycleContext): number | undefined {
  const commanded = ctx.connection?.setpointC ?? ctx.supplySetpointC;
  const held = ctx.heldSetpointC;
  if (commanded === undefined) return held;
  return held === undefined ? commanded : Math.max(commanded, held);
}
