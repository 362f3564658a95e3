export interface BacklogMonitorOptions {
  /** The backlog must have grown over this long for an episode to start (default 30 s). */
  windowMs: number;
  /** Below this many lines waiting nothing counts as falling behind (a few batches in flight). */
  minLines: number;
}

export interface BehindState {
  /** Falling behind now. */
  active: boolean;
  /** Episodes since start. */
  episodes: number;
  /** When the current episode started (ms), while active. */
  since?: number;
  /** The backlog when the current episode started, while active. */
  sinceLines?: number;
}

/**
 * Detects the historian falling behind: the database accepts writes, but the spool grows faster
 * than the forwarder drains it. An episode starts when the backlog is above `minLines` and has
 * stayed above what it was `windowMs` ago all that time (and the database reachable); it ends
 * when the backlog
 * is at most what it was `windowMs` ago (it drains) or below `minLines`. A database outage is not
 * an episode (the spool growing then is the outage, reported as such): it ends one, and the
 * window starts over when the database is back, so catching up after an outage is not one either.
 *
 * Pure apart from what it is fed: `observe` takes the time and the backlog, so tests need no clock.
 */
export class BacklogMonitor {
  private readonly history: { at: number; lines: number }[] = [];
  private readonly state: BehindState = { active: false, episodes: 0 };

  constructor(private readonly opts: BacklogMonitorOptions) {}

  get current(): BehindState {
    return { ...this.state };
  }

  /**
   * One observation of the backlog. Returns `started` or `ended` when an episode starts or ends
   * with it (`ended` also when the database became unreachable during one), else undefined.
   */
  observe(at: number, lines: number, databaseReachable: boolean): 'started' | 'ended' | undefined {
    if (!databaseReachable) {
      this.history.length = 0;
      return this.end();
    }
    this.history.push({ at, lines });
    // Keep the newest observation at least windowMs old as the reference, drop older ones.
    while (this.history.length > 1 && at - this.history[1]!.at >= this.opts.windowMs)
      this.history.shift();
    const ref = this.history[0]!;
    const covered = at - ref.at >= this.opts.windowMs;
    if (!this.state.active) {
      // Grown, and never back down to where it was: a spool that drains in whole batches while
      // new lines arrive goes up and down; one that falls behind never comes back.
      const grew = this.history.slice(1).every((h) => h.lines > ref.lines);
      if (covered && grew && lines > this.opts.minLines) {
        this.state.active = true;
        this.state.episodes += 1;
        this.state.since = at;
        this.state.sinceLines = lines;
        return 'started';
      }
      return undefined;
    }
    if (lines < this.opts.minLines || (covered && lines <= ref.lines)) return this.end();
    return undefined;
  }

  private end(): 'ended' | undefined {
    if (!this.state.active) return undefined;
    this.state.active = false;
    delete this.state.since;
    delete this.state.sinceLines;
    return 'ended';
  }
}
