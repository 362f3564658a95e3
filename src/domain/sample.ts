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
  /** Source time: when the device says the value was valid (or our read time if it says nothing). */
  ts: number;
  /** When HeatBridge received it, on our own clock. Staleness is judged on this clock. */
  receivedAt: number;
  quality: Quality;
}
