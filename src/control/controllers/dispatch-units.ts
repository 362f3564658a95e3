import { splitPointId } from '../../domain/point-id';
import { clamp, type Command, type CycleContext } from '../controller';
import { estimatedCop } from '../cop';
import type { DispatchConfig } from './dispatch';

/**
 * The heat pumps as dispatch sees them: what it commanded and remembers of each, reconciled every
 * cycle with what the unit does (trips, local stops, manual mode), and the automatic trip reset.
 */

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

/** A heat pump commanded on but not running after this long is taken as off (local stop). */
const START_GRACE_MS = 3 * 60 * 1000;

export interface Unit {
  cfg: HeatPumpConfig;
  mem: HeatPumpMemory;
  /** Its compressor runs (starting, running or unloading), whoever commanded it. */
  running: boolean;
  /** In manual mode: left to the operators, but its running compressor still needs flow. */
  manual: boolean;
  /** Dispatch may use it: not tripped, not manual. */
  available: boolean;
  cop: number;
  /** What it makes at full load now, kW (measured when it runs and its load is known). */
  capacityKw: number;
}

/** A heat pump's COP: measured when running, else estimated from its temperatures. */
function copOf(hp: HeatPumpConfig, ctx: CycleContext): number {
  const heat = ctx.image.number(hp.heatOutput);
  const el = ctx.image.number(hp.electricPower);
  if (heat !== undefined && el !== undefined && heat > 50 && el > 5)
    return clamp(heat / el, 1.5, 8);
  return estimatedCop(ctx.supplySetpointC ?? 75, ctx.image.number(hp.evaporatorIn) ?? 40);
}

/** What dispatch remembers of a unit, reconciled with what the unit does now. */
export function reconcile(
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
    capacityKw: capacityNow(hp, ctx, running),
  };
}

/**
 * What the unit makes at full load now, kW: its heat output per % of its measured load while it
 * runs (below nominal at a high lift, above at a low one), else its nominal capacity. Loads set
 * from nominal capacity made 13 % less heat than aimed for at an 85 °C lift, and the network's
 * acceptance went unused.
 */
function capacityNow(hp: HeatPumpConfig, ctx: CycleContext, running: boolean): number {
  const nominal = hp.capacityKw;
  if (!running || !hp.load) return nominal;
  const load = ctx.image.number(hp.load);
  const heat = ctx.image.number(hp.heatOutput);
  // At part load near the minimum the unit is still ramping or unloading: not a fair sample.
  if (load === undefined || heat === undefined || load < Math.max(hp.minLoadPct, 10) || heat <= 0)
    return nominal;
  return clamp(heat / (load / 100), CAPACITY_RANGE.min * nominal, CAPACITY_RANGE.max * nominal);
}

/** What a unit makes at full load is believed within this share of its nominal capacity. */
const CAPACITY_RANGE = { min: 0.5, max: 1.3 };

/**
 * Automatic trip reset: `autoResetAfterMs` after the trip (and after the previous reset), at most
 * `maxAutoResetsPerDay`; the unit's own protection refuses the reset while the cause persists.
 */
export function tripResets(units: Unit[], cfg: DispatchConfig, now: number): Command[] {
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

export function memories(units: Unit[]): Record<string, HeatPumpMemory> {
  return Object.fromEntries(units.map((u) => [u.cfg.name, u.mem]));
}
