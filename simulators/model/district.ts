import type { PlantParams } from './params';
import { clamp, CP_WATER } from './physics';

/**
 * The district-heating side as the utility presents it at the connection point. Simple,
 * documented curves: what matters for control is that they move with outdoor temperature and
 * time of day the way a Nordic network does.
 */

/** Hour of the day, 0 ≤ h < 24, in the plant's local time. */
export function localHour(t: number, utcOffsetHours: number): number {
  const h = (t / 3_600_000 + utcOffsetHours) % 24;
  return h < 0 ? h + 24 : h;
}

/** Network return temperature at the connection: 40–55 °C, higher in mild weather. */
export function networkReturnC(outdoorC: number, hour: number): number {
  return clamp(45 + 0.25 * outdoorC + 2 * Math.sin((2 * Math.PI * (hour - 6)) / 24), 40, 55);
}

/**
 * The utility's requested supply temperature: its own outdoor curve (70 °C at +10 °C, 85 °C from
 * −16 °C down, never below 65 °C), with a 2 K boost for the morning peak (6–9 h). The built-in
 * curve stays within the heat pumps' reach (85 °C, within the 2 K the substation tolerates), as
 * the demo's network does; a measured network series may ask for up to 130 °C.
 */
export function requestedSupplyC(outdoorC: number, hour: number): number {
  const boost = hour >= 6 && hour < 9 ? 2 : 0;
  const base = clamp(70 + (10 - outdoorC) * 0.57, 65, 85);
  return Math.round((base + boost) * 2) / 2;
}

/**
 * Heat the network can take now, kW: all of it in cold weather, less when mild (only hot water
 * demand in summer), less at night, more at the morning peak.
 */
export function acceptanceKw(
  outdoorC: number,
  hour: number,
  limits: { maxAcceptanceKw: number; minAcceptanceKw: number },
): number {
  const { maxAcceptanceKw: max, minAcceptanceKw: min } = limits;
  // Linear from max at −5 °C to 20 % of max at +20 °C.
  const byWeather = clamp(max - ((outdoorC + 5) / 25) * 0.8 * max, 0.2 * max, max);
  const byHour =
    hour < 5 ? 0.75 : hour < 6 ? 0.85 : hour < 9 ? 1.1 : hour >= 17 && hour < 21 ? 1.05 : 1;
  return clamp(byWeather * byHour, min, max);
}

/**
 * What the network presents at the connection for one instant: the supply temperature it
 * requests, its return temperature, and the heat it takes at the requested temperature (from the
 * built-in curves, or an hour of a measured network series).
 */
export interface NetworkConditions {
  supplyC: number;
  returnC: number;
  /** Heat the network takes when fed at `supplyC`, kW. */
  acceptanceKw: number;
}

/** The built-in curves' conditions at this outdoor temperature and local hour. */
export function builtInNetwork(
  outdoorC: number,
  hour: number,
  limits: { maxAcceptanceKw: number; minAcceptanceKw: number },
): NetworkConditions {
  return {
    supplyC: requestedSupplyC(outdoorC, hour),
    returnC: networkReturnC(outdoorC, hour),
    acceptanceKw: acceptanceKw(outdoorC, hour, limits),
  };
}

/** How the substation routes our heat, by the `connection_mode` register's value. */
export const CONNECTION_MODES = ['none', 'supply', 'return', 'top-up'] as const;
export type ConnectionMode = (typeof CONNECTION_MODES)[number];

/** The mode a register value selects; anything not 0–3 is the default, supply (1). */
export function connectionModeOf(code: number): ConnectionMode {
  return CONNECTION_MODES[Math.round(code)] ?? 'supply';
}

/**
 * The network's flow available at the connection, kg/s: what carries `acceptanceKw` from its
 * return to its requested supply temperature.
 */
export function networkFlowKgS(n: NetworkConditions): number {
  return n.acceptanceKw / (CP_WATER * Math.max(n.supplyC - n.returnC, 1));
}

export interface ConnectionAcceptance {
  /** Heat the network takes from us by the route `mode` selects, at our supply temperature, kW. */
  acceptanceKw: number;
  /** Heat the return line would take at the contract's maximum rise, kW (whatever the mode). */
  returnAcceptanceKw: number;
  /**
   * Supply mode with our supply more than `supplyToleranceK` below the request: the substation's
   * valve closes (the plant model closes it on the measured supply), nothing is taken.
   */
  refused: boolean;
}

/**
 * Heat the network takes from us when we supply at `ourSupplyC`, by connection mode. The
 * network's flow is set by its demand; the heat is that flow × c_p × the rise we give it:
 * - supply: (our supply − network return), our supply counted between the lowest the utility
 *   accepts (request − `supplyToleranceK`) and the request; refused below that;
 * - top-up: (our supply − network return), whatever the request (the utility raises it);
 * - return: the return line's flow share × c_p × the allowed rise (≤ maxRiseK, to ≤ maxC);
 * - none: nothing.
 */
export function connectionAcceptance(
  mode: ConnectionMode,
  ourSupplyC: number,
  n: NetworkConditions,
  d: PlantParams['district'],
): ConnectionAcceptance {
  const flow = networkFlowKgS(n);
  const rise = clamp(d.returnLine.maxC - n.returnC, 0, d.returnLine.maxRiseK);
  const returnAcceptanceKw = flow * d.returnLine.flowShare * CP_WATER * rise;
  const lowestC = n.supplyC - d.supplyToleranceK;
  const atC = (c: number): number => flow * CP_WATER * Math.max(c - n.returnC, 0);
  const byMode: Record<ConnectionMode, number> = {
    none: 0,
    supply: atC(clamp(ourSupplyC, lowestC, n.supplyC)),
    'top-up': atC(Math.min(ourSupplyC, n.supplyC)),
    return: returnAcceptanceKw,
  };
  return {
    acceptanceKw: byMode[mode],
    returnAcceptanceKw,
    refused: mode === 'supply' && ourSupplyC < lowestC,
  };
}
