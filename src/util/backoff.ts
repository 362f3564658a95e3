export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * Capped exponential backoff for reconnects: initial, ×2 per failed attempt, never above max.
 * Pure, so tests need no clock. Attempt 0 is the first retry.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const delay = opts.initialDelayMs * 2 ** Math.min(Math.max(attempt, 0), 30);
  return Math.min(delay, opts.maxDelayMs);
}

/**
 * "Equal jitter": half of the capped delay fixed, the other half random. Many clients that lost
 * the same server do not retry in lockstep, and the wait is still at least half the schedule's, so
 * the number of attempts stays bounded by it. `random` is a number in [0, 1) (Math.random in
 * production, a fixed value in tests); pure otherwise.
 */
export function jitteredDelay(attempt: number, opts: BackoffOptions, random: number): number {
  const delay = backoffDelay(attempt, opts);
  const r = Math.min(Math.max(random, 0), 1);
  return Math.round(delay / 2 + (delay / 2) * r);
}

/** Keeps the attempt count of one reconnect loop. */
export class Backoff {
  private attempt = 0;

  /**
   * With `random` (a source of numbers in [0, 1), e.g. Math.random) the delays are jittered
   * (`jitteredDelay`); without it they are the plain schedule (`backoffDelay`).
   */
  constructor(
    private readonly opts: BackoffOptions,
    private readonly random?: () => number,
  ) {}

  /** The delay before the next attempt; each call counts one failure. */
  next(): number {
    const attempt = this.attempt++;
    return this.random
      ? jitteredDelay(attempt, this.opts, this.random())
      : backoffDelay(attempt, this.opts);
  }

  /** After a success the next failure starts from the initial delay again. */
  reset(): void {
    this.attempt = 0;
  }

  get failures(): number {
    return this.attempt;
  }
}
