/**
 * Upper bounds (seconds) of the field-bus round-trip buckets: 1 ms (a PLC on the same switch) to
 * 5 s (the default OPC UA request timeout); slower answers land in the last, open bucket.
 */
export const ROUND_TRIP_BUCKETS_SECONDS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

/**
 * A histogram as the health details carry it: `counts[i]` durations above `bounds[i - 1]` and at
 * most `bounds[i]`, and one more count at the end for those above the last bound. Not cumulative,
 * so it reads as "how many took 1–2.5 ms".
 */
export interface HistogramBuckets {
  bounds: number[];
  counts: number[];
}

/**
 * Fixed-bucket counts, sum and count of durations: what a Prometheus histogram needs, without
 * depending on prom-client. An adapter observes each answered request; /metrics reads the
 * buckets from its health details when scraped.
 */
export class LatencyHistogram {
  private readonly counts: number[];
  private total = 0;
  private seconds = 0;

  constructor(readonly bounds: readonly number[] = ROUND_TRIP_BUCKETS_SECONDS) {
    if (bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= bounds[i - 1]!)))
      throw new Error('histogram bounds must be finite and strictly increasing');
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  /** One duration in seconds (negative or non-finite values are ignored). */
  observe(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) return;
    let i = 0;
    while (i < this.bounds.length && seconds > this.bounds[i]!) i += 1;
    this.counts[i]! += 1;
    this.total += 1;
    this.seconds += seconds;
  }

  /** Durations observed. */
  get count(): number {
    return this.total;
  }

  /** Their sum, in seconds. */
  get sum(): number {
    return this.seconds;
  }

  buckets(): HistogramBuckets {
    return { bounds: [...this.bounds], counts: [...this.counts] };
  }

  /** The round-trip fields of an adapter's health details, read by /metrics. */
  details(): { roundTrips: number; roundTripSeconds: number; roundTripBuckets: HistogramBuckets } {
    return {
      roundTrips: this.total,
      roundTripSeconds: this.seconds,
      roundTripBuckets: this.buckets(),
    };
  }
}

/**
 * Cumulative counts per upper bound (`le`) and the count of all, as Prometheus wants them, from
 * buckets found in health details; undefined unless they have the shape above.
 */
export function cumulativeBuckets(
  v: unknown,
): { buckets: { le: number; count: number }[]; count: number } | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { bounds, counts } = v as Partial<HistogramBuckets>;
  if (!Array.isArray(bounds) || !Array.isArray(counts) || counts.length !== bounds.length + 1)
    return undefined;
  if (![...bounds, ...counts].every((n) => typeof n === 'number' && Number.isFinite(n)))
    return undefined;
  let acc = 0;
  const buckets = bounds.map((le, i) => ({ le, count: (acc += counts[i]!) }));
  return { buckets, count: acc + counts[bounds.length]! };
}
