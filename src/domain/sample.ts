import type { PointId } from './point-id';
import type { Quality } from './quality';

export type SampleValue = number | boolean | string;

/**
 * One observation of one point. Times are milliseconds since the Unix epoch (UTC): numbers, not
 * Dates, so virtual-time tests and the historian's nanosecond timestamps need no conversions.
 */
export interface Sample {
  id: PointId;
  /**
   * The value; `null` only for a `bad` or `stale` sample of a point that never had a good value
   * (a bad or stale sample otherwise carries the last value it had, for display).
   */
  value: SampleValue | null;
  /**
   * When the value is known to hold: a change seen while connected carries the device's source
   * time, a first value, a confirmation or a poll of an unchanged value the time it arrived
   * (docs/adapters.md, "Sample times"; issue 21).
   */
  ts: number;
  /** When HeatBridge received it, on our own clock. Staleness is judged on this clock. */
  receivedAt: number;
  quality: Quality;
}
