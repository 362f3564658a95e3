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
 * break-even does not start and stop them; and a decision stands while the prices are those it
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
  const money = `heat ${heatPrice.toFixed(1)} €/MWh, electricity ${electricityPrice.toFixed(1)} €/MWh at COP ${inp.cop.toFixed(1)}: ${net.toFixed(1)} €/MWh net`;
  const loss = holdDecision
    ? prevLossMaking
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
