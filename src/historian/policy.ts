import type { HistorianPolicy } from '../domain/point';
import type { PointId } from '../domain/point-id';
import type { Sample } from '../domain/sample';

/**
 * Which samples the historian records: `every` sample, or `on-change` — when the value moves by
 * more than the deadband, when the quality changes, and at least every `maxSilenceMs` so a
 * dashboard's time range always has a point to draw. Pure decision, state kept by the caller.
 */
export function shouldRecord(
  policy: HistorianPolicy,
  s: Sample,
  last: { value: Sample['value']; quality: Sample['quality']; at: number } | undefined,
  maxSilenceMs: number,
): boolean {
  if (policy.mode === 'every' || !last) return true;
  if (s.quality !== last.quality) return true;
  if (s.receivedAt - last.at >= maxSilenceMs) return true;
  if (typeof s.value === 'number' && typeof last.value === 'number') {
    return Math.abs(s.value - last.value) > policy.deadband;
  }
  return s.value !== last.value;
}

/** The per-point state `shouldRecord` needs, kept between samples. */
export class RecordingFilter {
  private readonly last = new Map<
    PointId,
    { value: Sample['value']; quality: Sample['quality']; at: number }
  >();

  constructor(private readonly maxSilenceMs: number) {}

  accept(policy: HistorianPolicy, s: Sample): boolean {
    // Nothing to remember for a point recorded every time (most of them, and the hot path).
    if (policy.mode === 'every') return true;
    if (!shouldRecord(policy, s, this.last.get(s.id), this.maxSilenceMs)) return false;
    this.last.set(s.id, { value: s.value, quality: s.quality, at: s.receivedAt });
    return true;
  }
}
