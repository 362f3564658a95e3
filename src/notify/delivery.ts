import { Spool, type Segment } from '../historian/spool';
import type { Logger } from '../log';
import { Backoff, type BackoffOptions } from '../util/backoff';
import { EpisodeLog } from '../util/episode-log';
import { WakeableSleep } from '../util/wakeable-sleep';
import type { Notification } from './message';

/** Where notifications go: a webhook, an SMTP server. */
export interface NotifyTarget {
  readonly name: string;
  readonly type: 'webhook' | 'email';
  /** Safe to show in health and logs (no secret): the receiver's origin, the SMTP host. */
  readonly address: string;
  /** Reads what it needs from disk (a CA file); throws saying what is wrong. */
  open?(): void;
  /** Resolves once the target has the message; throws a `DeliveryError` (or any error) if not. */
  send(n: Notification, signal: AbortSignal): Promise<void>;
  close?(): void;
}

/**
 * A failed delivery. `permanent`: the target refused this message as such (it will refuse it
 * again), so it is dropped and counted; otherwise it stays first in line and is retried.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent = false,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface DeliveryQueueOptions {
  /** This target's spool folder. */
  dir: string;
  maxBytes: number;
  retry: BackoffOptions;
  log: Logger;
  now: () => number;
  /** Jitter for the retry delays, numbers in [0, 1) (default Math.random). */
  random?: () => number;
  /** The target started or stopped failing (for health). */
  changed: () => void;
}

export interface DeliveryStats {
  type: NotifyTarget['type'];
  address: string;
  /** Messages waiting in the spool. */
  pending: number;
  delivered: number;
  failedAttempts: number;
  /** Messages the target refused as such (dropped). */
  refused: number;
  /** Messages dropped because the spool was over its size cap. */
  dropped: number;
  /** Messages dropped because their spool file could not be read (gone, damaged, not a file). */
  unreadable: number;
  /** The last failure while the target is failing. */
  error?: string;
}

/**
 * One target's queue: messages are written to a disk spool (the historian's, one message per
 * segment, so each is deleted the moment its target has it) and delivered one at a time, oldest
 * first, so a target receives them in order and, barring a stop between its answer and the
 * deletion, once. A target that fails is retried with capped exponential backoff (new messages
 * do not cut a wait short); the failure is logged once per episode, counted, and shown in health
 * until a delivery succeeds again.
 */
export class DeliveryQueue {
  private spool: Spool;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly sleeper = new WakeableSleep();
  private backingOff = false;
  private readonly aborter = new AbortController();
  private readonly backoff: Backoff;
  private readonly episodes: EpisodeLog;
  private lastError: string | undefined;
  /** The spool failing (a read, a deletion): shown like a delivery failure until it passes. */
  private spoolError: string | undefined;
  private readonly spoolEpisodes: EpisodeLog;
  private counts = { delivered: 0, failedAttempts: 0, refused: 0, unreadable: 0 };

  constructor(
    readonly target: NotifyTarget,
    private readonly opts: DeliveryQueueOptions,
  ) {
    // One line per segment: a delivered message is deleted at once, never sent again.
    this.spool = new Spool({
      dir: opts.dir,
      maxBytes: opts.maxBytes,
      segmentLines: 1,
      log: opts.log,
      now: opts.now,
    });
    this.backoff = new Backoff(opts.retry, opts.random ?? Math.random);
    this.episodes = new EpisodeLog({
      log: opts.log,
      now: opts.now,
      started: 'notification target failing; messages wait in the spool and are retried',
      cleared: 'notification target takes messages again',
    });
    this.spoolEpisodes = new EpisodeLog({
      log: opts.log,
      now: opts.now,
      started: 'notification spool failing; delivery goes on where it can',
      cleared: 'notification spool works again',
      level: 'error',
    });
  }

  /** Opens the spool (messages an earlier run left are sent first) and starts delivering. */
  start(): void {
    this.target.open?.();
    this.spool.open();
    this.running = true;
    // The loop catches what it can; this is the last line: a rejection here would end the
    // process, and the notifier must never stop control.
    this.loop = this.run().catch((err: unknown) => {
      this.opts.log.error(
        { ...this.fields(), err: errorText(err) },
        'notification delivery stopped by an unexpected error; messages stay in the spool',
      );
      this.spoolFailed(err);
    });
  }

  /** Writes the message to disk (fsynced) and wakes an idle delivery loop. */
  enqueue(n: Notification): void {
    this.spool.append([JSON.stringify(n)]);
    if (!this.backingOff) this.sleeper.wake();
  }

  get failing(): boolean {
    return this.error !== undefined;
  }

  get error(): string | undefined {
    return this.lastError ?? this.spoolError;
  }

  /** Stops delivering; a send under way is aborted and its message stays for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    this.aborter.abort();
    this.sleeper.wake();
    await this.loop;
    try {
      this.spool.close();
    } catch (err) {
      this.opts.log.error(
        { ...this.fields(), err: errorText(err) },
        'notification spool not closed',
      );
    }
    this.target.close?.();
  }

  stats(): DeliveryStats {
    const s = this.spool.stats();
    return {
      type: this.target.type,
      address: this.target.address,
      pending: s.lines,
      ...this.counts,
      dropped: s.dropped,
      ...(this.error !== undefined ? { error: this.error } : {}),
    };
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.step();
        this.spoolWorks();
      } catch (err) {
        // The spool failing (EIO, a full disk, its folder gone): never the end of delivery.
        this.spoolFailed(err);
      }
      if (this.backingOff) {
        try {
          await this.sleeper.sleep(this.backoff.next());
        } finally {
          this.backingOff = false;
        }
      }
    }
  }

  /** Delivers the oldest message, or idles until there is one. */
  private async step(): Promise<void> {
    const seg = this.spool.take();
    if (!seg) {
      await this.sleeper.sleep(60_000);
      return;
    }
    const n = this.readMessage(seg);
    if (!n) return;
    try {
      await this.target.send(n, this.aborter.signal);
    } catch (err) {
      if (!this.running) {
        this.spool.release();
        return;
      }
      this.failed(err, n, seg);
      return;
    }
    this.counts.delivered += 1;
    this.succeeded();
    // Sent: a file that cannot be deleted must not count as a failed attempt (nor be sent again
    // in this run: `ack` forgets the segment first). It may come again after a restart, with the
    // same id.
    this.discard(seg, 'a delivered notification could not be deleted from the spool');
  }

  /** The segment's message; a segment that cannot be read is dropped, counted and logged. */
  private readMessage(seg: Segment): Notification | undefined {
    let n: Notification | undefined;
    let err: string | undefined;
    try {
      const line = this.spool.read(seg)[0];
      n = line === undefined ? undefined : parse(line);
    } catch (e) {
      // Gone (someone cleaned the folder), not a file, damaged: waiting would block all after it.
      err = errorText(e);
    }
    if (n) return n;
    this.counts.unreadable += 1;
    this.opts.log.error(
      { ...this.fields(), file: seg.file, ...(err !== undefined ? { err } : {}) },
      'unreadable notification in the spool; dropped it',
    );
    this.discard(seg, 'an unreadable notification could not be deleted from the spool');
    return undefined;
  }

  /** Removes the segment from the spool; a failure to delete its file is logged, not thrown. */
  private discard(seg: Segment, what: string): void {
    try {
      this.spool.ack(seg);
    } catch (err) {
      this.opts.log.error({ ...this.fields(), file: seg.file, err: errorText(err) }, what);
    }
  }

  private spoolFailed(err: unknown): void {
    const message = `spool: ${errorText(err)}`;
    const started = this.spoolError === undefined;
    this.spoolError = message;
    this.spoolEpisodes.occurred(this.target.name, { ...this.fields(), err: message }, message);
    if (started) this.opts.changed();
    this.backingOff = true;
  }

  private spoolWorks(): void {
    if (this.spoolError === undefined) return;
    this.spoolError = undefined;
    this.spoolEpisodes.cleared(this.target.name, this.fields());
    this.opts.changed();
  }

  private succeeded(): void {
    this.backoff.reset();
    if (this.lastError === undefined) return;
    this.lastError = undefined;
    this.episodes.cleared(this.target.name, this.fields());
    this.opts.changed();
  }

  private failed(err: unknown, n: Notification, seg: Segment): void {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof DeliveryError && err.permanent) {
      // The target refuses this message as such: waiting would block all after it forever.
      this.discard(seg, 'a refused notification could not be deleted from the spool');
      this.counts.refused += 1;
      this.opts.log.error(
        { ...this.fields(), id: n.id, alarm: n.alarm.key, err: message },
        'notification target refused a message; dropped it',
      );
      return;
    }
    this.spool.release();
    this.counts.failedAttempts += 1;
    const started = this.lastError === undefined;
    this.lastError = message;
    this.episodes.occurred(this.target.name, { ...this.fields(), err: message });
    if (started) this.opts.changed();
    this.backingOff = true;
  }

  private fields(): Record<string, unknown> {
    return {
      target: this.target.name,
      type: this.target.type,
      address: this.target.address,
      pending: this.spool.stats().lines,
    };
  }
}

/** A spooled message; undefined for anything else (a damaged file, something not ours). */
function parse(line: string): Notification | undefined {
  try {
    const n = JSON.parse(line) as Partial<Notification> | null;
    // Enough to send it and name it in the log; the rest was made by `alarmNotification`.
    const ok = typeof n?.id === 'string' && typeof n.alarm?.key === 'string';
    return ok ? (n as Notification) : undefined;
  } catch {
    return undefined;
  }
}

function errorText(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  if (typeof e?.message === 'string') return e.message;
  return String(err);
}
