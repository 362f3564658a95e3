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
}

export interface HistoryPoint {
  /** Milliseconds since the Unix epoch. */
  t: number;
  value: number | null;
  state?: string;
  quality?: string;
}

/** Where the historian's lines end up: InfluxDB 1.x, InfluxDB 2.x/3.x, or local files. */
export interface HistorianBackend {
  readonly kind: 'file' | 'influxdb-v1' | 'influxdb-v2';
  /** Creates what the database needs (database, retention policies, continuous queries). */
  init(): Promise<void>;
  /** Writes a batch of line-protocol lines (at most 5,000). Throws WriteFailure. */
  write(lines: readonly string[]): Promise<void>;
  query(q: HistoryQuery): Promise<HistoryPoint[]>;
  close(): Promise<void>;
}

/** Mean per window of the numeric points, windows aligned to the epoch; empty windows left out. */
export function aggregate(points: readonly HistoryPoint[], everyMs: number): HistoryPoint[] {
  const windows = new Map<number, { sum: number; n: number }>();
  for (const p of points) {
    if (p.value === null) continue;
    const start = Math.floor(p.t / everyMs) * everyMs;
    const w = windows.get(start) ?? { sum: 0, n: 0 };
    w.sum += p.value;
    w.n += 1;
    windows.set(start, w);
  }
  return [...windows.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([t, w]) => ({ t, value: w.sum / w.n }));
}
