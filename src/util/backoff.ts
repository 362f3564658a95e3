/**
 * Capped exponential backoff for reconnects: initial, ×2 per failed attempt, never above max.
 * Pure, so tests need no clock. Attempt 0 is the first retry.
 */
export function backoffDelay(
  attempt: number,
  opts: { initialDelayMs: number; maxDelayMs: number },
): number {
  const delay = opts.initialDelayMs * 2 ** Math.min(Math.max(attempt, 0), 30);
  return Math.min(delay, opts.maxDelayMs);
}

/** Keeps the attempt count of one reconnect loop. */
export class Backoff {
  private attempt = 0;

  constructor(private readonly opts: { initialDelayMs: number; maxDelayMs: number }) {}

  /** The delay before the next attempt; each call counts one failure. */
  next(): number {
    return backoffDelay(this.attempt++, this.opts);
  }

  /** After a success the next failure starts from the initial delay again. */
  reset(): void {
    this.attempt = 0;
  }

  get failures(): number {
    return this.attempt;
  }
}
