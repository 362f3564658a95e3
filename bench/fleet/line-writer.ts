import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';

const gzip = promisify(gzipCb);

/** What all sites' writers did, summed. */
export interface WriteStats {
  /** Lines VictoriaMetrics acknowledged (204). */
  ackedLines: number;
  ackedRequests: number;
  /** Lines handed over and not yet acknowledged. */
  pendingLines: number;
  /** The most lines one site ever had waiting. */
  maxPendingLines: number;
  failedRequests: number;
  gzipBytes: number;
  rawBytes: number;
  /** Milliseconds from a line's tick to its acknowledgement, one entry per request. */
  ackLagMs: number[];
}

export function emptyWriteStats(): WriteStats {
  return {
    ackedLines: 0,
    ackedRequests: 0,
    pendingLines: 0,
    maxPendingLines: 0,
    failedRequests: 0,
    gzipBytes: 0,
    rawBytes: 0,
    ackLagMs: [],
  };
}

/**
 * One site's historian writes, as HeatBridge's forwarder makes them: line protocol in batches of
 * at most `batchLines` (5,000), gzip, one request at a time, the next batch taking whatever
 * waited meanwhile; a failed request is retried (nothing is dropped; the wait shows as pending
 * lines and lag). The URL is the InfluxDB-compatible write endpoint (VictoriaMetrics `/write`, or
 * vminsert's `/insert/0/influx/write`).
 */
export class SiteLineWriter {
  /** Ticks waiting: each one's lines joined by newlines, how many, and its time. */
  private queue: { text: string; lines: number; tickTs: number }[] = [];
  private queued = 0;
  private busy = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly url: string,
    private readonly stats: WriteStats,
    private readonly batchLines = 5000,
    private readonly gzipLevel = 6,
  ) {}

  /** One tick's lines (joined by newlines, `lines` of them), stamped `tickTs` (ms) for the lag. */
  write(text: string, lines: number, tickTs: number): void {
    this.queue.push({ text, lines, tickTs });
    this.queued += lines;
    this.stats.pendingLines += lines;
    if (this.queued > this.stats.maxPendingLines) this.stats.maxPendingLines = this.queued;
    if (!this.busy) void this.drain();
  }

  /** Resolves once everything written so far is acknowledged. */
  idle(): Promise<void> {
    if (!this.busy && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(): Promise<void> {
    this.busy = true;
    while (this.queue.length > 0) {
      // The next batch: whole ticks while they fit in batchLines (a tick is at most one site's
      // points, which the load test keeps at or under 5,000).
      const first = this.queue.shift()!;
      let text = first.text;
      let lines = first.lines;
      while (this.queue.length > 0 && lines + this.queue[0]!.lines <= this.batchLines) {
        const next = this.queue.shift()!;
        text += `\n${next.text}`;
        lines += next.lines;
      }
      await this.send(text, lines, first.tickTs);
    }
    this.busy = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private async send(text: string, lines: number, oldestTs: number): Promise<void> {
    const body = await gzip(text, { level: this.gzipLevel });
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(this.url, {
          method: 'POST',
          headers: { 'Content-Encoding': 'gzip', 'Content-Type': 'text/plain' },
          body,
        });
        await res.arrayBuffer();
        if (res.status === 204 || res.status === 200) break;
        throw new Error(`write: HTTP ${res.status}`);
      } catch (err) {
        this.stats.failedRequests++;
        if (attempt >= 50) throw err;
        await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
      }
    }
    this.queued -= lines;
    this.stats.pendingLines -= lines;
    this.stats.ackedLines += lines;
    this.stats.ackedRequests++;
    // Line protocol here is ASCII: characters are bytes.
    this.stats.rawBytes += text.length;
    this.stats.gzipBytes += body.length;
    this.stats.ackLagMs.push(Date.now() - oldestTs);
  }
}
