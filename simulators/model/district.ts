import { clamp } from './physics';

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
 * The utility's requested supply temperature: its own outdoor curve (87 °C at −20 °C, 70 °C at
 * +10 °C, never below 65 °C), with a 2 K boost for the morning peak (6–9 h).
 */
export function requestedSupplyC(outdoorC: number, hour: number): number {
  const boost = hour >= 6 && hour < 9 ? 2 : 0;
  const base = clamp(70 + (10 - outdoorC) * 0.57, 65, 90);
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
