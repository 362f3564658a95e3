import type { Logger } from '../log';
import { Backoff } from '../util/backoff';
import { WriteFailure, type HistorianBackend } from './backend';
import { linesOf } from './line-buffer';
import type { Spool } from './spool';

export interface ForwarderOptions {
  batchSize: number;
  /**
   * How long lines may wait for a batch to fill (historian.sendDelayMs; default 0, at once). A
   * full batch, and anything after a failure, goes at once.
   */
  sendDelayMs?: number;
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  log: Logger;
  report: (state: 'running' | 'degraded', message?: string) => void;
  /** Jitter source for the retry delays, numbers in [0, 1) (default Math.random). */
  random?: () => number;
}

export interface ForwarderCounts {
  sentLines: number;
  sentBatches: number;
  /** Lines the database refused as data (not as "unavailable"), dropped and logged. */
  refusedLines: number;
  failedAttempts: number;
}

/**
 * Moves lines from the spool to the database, oldest first: a segment is deleted only after the
 * database acknowledged all of it. While the database is unreachable it retries with capped
 * exponential backoff with jitter (new lines do not shorten a wait) and the spool grows. A batch the database refuses as data (HTTP 400) is
 * split in halves until the refused lines are found; those are dropped and logged, the rest
 * written — one bad line never blocks the others.
 *
 * Re-sending after a crash or a partial failure writes some lines twice; InfluxDB stores a point
 * once per series and timestamp, so the result is the same.
 */
export class Forwarder {
  private running = false;
  private loop: Promise<void> | undefined;
  /** Ends the current sleep early: `stop()` always, `notify()` only when idle (not backing off). */
  private wake: (() => void) | undefined;
  private backingOff = false;
  private initialized = false;
  private lastError: string | undefined;
  private readonly backoff: Backoff;
  readonly counts: ForwarderCounts = {
    sentLines: 0,
    sentBatches: 0,
    refusedLines: 0,
    failedAttempts: 0,
  };

  constructor(
    private readonly spool: Spool,
    private readonly backend: HistorianBackend,
    private readonly opts: ForwarderOptions,
  ) {
    this.backoff = new Backoff(opts.reconnect, opts.random ?? Math.random);
  }

  get error(): string | undefined {
    return this.lastError;
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /**
   * New lines are in the spool: an idle forwarder sends them now. A backoff after a failure is
   * not cut short — otherwise, while points keep arriving, it would retry at the rate of new
   * points (every flush) instead of the backoff schedule.
   */
  notify(): void {
    if (!this.backingOff) this.wake?.();
  }

  /** Whether the last attempt failed and the forwarder is waiting to retry. */
  get failing(): boolean {
    return this.lastError !== undefined;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (!this.initialized) {
          await this.backend.init();
          this.initialized = true;
        }
        const delay = this.opts.sendDelayMs ?? 0;
        const seg = this.spool.take(delay);
        if (!seg) {
          // New lines (notify) wake it early; it then waits out what is left of their delay.
          await this.sleep(this.spool.dueIn(delay) ?? 1000);
          continue;
        }
        if (seg.lines <= this.opts.batchSize) {
          // The usual case: a segment is one batch, sent as the spool holds it.
          await sendBody(
            this.backend,
            this.spool.readBody(seg),
            seg.lines,
            this.counts,
            this.opts.log,
          );
        } else {
          const lines = this.spool.read(seg);
          for (let i = 0; i < lines.length; i += this.opts.batchSize) {
            await this.send(lines.slice(i, i + this.opts.batchSize));
          }
        }
        this.spool.ack(seg);
        this.recovered();
      } catch (err) {
        this.spool.release();
        this.counts.failedAttempts += 1;
        const message = err instanceof Error ? err.message : String(err);
        const delay = this.backoff.next();
        const backlog = this.spool.stats();
        const fields = { err: message, retryInMs: delay, spooledLines: backlog.lines };
        if (this.lastError === undefined)
          this.opts.log.warn(fields, 'historian database unavailable; spooling to disk');
        else this.opts.log.debug(fields, 'historian database still unavailable');
        this.lastError = message;
        this.opts.report(
          'degraded',
          `database unavailable (${message}); ${backlog.lines} lines spooled`,
        );
        this.backingOff = true;
        try {
          await this.sleep(delay);
        } finally {
          this.backingOff = false;
        }
      }
    }
  }

  private async send(batch: string[]): Promise<void> {
    await sendIsolating(this.backend, batch, this.counts, this.opts.log);
  }

  private recovered(): void {
    this.backoff.reset();
    if (this.lastError !== undefined) {
      this.opts.log.info(
        { spooledLines: this.spool.stats().lines },
        'historian database reachable again; sending the spool',
      );
      this.lastError = undefined;
    }
    this.opts.report('running');
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}

/**
 * Writes a joined batch (`lines` complete lines) in one request; when the database refuses it as
 * data, splits it into lines and finds the refused ones as `sendIsolating` does.
 */
export async function sendBody(
  backend: HistorianBackend,
  body: Buffer,
  lines: number,
  counts: Pick<ForwarderCounts, 'sentLines' | 'sentBatches' | 'refusedLines'>,
  log: Logger,
): Promise<void> {
  try {
    if (backend.writeBody) await backend.writeBody(body, lines);
    else await backend.write(linesOf(body));
    counts.sentLines += lines;
    counts.sentBatches += 1;
  } catch (err) {
    if (!(err instanceof WriteFailure) || err.retryable) throw err;
    await sendIsolating(backend, linesOf(body), counts, log);
  }
}

/**
 * Writes a batch; when the database refuses it as data, halves it until the refused lines are
 * found, drops and logs those, and writes the rest. Retryable failures are thrown to the caller.
 */
export async function sendIsolating(
  backend: HistorianBackend,
  batch: string[],
  counts: Pick<ForwarderCounts, 'sentLines' | 'sentBatches' | 'refusedLines'>,
  log: Logger,
): Promise<void> {
  try {
    await backend.write(batch);
    counts.sentLines += batch.length;
    counts.sentBatches += 1;
  } catch (err) {
    if (!(err instanceof WriteFailure) || err.retryable) throw err;
    if (batch.length === 1) {
      counts.refusedLines += 1;
      log.warn(
        { line: batch[0]!.slice(0, 300), reason: err.message },
        'the database refused a line; dropped it',
      );
      return;
    }
    const mid = Math.ceil(batch.length / 2);
    await sendIsolating(backend, batch.slice(0, mid), counts, log);
    await sendIsolating(backend, batch.slice(mid), counts, log);
  }
}
