import type { z } from 'zod';
import type { dispatchValueSchema } from '../config/controllers';
import type { PointId } from '../domain/point-id';
import type { ProcessImage } from './process-image';

export type DispatchValueConfig = z.output<typeof dispatchValueSchema>;

export interface ValueInputs {
  /** EUR/MWh of heat and of electricity now; unknown prices are no reason to stop. */
  heatPrice?: number;
  electricityPrice?: number;
  /** The hour is on-demand: the contract requires delivery. */
  deliveryRequired?: boolean;
  /** The plan's requested capacity, kW. */
  requestedCapacityKw?: number;
  /** The heat pumps' COP (measured while running, else estimated). */
  cop: number;
  /** A unit runs now (dispatch's): it stops only beyond the loss tolerance. */
  running?: boolean;
}

export interface ValueLimit {
  /** The target is at most this (Infinity: no limit). */
  capKw: number;
  /** Running would lose money: the target is 0. Kept for the hysteresis. */
  lossMaking: boolean;
  /** For the status text, when value limits anything. */
  note?: string;
}

/**
 * Value-aware dispatch (docs/control.md, "Value-aware dispatch"). A MWh of heat earns the heat
 * price and costs 1/COP MWh of electricity: its net value is heatPrice − electricityPrice / COP.
 * Below 0 the units do not run — unless the contract requires delivery this hour (on-demand) —
 * and they run again only once it is `hysteresisEurPerMWh` above 0, so a COP wobbling at the
 * break-even does not start and stop them. Units already running stop only when the hour's loss
 * exceeds what a stop and restart cost (`restartCostMinutes` of heat not sold while they warm up
 * again: net < −heatPrice × minutes / 60): over the generated network year most loss-making
 * hours were within a few €/MWh of 0, and stopping in each of them earned less than the rule
 * "run whenever heat is requested". A decision stands while the prices are those it
 * was made at (`holdDecision`): within an hour only the COP moves, from the estimate while the
 * units are off to the measurement while they run. The plan's requested capacity caps the target.
 * Pure.
 */
export function valueLimit(
  prevLossMaking: boolean,
  inp: ValueInputs,
  cfg: DispatchValueConfig,
  /** The prices are those of the last judgment: it stands (no start and stop within an hour). */
  holdDecision = false,
): ValueLimit {
  const requested = inp.requestedCapacityKw;
  const capKw = requested !== undefined && requested >= 0 ? requested : Infinity;
  const capNote = capKw < Infinity ? `the plan requests ${Math.round(capKw)} kW` : undefined;
  const { heatPrice, electricityPrice } = inp;
  if (heatPrice === undefined || electricityPrice === undefined || inp.cop <= 0)
    return { capKw, lossMaking: false, ...(capNote ? { note: capNote } : {}) };
  const net = heatPrice - electricityPrice / inp.cop;
  // A restart's cost spread over the hour, EUR per MWh made in it.
  const restartEurPerMWh = (Math.max(heatPrice, 0) * cfg.restartCostMinutes) / 60;
  const money = `heat ${heatPrice.toFixed(1)} €/MWh, electricity ${electricityPrice.toFixed(1)} €/MWh at COP ${inp.cop.toFixed(1)}: ${net.toFixed(1)} €/MWh net`;
  // Running units (even after an on-demand hour at a loss, or while a stop is under way) stop
  // only beyond a restart's cost; units off start only above the hysteresis.
  const loss = holdDecision
    ? prevLossMaking
    : inp.running === true
      ? net < -restartEurPerMWh
      : prevLossMaking
        ? net < cfg.hysteresisEurPerMWh
        : net < 0;
  if ((loss || net < 0) && inp.deliveryRequired === true)
    return {
      capKw,
      lossMaking: false,
      note: `${money}, delivered as the contract requires${capNote ? `; ${capNote}` : ''}`,
    };
  if (loss) return { capKw: 0, lossMaking: true, note: `not running at a loss: ${money}` };
  if (net < 0 && inp.running === true)
    return {
      capKw,
      lossMaking: false,
      note: `running on: ${money}, less than the ${restartEurPerMWh.toFixed(1)} €/MWh a stop and restart cost${capNote ? `; ${capNote}` : ''}`,
    };
  return { capKw, lossMaking: false, ...(capNote ? { note: capNote } : {}) };
}

/** The value inputs from the process image (unusable values read as unknown). */
export function readValueInputs(
  image: ProcessImage,
  cfg: DispatchValueConfig,
  cop: number,
): ValueInputs {
  const num = (id: PointId | undefined): number | undefined =>
    id === undefined ? undefined : image.number(id);
  const required = cfg.deliveryRequired ? image.bool(cfg.deliveryRequired) : undefined;
  const heatPrice = num(cfg.heatPrice);
  const electricityPrice = num(cfg.electricityPrice);
  const requestedCapacityKw = num(cfg.requestedCapacity);
  return {
    cop,
    ...(heatPrice !== undefined ? { heatPrice } : {}),
    ...(electricityPrice !== undefined ? { electricityPrice } : {}),
    ...(required !== undefined ? { deliveryRequired: required } : {}),
    ...(requestedCapacityKw !== undefined ? { requestedCapacityKw } : {}),
  };
}
