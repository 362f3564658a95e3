import { describe, expect, it } from '@jest/globals';
import { Backoff, backoffDelay, jitteredDelay } from '../../../src/util/backoff';

describe('capped exponential backoff', () => {
  it('doubles from the initial delay up to the cap', () => {
    const opts = { initialDelayMs: 100, maxDelayMs: 1000 };
    expect([0, 1, 2, 3, 4, 5, 100].map((n) => backoffDelay(n, opts))).toEqual([
      100, 200, 400, 800, 1000, 1000, 1000,
    ]);
  });

  it('starts over after a success', () => {
    const b = new Backoff({ initialDelayMs: 50, maxDelayMs: 400 });
    expect([b.next(), b.next(), b.next()]).toEqual([50, 100, 200]);
    expect(b.failures).toBe(3);
    b.reset();
    expect(b.next()).toBe(50);
  });
});

describe('backoff with jitter', () => {
  const opts = { initialDelayMs: 100, maxDelayMs: 1000 };

  it('waits between half and all of the schedule, from the injected random source', () => {
    expect([0, 1, 4, 100].map((n) => jitteredDelay(n, opts, 0))).toEqual([50, 100, 500, 500]);
    expect([0, 1, 4, 100].map((n) => jitteredDelay(n, opts, 0.5))).toEqual([75, 150, 750, 750]);
    // Just under 1 (Math.random never returns 1): just under the full delay, never over the cap.
    expect([0, 4, 100].map((n) => jitteredDelay(n, opts, 0.999999))).toEqual([100, 1000, 1000]);
  });

  it('a Backoff with a random source jitters, and still starts over after a success', () => {
    const draws = [0, 1, 0.5];
    const b = new Backoff({ initialDelayMs: 100, maxDelayMs: 300 }, () => draws.shift() ?? 0);
    expect([b.next(), b.next(), b.next(), b.next()]).toEqual([50, 200, 225, 150]);
    b.reset();
    expect(b.next()).toBe(50);
  });

  it('without a random source the delays are the plain schedule (the field adapters)', () => {
    const b = new Backoff(opts);
    expect([b.next(), b.next()]).toEqual([100, 200]);
  });
});
