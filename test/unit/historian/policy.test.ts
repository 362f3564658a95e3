import { describe, expect, it } from '@jest/globals';
import type { PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import { RecordingFilter } from '../../../src/historian/policy';

const s = (value: Sample['value'], at: number, quality: Sample['quality'] = 'good'): Sample => ({
  id: 'hp1/t' as PointId,
  value,
  ts: at,
  receivedAt: at,
  quality,
});

describe('historian recording policy', () => {
  it('records every sample when asked to', () => {
    const f = new RecordingFilter(60_000);
    expect([1, 1, 1].map((v, i) => f.accept({ mode: 'every' }, s(v, i * 1000)))).toEqual([
      true,
      true,
      true,
    ]);
  });

  it('on change: beyond the deadband, on quality changes, and at least every max silence', () => {
    const f = new RecordingFilter(60_000);
    const p = { mode: 'on-change' as const, deadband: 0.5 };
    const decisions = [
      f.accept(p, s(20, 0)), // first: recorded
      f.accept(p, s(20.3, 1000)), // within the deadband of 20
      f.accept(p, s(20.6, 2000)), // beyond it
      f.accept(p, s(20.6, 3000, 'stale')), // quality changed
      f.accept(p, s(20.6, 4000, 'stale')),
      f.accept(p, s(20.6, 64_000, 'stale')), // a minute of silence
      f.accept(p, s('on', 65_000)),
      f.accept(p, s('on', 66_000)),
    ];
    expect(decisions).toEqual([true, false, true, true, false, true, true, false]);
  });
});
