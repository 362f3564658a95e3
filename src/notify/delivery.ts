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
  private counts = { delivered: 0, failedAttempts: 0, refused: 0 };

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
  }

  /** Opens the spool (messages an earlier run left are sent first) and starts delivering. */
  start(): void {
    this.target.open?.();
    this.spool.open();
    this.running = true;
    this.loop = this.run();
  }

  /** Writes the message to disk (fsynced) and wakes an idle delivery loop. */
  enqueue(n: Notification): void {
    this.spool.append([JSON.stringify(n)]);
    if (!this.backingOff) this.sleeper.wake();
  }

  get failing(): boolean {
    return this.lastError !== undefined;
  }

  get error(): string | undefined {
    return this.lastError;
  }

  /** Stops delivering; a send under way is aborted and its message stays for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    this.aborter.abort();
    this.sleeper.wake();
    await this.loop;
    this.spool.close();
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
      ...(this.lastError !== undefined ? { error: this.lastError } : {}),
    };
  }

  private async run(): Promise<void> {
    while (this.running) {
      const seg = this.spool.take();
      if (!seg) {
        await this.sleeper.sleep(60_000);
        continue;
      }
      const line = this.spool.read(seg)[0];
      const n = line === undefined ? undefined : parse(line);
      if (!n) {
        this.opts.log.warn(
          { target: this.target.name, file: seg.file },
          'unreadable notification in the spool; dropped it',
        );
        this.spool.ack(seg);
        continue;
      }
      try {
        await this.target.send(n, this.aborter.signal);
        this.spool.ack(seg);
        this.counts.delivered += 1;
        this.succeeded();
      } catch (err) {
        if (!this.running) {
          this.spool.release();
          return;
        }
        this.failed(err, n, seg);
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
      this.spool.ack(seg);
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

function parse(line: string): Notification | undefined {
  try {
    return JSON.parse(line) as Notification;
  } catch {
    return undefined;
  }
}
