import type { PointDef } from './point';
import type { Quality } from './quality';
import type { Sample } from './sample';

export const DEFAULT_STALE_FACTOR = 3;

/** The stale window of a point: explicit, or 3 × its expected period (DESIGN §2). */
export function staleWindowMs(expectedPeriodMs: number, staleAfterMs?: number): number {
  return staleAfterMs ?? DEFAULT_STALE_FACTOR * expectedPeriodMs;
}

/**
 * The quality a sample has *now*. Age is measured from `receivedAt` on our own clock, not from the
 * device's source timestamp: device clocks drift, and an OPC UA server with a deadband legitimately
 * keeps an old source timestamp on an unchanged value. A bad value stays bad (worse than stale).
 */
export function qualityAt(
  sample: Pick<Sample, 'quality' | 'receivedAt'>,
  windowMs: number,
  now: number,
): Quality {
  if (sample.quality === 'bad' || sample.quality === 'stale') return sample.quality;
  return now - sample.receivedAt > windowMs ? 'stale' : sample.quality;
}

/** The sample with its quality re-evaluated at `now` (same object when nothing changed). */
export function withStaleness(
  sample: Sample,
  def: Pick<PointDef, 'staleAfterMs'>,
  now: number,
): Sample {
  const quality = qualityAt(sample, def.staleAfterMs, now);
  return quality === sample.quality ? sample : { ...sample, quality };
}
