import type { HeatPumpParams } from './params';
import { approach, clamp, CP_WATER, KELVIN } from './physics';
import type { HeatPumpMode, HeatPumpState } from './state';

/** Highest COP a unit reaches, however small the temperature lift. */
export const MAX_COP = 8;

export const MODE_CODES: Record<HeatPumpMode, number> = {
  off: 0,
  starting: 1,
  running: 2,
  stopping: 3,
  tripped: 4,
  local: 5,
};

export interface HeatPumpCommand {
  enable: boolean;
  loadSetpointPct: number;
  tripReset: boolean;
}

/** Is the compressor on (delivering heat)? */
export function compressorOn(mode: HeatPumpMode): boolean {
  return mode === 'starting' || mode === 'running' || mode === 'stopping';
}

/**
 * The unit's own controller: start/stop sequencing, minimum off time (a start request during it
 * is refused and counted), load ramping, trips and their reset. Minimum run time is the
 * supervisor's to respect: a stop before it is obeyed, as real units do, and counted.
 */
export function sequence(
  hp: HeatPumpState,
  p: HeatPumpParams,
  cmd: HeatPumpCommand,
  ctx: { t: number; dtS: number; safeState: boolean; condenserC: number; tripNow: string | null },
): HeatPumpState {
  const s: HeatPumpState = { ...hp };
  const { t, dtS } = ctx;

  const trip = (reason: string, overheat: boolean): void => {
    s.mode = 'tripped';
    s.load = 0;
    s.tripReason = reason;
    s.overheatTrip = overheat;
    s.lastStopAt = t;
    s.lowFlowSince = null;
  };

  if (s.mode !== 'tripped') {
    if (ctx.tripNow) trip(ctx.tripNow, false);
    else if (compressorOn(s.mode) && ctx.condenserC > p.tripTempC) {
      trip(`condenser outlet ${ctx.condenserC.toFixed(1)} °C above ${p.tripTempC} °C`, true);
    }
  }

  switch (s.mode) {
    case 'tripped':
      // An overheat trip resets only once the outlet has cooled 5 K below the trip point; any
      // other cause (a fault someone cleared) resets at once.
      if (cmd.tripReset && !ctx.tripNow && (!s.overheatTrip || ctx.condenserC < p.tripTempC - 5)) {
        s.mode = 'off';
        s.tripReason = null;
        s.overheatTrip = false;
      }
      break;
    case 'local':
      s.load = approach(s.load, 0, dtS / p.stopS);
      if (!ctx.safeState && s.load === 0) s.mode = 'off';
      break;
    default:
      if (ctx.safeState) {
        // The PLC's safe state: heat pumps to local mode, compressors run down.
        if (compressorOn(s.mode)) s.lastStopAt = t;
        s.mode = 'local';
        s.load = approach(s.load, 0, dtS / p.stopS);
        break;
      }
      stepMode(s, p, cmd, t, dtS);
      if (compressorOn(s.mode) && ctx.condenserC > p.tripTempC - p.unloadBelowTripK) {
        s.load = approach(
          s.load,
          s.mode === 'stopping' ? 0 : p.minLoad,
          (p.unloadPctPerS / 100) * dtS,
        );
      }
  }
  return s;
}

function stepMode(
  s: HeatPumpState,
  p: HeatPumpParams,
  cmd: HeatPumpCommand,
  t: number,
  dtS: number,
): void {
  switch (s.mode) {
    case 'off':
      if (!cmd.enable) return;
      if (s.lastStopAt !== null && t - s.lastStopAt < p.minOffS * 1000) {
        // Refused while the minimum off time runs; counted once per request edge would need
        // history, so it counts the steps refused (> 0 means the supervisor asked too early).
        s.startInhibits += 1;
        return;
      }
      s.mode = 'starting';
      s.starts += 1;
      s.lastStartAt = t;
      return;
    case 'starting':
      if (!cmd.enable) {
        stop(s, p, t);
        return;
      }
      s.load = approach(s.load, p.minLoad, (p.minLoad / p.startS) * dtS);
      if (s.load >= p.minLoad) s.mode = 'running';
      return;
    case 'running': {
      if (!cmd.enable) {
        stop(s, p, t);
        return;
      }
      const target = clamp(cmd.loadSetpointPct / 100, p.minLoad, 1);
      s.load = approach(s.load, target, (p.rampPctPerMin / 100 / 60) * dtS);
      return;
    }
    case 'stopping':
      s.load = approach(s.load, 0, dtS / p.stopS);
      if (s.load === 0) {
        s.mode = 'off';
        s.lastStopAt = t;
      }
      return;
    default:
      return;
  }
}

function stop(s: HeatPumpState, p: HeatPumpParams, t: number): void {
  if (s.lastStartAt !== null && t - s.lastStartAt < p.minRunS * 1000) s.shortCycles += 1;
  s.mode = 'stopping';
}

/** Heating capacity at these temperatures: more with a warmer source, less with a hotter sink. */
export function capacityKw(p: HeatPumpParams, sourceC: number, sinkC: number): number {
  return p.nominalHeatKw * clamp(1 + 0.015 * (sourceC - 45) - 0.01 * (sinkC - 75), 0.6, 1.15);
}

/**
 * A unit's COP when delivering at `condenserOutC` from evaporator water entering at
 * `evaporatorInC`, with the model's own formula (η · T_c / (T_c − T_e), refrigerant temperatures
 * the water temperatures ± the approach, capped at MAX_COP). With `evaporatorFlowKgS` it is the
 * COP at full load, the evaporator water cooled by the heat drawn (as `thermodynamics` computes
 * it); without, the evaporator water is taken as not cooled: the best COP at that lift.
 */
export function copAt(
  p: HeatPumpParams,
  condenserOutC: number,
  evaporatorInC: number,
  evaporatorFlowKgS?: number,
): number {
  if (evaporatorFlowKgS !== undefined && evaporatorFlowKgS > 0) {
    return thermodynamics(p, 1, evaporatorInC, evaporatorFlowKgS, condenserOutC, condenserOutC).cop;
  }
  return refrigerantCop(p, condenserOutC, evaporatorInC);
}

/** A unit's full-load heating capacity at this lift, kW (`capacityKw` in the same argument order as `copAt`). */
export function capacityAt(
  p: HeatPumpParams,
  condenserOutC: number,
  evaporatorInC: number,
): number {
  return capacityKw(p, evaporatorInC, condenserOutC);
}

function refrigerantCop(p: HeatPumpParams, sinkC: number, evapOutC: number): number {
  const tc = sinkC + p.approachK + KELVIN;
  const te = evapOutC - p.approachK + KELVIN;
  // Real units cap their COP (compressor and expansion limits) when the lift gets small.
  return Math.min((p.eta * tc) / Math.max(tc - te, 1), MAX_COP);
}

/**
 * Heat and power of a unit at `load`, drawing from evaporator water at `sourceC` with `flowKgS`,
 * delivering into a condenser at `condenserC`. COP = eta · T_c / (T_c − T_e) with the refrigerant
 * temperatures (water temperatures ± approach), so it stays below the Carnot COP of the water
 * temperatures. The heat drawn is limited by what the evaporator flow can give down to
 * `minEvapOutC`.
 */
export function thermodynamics(
  p: HeatPumpParams,
  load: number,
  sourceC: number,
  flowKgS: number,
  condenserC: number,
  targetSinkC: number,
): { heatKw: number; electricKw: number; evapKw: number; evapOutC: number; cop: number } {
  if (load <= 0 || flowKgS <= 0) {
    return { heatKw: 0, electricKw: 0, evapKw: 0, evapOutC: sourceC, cop: 0 };
  }
  const sinkC = Math.max(condenserC, targetSinkC);
  let heat = load * capacityKw(p, sourceC, sinkC);
  const maxEvap = Math.max(flowKgS * CP_WATER * (sourceC - p.minEvapOutC), 0);
  let evapOut = sourceC;
  let cop = 0;
  // A fixed point: the evaporator outlet depends on the heat drawn, which depends on the COP.
  for (let i = 0; i < 4; i++) {
    cop = refrigerantCop(p, sinkC, evapOut);
    let evap = heat * (1 - 1 / cop);
    if (evap > maxEvap) {
      evap = maxEvap;
      heat = evap / (1 - 1 / cop);
    }
    evapOut = sourceC - evap / (flowKgS * CP_WATER);
  }
  const electric = heat / cop;
  return { heatKw: heat, electricKw: electric, evapKw: heat - electric, evapOutC: evapOut, cop };
}

/** All the plant's units together at full load at this lift, kW: the capacity an upper bound uses. */
export function unitsCapacityAt(
  units: readonly HeatPumpParams[],
  condenserOutC: number,
  evaporatorInC: number,
): number {
  return units.reduce((sum, p) => sum + capacityAt(p, condenserOutC, evaporatorInC), 0);
}
