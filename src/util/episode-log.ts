import type { Logger } from '../log';

export interface EpisodeLogOptions {
  log: Logger;
  /** The line when an episode starts (and when its cause changes). */
  started: string;
  /** The line when it ends; its fields carry `count` (occurrences in the episode) and `forMs`. */
  cleared: string;
  /** Level of the start line: `warn` (default) or `error`. */
  level?: 'warn' | 'error';
  now: () => number;
  /**
   * While an episode lasts, at most one summary line (at the start level, with the count so far)
   * per this many ms, on an occurrence. Off when undefined: the start and clear lines suffice.
   */
  summaryEveryMs?: number;
}

interface Episode {
  since: number;
  count: number;
  cause: string | undefined;
  summarisedAt: number;
  countAtSummary: number;
}

/**
 * One log line per episode of a repeating problem, not one per repeat: the first occurrence logs
 * at warn (or error), repeats are counted and logged at debug, optionally a periodic summary with
 * the count, and one info line with the total when it ends. A PLC that is away for 30 s must not
 * bury the log under a line per heartbeat, yet the log must still say when it started, how often
 * it happened and when it ended. Episodes are keyed (a request, a point, a device), so one
 * instance serves many sources. A different cause within an episode (a timeout turning into an
 * exception) is logged again, because it is news; the count goes on.
 */
export class EpisodeLog {
  private readonly episodes = new Map<string, Episode>();

  constructor(private readonly opts: EpisodeLogOptions) {}

  /**
   * One occurrence of the problem under `key`. Returns true when it started an episode (the
   * caller may want to do more then, e.g. report degraded health).
   */
  occurred(key: string, fields: Record<string, unknown> = {}, cause?: string): boolean {
    const now = this.opts.now();
    const level = this.opts.level ?? 'warn';
    const e = this.episodes.get(key);
    if (!e) {
      this.episodes.set(key, { since: now, count: 1, cause, summarisedAt: now, countAtSummary: 1 });
      this.opts.log[level](fields, this.opts.started);
      return true;
    }
    e.count += 1;
    if (cause !== e.cause) {
      e.cause = cause;
      this.opts.log[level]({ ...fields, count: e.count }, this.opts.started);
      return false;
    }
    const every = this.opts.summaryEveryMs;
    if (every !== undefined && now - e.summarisedAt >= every) {
      this.opts.log[level](
        { ...fields, count: e.count, since: e.count - e.countAtSummary, forMs: now - e.since },
        `${this.opts.started} (still)`,
      );
      e.summarisedAt = now;
      e.countAtSummary = e.count;
      return false;
    }
    this.opts.log.debug({ ...fields, count: e.count }, `${this.opts.started} (again)`);
    return false;
  }

  /** The problem under `key` is over. Logs the clear line only if an episode was going on. */
  cleared(key: string, fields: Record<string, unknown> = {}): boolean {
    const e = this.episodes.get(key);
    if (!e) return false;
    this.episodes.delete(key);
    this.opts.log.info(
      { ...fields, count: e.count, forMs: this.opts.now() - e.since },
      this.opts.cleared,
    );
    return true;
  }

  /**
   * Goes on with an episode already logged under another key (a merged Modbus read split into
   * single reads): no start line, the clear line comes when it ends.
   */
  adopt(key: string, cause?: string): void {
    if (this.episodes.has(key)) return;
    const now = this.opts.now();
    this.episodes.set(key, { since: now, count: 0, cause, summarisedAt: now, countAtSummary: 0 });
  }

  /** Forgets an episode without a clear line (what it was about no longer exists). */
  forget(key: string): void {
    this.episodes.delete(key);
  }

  /** Episodes going on (a cheap test before asking about each key). */
  get size(): number {
    return this.episodes.size;
  }

  active(key: string): boolean {
    return this.episodes.has(key);
  }

  /** Occurrences in the episode going on under `key` (0 when none). */
  count(key: string): number {
    return this.episodes.get(key)?.count ?? 0;
  }

  /** Keys with an episode going on. */
  keys(): string[] {
    return [...this.episodes.keys()];
  }
}
