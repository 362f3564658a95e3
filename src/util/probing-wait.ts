/** How a wait between reconnect attempts ended. */
export type WaitEnd = 'delay' | 'reachable' | 'cancelled';

export interface ProbingWaitOptions {
  /** The backoff's delay: the wait ends after it, whatever the probes say. */
  delayMs: number;
  /**
   * One probe per this many ms while the endpoint does not answer, each given as long to answer;
   * never two at a time. While it answers, the interval doubles up to 16 times this.
   */
  probeEveryMs: number;
  /** Resolves undefined when the endpoint answers, else why not (see probeTcp). */
  probe: (timeoutMs: number) => Promise<string | undefined>;
  /** The endpoint was seen not answering since the last attempt (its own probe said so). */
  down: boolean;
  /** Every probe's answer, for the caller's counters and debug lines. */
  onProbe?: (reason: string | undefined) => void;
}

/**
 * The wait between two reconnect attempts, cut short when the server comes back: the backoff
 * spaces the full (expensive) attempts, while a cheap probe watches the endpoint, and the first
 * answer after the endpoint was seen not answering ends the wait at once. Only that transition
 * ends it: an endpoint that answers all along while sessions fail (a certificate not trusted, a
 * hung server whose kernel still accepts connections) gets no attempt before the backoff's, and
 * fewer probes: one answer after another spaces them out (a server's log need not list a
 * connection without a Hello every half second while an engineer fixes a certificate).
 */
export class ProbingWait {
  readonly done: Promise<WaitEnd>;
  private finish!: (end: WaitEnd) => void;
  private ended = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly o: ProbingWaitOptions) {
    this.done = new Promise((resolve) => (this.finish = resolve));
    this.later(o.delayMs, () => this.end('delay'));
    void this.watch();
  }

  cancel(): void {
    this.end('cancelled');
  }

  private async watch(): Promise<void> {
    const every = this.o.probeEveryMs;
    let down = this.o.down;
    let interval = every;
    let nextAt = Date.now() + every;
    while (!this.ended) {
      // Probes start `interval` apart; an unanswered one, which took its whole time, is followed
      // at once.
      await new Promise<void>((resolve) => this.later(Math.max(0, nextAt - Date.now()), resolve));
      if (this.ended) return;
      const startedAt = Date.now();
      const reason = await this.o.probe(every);
      if (this.ended) return;
      this.o.onProbe?.(reason);
      if (reason !== undefined) {
        down = true;
        interval = every;
      } else if (down) return this.end('reachable');
      else interval = Math.min(interval * 2, every * 16);
      nextAt = startedAt + interval;
    }
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private end(how: WaitEnd): void {
    if (this.ended) return;
    this.ended = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.finish(how);
  }
}
