import type { Logger } from '../../log';
import { Backoff } from '../../util/backoff';
import type { EpisodeLog } from '../../util/episode-log';

/** A connection up this long after its last drop ends the episode of drops. */
export const STABLE_MS = 60_000;

export interface ReconnectsOptions {
  /** The connection's name in logs (`tcp:10.0.0.5:502`). */
  key: string;
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  log: Logger;
  now: () => number;
  /**
   * Drops of the connection, one warning per episode. A device that garbles every other reply
   * would otherwise log a drop and a restore per poll; the episode ends once the connection has
   * stayed up for STABLE_MS.
   */
  drops: EpisodeLog;
}

/**
 * When a Modbus connection may be opened again, and what its attempts, drops and restores are
 * worth a log line: capped exponential backoff between failed attempts, and none after we drop a
 * connection that was up (see `lost`).
 */
export class Reconnects {
  private readonly backoff: Backoff;
  private nextAttemptAt = 0;
  private everConnected = false;
  private lastDropAt = 0;

  constructor(private readonly opts: ReconnectsOptions) {
    this.backoff = new Backoff(opts.reconnect);
  }

  /** Why no attempt may be made now; undefined when one is due. */
  notDue(): string | undefined {
    const waitMs = this.nextAttemptAt - this.opts.now();
    if (waitMs <= 0) return undefined;
    return `not connected to ${this.opts.key} (next attempt in ${waitMs} ms)`;
  }

  /** An attempt refused or timed out: the next one after the (grown) backoff delay. */
  attemptFailed(reason: string): void {
    const delay = this.backoff.next();
    this.nextAttemptAt = this.opts.now() + delay;
    const fields = { connection: this.opts.key, err: reason, retryInMs: delay };
    if (this.backoff.failures === 1) this.opts.log.warn(fields, 'Modbus connection failed');
    else this.opts.log.debug(fields, 'Modbus connection still failing');
  }

  /** An attempt succeeded; true when it restored a connection (not the first one). */
  connected(): boolean {
    const restored = this.everConnected;
    if (restored) {
      // The first restore of an episode is news; the next ones are counted by the episode.
      const level = this.opts.drops.count(this.opts.key) > 1 ? 'debug' : 'info';
      this.opts.log[level]({ connection: this.opts.key }, 'Modbus connection restored');
    }
    this.everConnected = true;
    this.backoff.reset();
    return restored;
  }

  /**
   * The connection is gone. `retry: 'now'` when we dropped it while it was up (a framing error,
   * timeouts in a row, a socket error): the device was reachable a moment ago, so the first new
   * connection is opened at the next request rather than after a backoff delay; with the default
   * 1 s backoff and a 1 s poll, waiting would cost a second poll period of blindness. If that
   * attempt fails, the backoff applies as usual.
   */
  lost(reason: string, retry: 'now' | 'after-backoff'): void {
    const retryAt = this.opts.now() + (retry === 'now' ? 0 : this.backoff.next());
    this.opts.drops.occurred(this.opts.key, { connection: this.opts.key, reason });
    this.lastDropAt = this.opts.now();
    this.nextAttemptAt = retryAt;
  }

  /** Ends the episode of drops once the connection has stayed up STABLE_MS since the last. */
  settle(): void {
    const { drops, key } = this.opts;
    if (drops.active(key) && this.opts.now() - this.lastDropAt >= STABLE_MS)
      drops.cleared(key, { connection: key });
  }
}
