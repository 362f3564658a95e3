import { describe, expect, it } from '@jest/globals';
import { pointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import { qualityAt, staleWindowMs, withStaleness } from '../../../src/domain/stale';

const sample = (receivedAt: number, quality: Sample['quality'] = 'good'): Sample => ({
  id: pointId('hp1', 'load'),
  value: 42,
  ts: receivedAt - 100,
  receivedAt,
  quality,
});

describe('stale detection', () => {
  it('defaults the window to 3 × the expected period', () => {
    expect(staleWindowMs(1000)).toBe(3000);
    expect(staleWindowMs(1000, 10_000)).toBe(10_000);
  });

  it.each([
    // [age ms, quality in, quality out] with a 3 s window
    [0, 'good', 'good'],
    [3000, 'good', 'good'], // exactly at the window: still fresh
    [3001, 'good', 'stale'],
    [5000, 'uncertain', 'stale'],
    [1000, 'uncertain', 'uncertain'],
    [1000, 'bad', 'bad'], // a fresh bad value stays bad
    [9000, 'bad', 'bad'], // bad is worse than stale: it is not relabelled
  ] as const)('age %i ms, %s → %s', (age, q, expected) => {
    expect(qualityAt(sample(10_000, q), 3000, 10_000 + age)).toBe(expected);
  });

  it('judges age on our receive clock, not the device source timestamp', () => {
    // An OPC UA server with a deadband keeps an old source timestamp on an unchanged value.
    const s = { ...sample(10_000), ts: 0 };
    expect(qualityAt(s, 3000, 11_000)).toBe('good');
  });

  it('returns the same object when nothing changes, a copy when it goes stale', () => {
    const s = sample(10_000);
    expect(withStaleness(s, { staleAfterMs: 3000 }, 11_000)).toBe(s);
    const stale = withStaleness(s, { staleAfterMs: 3000 }, 20_000);
    expect(stale).toEqual({ ...s, quality: 'stale' });
    expect(s.quality).toBe('good');
  });
});
