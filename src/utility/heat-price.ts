import type { HeatPriceConfig } from '../config/utility';

/**
 * How our heat goes into the network, as the supply-setpoint controller chooses it (issue 22):
 * `derived/connection_mode` carries it as a number (0 none, 1 supply, 2 return, 3 top-up).
 */
export type DeliveryMode = 'none' | 'supply' | 'return' | 'top-up';

const MODE_CODES: readonly DeliveryMode[] = ['none', 'supply', 'return', 'top-up'];

/** The mode of a `connection_mode` value (0..3); anything else is unknown (undefined). */
export function deliveryModeOfCode(code: number | undefined): DeliveryMode | undefined {
  return code !== undefined && Number.isInteger(code) ? MODE_CODES[code] : undefined;
}

/** The model's parameters: the config's `utility.heatPrice` (its point references not needed). */
export type HeatPriceModel = Omit<HeatPriceConfig, 'outdoorTemp' | 'supplyTemp'>;

export interface HeatPriceInputs {
  /** The plan's price for the hour, EUR/MWh; when there is one it wins over the model. */
  planPrice?: number | undefined;
  /** Outdoor temperature now, °C (the model's weather term). */
  outdoorC?: number | undefined;
  /** The delivery temperature priced, °C (the model's temperature term). */
  supplyC?: number | undefined;
  /** How the heat goes in; unknown counts as supply-line feed-in (the contract's full price). */
  mode?: DeliveryMode | undefined;
}

/** What the mode pays of the full price: return-line feed-in and topped-up supply pay a share. */
export function modeFactor(mode: DeliveryMode | undefined, model: HeatPriceModel): number {
  if (mode === 'return') return model.returnLineFactor;
  if (mode === 'top-up') return model.topUpFactor;
  return 1;
}

/**
 * The price model alone, EUR/MWh at full (supply-line) price: the base at the reference
 * temperatures, plus `eurPerKAboveReference` per K of delivery above the reference supply
 * temperature and `eurPerKColder` per K of outdoor temperature below the reference (both terms
 * linear either side, so a mild day or cooler delivery pays less), never below 0. Undefined when a
 * temperature it needs is not known: no price is invented from a missing sensor.
 */
export function modelPriceEurPerMWh(
  outdoorC: number | undefined,
  supplyC: number | undefined,
  model: HeatPriceModel,
): number | undefined {
  if (!isFiniteNumber(outdoorC) || !isFiniteNumber(supplyC)) return undefined;
  const price =
    model.baseEurPerMWh +
    model.eurPerKAboveReference * (supplyC - model.referenceSupplyC) +
    model.eurPerKColder * (model.referenceOutdoorC - outdoorC);
  return Math.max(price, 0);
}

/**
 * What the utility pays for heat now, EUR/MWh: the plan's price for the hour when it has one,
 * else the model's; either way times the mode's share (`returnLineFactor` for return-line
 * feed-in, `topUpFactor` for supply the utility tops up): the plan prices the delivery it
 * requests, and heat that is not that delivery is paid a share of it. Undefined when neither a
 * plan price nor the model's inputs are known.
 */
export function heatPriceEurPerMWh(
  inputs: HeatPriceInputs,
  model: HeatPriceModel,
): number | undefined {
  const full = isFiniteNumber(inputs.planPrice)
    ? inputs.planPrice
    : modelPriceEurPerMWh(inputs.outdoorC, inputs.supplyC, model);
  return full === undefined ? undefined : full * modeFactor(inputs.mode, model);
}

function isFiniteNumber(v: number | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
