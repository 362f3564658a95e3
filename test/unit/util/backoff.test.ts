import { describe, expect, it } from '@jest/globals';
import { Backoff, backoffDelay } from '../../../src/util/backoff';

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
