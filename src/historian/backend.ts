import type { Measurement } from './schema';

/** A write the database refused or could not take. */
export class WriteFailure extends Error {
  constructor(
    message: string,
    /** Worth trying again later (unreachable, overloaded); otherwise the data itself is refused. */
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'WriteFailure';
  }

  /** The database answered with an error status: retryable or not by the status. */
  static answered(status: number, body: string): WriteFailure {
    return new WriteFailure(
      `InfluxDB answered ${status}: ${body.slice(0, 500)}`,
      retryableStatus(status),
      status,
    );
  }

  /** No answer at all (refused, reset, timed out): always worth another try. */
  static unreachable(where: string, err: unknown): WriteFailure {
    const why = err instanceof Error ? err.message : String(err);
    return new WriteFailure(`InfluxDB unreachable at ${where}: ${why}`, true);
  }
}

/** Statuses that mean "not now" rather than "not this". */
export function retryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429 || status === 401 || status === 403;
}

export interface HistoryQuery {
  measurement: Measurement;
  site: string;
  device: string;
  point: string;
  /** Milliseconds since the Unix epoch, from inclusive, to exclusive. */
  from: number;
  to: number;
  /** Averages over windows of this length (numbers only); raw points when absent. */
  everyMs?: number;
  /**
   * At most this many points, the newest: a long raw range must not load millions of rows into
   * memory to return a few thousand.
   */
  limit?: number;
}

export interface HistoryPoint {
  /** Milliseconds since the Unix epoch. */
  t: number;
  value: number | null;
  state?: string;
  quality?: string;
}

/** Where the historian's lines end up: InfluxDB 1.x, InfluxDB 2.x, or local files. */
export interface HistorianBackend {
  readonly kind: 'file' | 'influxdb-v1' | 'influxdb-v2';
  /** Creates what the database needs (database, retention policies, continuous queries). */
  init(): Promise<void>;
  /** Writes a batch of line-protocol lines (at most 5,000). Throws WriteFailure. */
  write(lines: readonly string[]): Promise<void>;
  /**
   * The same for a batch already joined: complete lines, each ending in a newline, as the spool
   * holds them (`lines` of them). Saves splitting and joining every batch again.
   */
  writeBody?(body: Buffer, lines: number): Promise<void>;
  query(q: HistoryQuery): Promise<HistoryPoint[]>;
  close(): Promise<void>;
  /** Counters of the backend's own, shown in the historian's details (the file backend's scans). */
  stats?(): Record<string, number>;
}

/** The newest `limit` points, oldest first. */
export function newest(points: HistoryPoint[], limit: number | undefined): HistoryPoint[] {
  points.sort((a, b) => a.t - b.t);
  return limit !== undefined && points.length > limit ? points.slice(-limit) : points;
}

/** Means per window of the numeric points, windows aligned to the epoch; empty windows left out. */
export class WindowMeans {
  private readonly windows = new Map<number, { sum: number; n: number }>();

  constructor(private readonly everyMs: number) {}

  add(p: HistoryPoint): void {
    if (p.value === null) return;
    const start = Math.floor(p.t / this.everyMs) * this.everyMs;
    const w = this.windows.get(start);
    if (w) {
      w.sum += p.value;
      w.n += 1;
    } else this.windows.set(start, { sum: p.value, n: 1 });
  }

  points(): HistoryPoint[] {
    return [...this.windows.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([t, w]) => ({ t, value: w.sum / w.n }));
  }
}
