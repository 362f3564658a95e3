import { clamp } from './controller';

const KELVIN_OFFSET = 273.15;

/**
 * A heat pump's COP estimated from water temperatures: half the Carnot COP between the condenser
 * (outlet + 2 K approach) and the evaporator (inlet − 7 K: the coolant cools on its way through
 * and the refrigerant evaporates below it), within 1.5–8. Used where no unit runs to measure it:
 * dispatch before a start, the connection mode for a lift no unit works against yet.
 */
export function estimatedCop(condenserOutC: number, evaporatorInC: number): number {
  const sink = condenserOutC + 2 + KELVIN_OFFSET;
  const source = evaporatorInC - 7 + KELVIN_OFFSET;
  return clamp((0.5 * sink) / Math.max(sink - source, 5), 1.5, 8);
}
