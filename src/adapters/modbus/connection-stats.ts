import type { HistogramBuckets } from '../../util/latency-histogram';

/** What a Modbus connection counts (/api/health details, /metrics). */
export interface ConnectionStats {
  requests: number;
  /** Answered reads and the seconds they took, summed (for a mean round trip; /metrics). */
  roundTrips: number;
  roundTripSeconds: number;
  /** The same reads by duration (the /metrics round-trip histogram). */
  roundTripBuckets: HistogramBuckets;
  timeouts: number;
  exceptions: number;
  connectionErrors: number;
  reconnects: number;
  queueDepth: number;
  /**
   * Replies that were not a well-formed answer to the request in flight, and replies cut short:
   * each drops the connection.
   */
  framingErrors: number;
  /**
   * Poll ticks skipped per device because its previous poll was still waiting: the device (or
   * the connection it shares) takes longer than its poll interval.
   */
  skippedPolls: Record<string, number>;
}
