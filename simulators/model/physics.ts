/** Water properties and conversions used across the model (SI-ish: kW, kg/s, °C). */

/** Specific heat of water, kJ/(kg·K). */
export const CP_WATER = 4.186;
/** Specific heat of air, kJ/(kg·K). */
export const CP_AIR = 1.006;
/** Density of water, kg/m³ (close enough from 20 to 90 °C for a plant model). */
export const RHO_WATER = 1000;

export const KELVIN = 273.15;

export const kgPerSToM3PerH = (kgPerS: number): number => (kgPerS / RHO_WATER) * 3600;

/** Heat capacity of a water volume, kJ/K. */
export const waterCapacity = (m3: number): number => m3 * RHO_WATER * CP_WATER;

export const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** Moves `current` toward `target` by at most `maxStep`. */
export function approach(current: number, target: number, maxStep: number): number {
  if (target > current) return Math.min(target, current + maxStep);
  return Math.max(target, current - maxStep);
}

/** Carnot heating COP between a condensing and an evaporating temperature in °C. */
export function carnotCop(condC: number, evapC: number): number {
  const tc = condC + KELVIN;
  const te = evapC + KELVIN;
  return tc / Math.max(tc - te, 1e-6);
}
