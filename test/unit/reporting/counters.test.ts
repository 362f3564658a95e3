import { describe, expect, it } from '@jest/globals';
import { localDays } from '../../../src/reporting/calendar';
import { counterEnergy, coverage } from '../../../src/reporting/counters';
import { enefg11Check } from '../../../src/reporting/regulatory';

const pts = (...xs: [number, number, string?][]) =>
  xs.map(([t, value, quality]) => ({ t, value, ...(quality ? { quality } : {}) }));
const opts = { wrapAt: 2 ** 32, maxGapMs: 10 };

describe('energy from meter counters', () => {
  it('sums increases; a wrap near the top of the range adds the range', () => {
    const r = counterEnergy(pts([0, 2 ** 32 - 3], [1, 2 ** 32 - 1], [2, 4], [3, 10]), 0, 100, opts);
    expect(r).toMatchObject({ kwh: 13, wraps: 1, resets: [] });
  });

  it('any other decrease is a reset: reported, the unknown step counted as 0', () => {
    const r = counterEnergy(pts([0, 1000], [1, 1010], [2, 5], [3, 8]), 0, 100, opts);
    expect(r.kwh).toBe(13);
    expect(r.resets).toEqual([{ at: 2, from: 1010, to: 5 }]);
  });

  it('skips bad readings, reports gaps with what the counter advanced across them', () => {
    const r = counterEnergy(pts([0, 0], [1, 999, 'bad'], [2, 2], [30, 9]), 0, 100, opts);
    expect(r.kwh).toBe(9);
    expect(r.gaps).toEqual([{ from: 2, to: 30, kwh: 7 }]);
    expect(coverage(pts([0, 0], [2, 2], [30, 9]), 0, 40, 10)).toBeCloseTo(2 / 40);
  });

  it('counts steps by the time of their later reading: the reading before the range anchors it', () => {
    const r = counterEnergy(pts([-1, 100], [1, 103], [5, 110], [12, 120]), 0, 10, opts);
    expect(r.kwh).toBe(10);
  });
});

describe('local days and targets', () => {
  it('a DST day in Helsinki has 23 hours', () => {
    const from = Date.UTC(2021, 2, 27, 22); // 28 March 2021 00:00 EET
    const days = localDays(from, from + 2 * 86_400_000, 'Europe/Helsinki');
    expect(days[0]).toMatchObject({ date: '2021-03-28' });
    expect((days[0]!.end - days[0]!.start) / 3600_000).toBe(23);
    expect(days[1]!.date).toBe('2021-03-29');
  });

  it.each([
    ['2026-06-30', null, 1.5],
    ['2026-07-01', 0.1, 1.2],
    ['2027-07-01', 0.15, 1.2],
    ['2028-07-01', 0.2, 1.2],
  ] as const)('EnEfG §11 for a start on %s: ERF %s, PUE %s', (start, erf, pue) => {
    const r = enefg11Check(start, 0.12, 1.25, Date.UTC(2029, 0, 1));
    expect([r.erfTarget, r.pueTarget]).toEqual([erf, pue]);
  });
});
