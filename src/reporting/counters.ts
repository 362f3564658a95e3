import type { HistoryPoint } from '../historian/backend';

/** A meter's energy counter read back from the historian: kWh, wrapping at `wrapAt`. */
export interface CounterOptions {
  /** The counter's range (uint32 kWh: 2^32); undefined when it never wraps. */
  wrapAt?: number;
  /** Readings further apart than this leave a gap: stated in the report. */
  maxGapMs: number;
}

export interface CounterGap {
  from: number;
  to: number;
  /** What the counter advanced across the gap (measured, not interpolated; dated at its end). */
  kwh: number;
}

export interface CounterReset {
  at: number;
  from: number;
  to: number;
}

export interface CounterEnergy {
  kwh: number;
  wraps: number;
  resets: CounterReset[];
  gaps: CounterGap[];
  /** Good readings used. */
  readings: number;
}

/**
 * Energy from a meter's counter over [from, to): the sum of the increases between consecutive
 * good readings whose later reading falls in the range. Counters, not averaged power: a lost
 * sample loses no energy, only the moment it is dated to. A decrease from near the top of the
 * range to near zero is a wrap (the range is added); any other decrease is a reset or a meter
 * exchange: what happened between those two readings is unknown, counted as 0 and reported.
 * Pure; `points` may start before `from` (the reading before the range anchors the first step).
 */
export function counterEnergy(
  points: readonly HistoryPoint[],
  from: number,
  to: number,
  opts: CounterOptions,
): CounterEnergy {
  const good = goodReadings(points);
  const r: CounterEnergy = { kwh: 0, wraps: 0, resets: [], gaps: [], readings: 0 };
  for (let i = 1; i < good.length; i++) {
    const a = good[i - 1]!;
    const b = good[i]!;
    if (b.t < from || b.t >= to) continue;
    r.readings++;
    let delta = b.value - a.value;
    if (delta < 0) {
      const w = opts.wrapAt;
      if (w !== undefined && a.value > 0.9 * w && b.value < 0.1 * w) {
        delta += w;
        r.wraps++;
      } else {
        r.resets.push({ at: b.t, from: a.value, to: b.value });
        delta = 0;
      }
    }
    if (b.t - a.t > opts.maxGapMs) r.gaps.push({ from: a.t, to: b.t, kwh: delta });
    r.kwh += delta;
  }
  return r;
}

/**
 * The share of [from, to) covered by good data: time between consecutive good readings no
 * further apart than `maxGapMs`. Pure.
 */
export function coverage(
  points: readonly HistoryPoint[],
  from: number,
  to: number,
  maxGapMs: number,
): number {
  if (to <= from) return 0;
  const good = goodReadings(points);
  let covered = 0;
  for (let i = 1; i < good.length; i++) {
    const a = good[i - 1]!.t;
    const b = good[i]!.t;
    if (b - a > maxGapMs) continue;
    covered += Math.max(0, Math.min(b, to) - Math.max(a, from));
  }
  return covered / (to - from);
}

/** Time-weighted mean of the good values in [from, to), the highest hourly mean, and the time covered. */
export function meanAndPeak(
  points: readonly HistoryPoint[],
  from: number,
  to: number,
  maxGapMs: number,
): {
  mean: number | null;
  peakHourly: number | null;
  hourly: Map<number, number>;
  /** Time the mean covers (what `coverage` gives, times the range): the weight to combine means. */
  coveredMs: number;
} {
  const good = goodReadings(points);
  let sum = 0;
  let weight = 0;
  const hours = new Map<number, { sum: number; w: number }>();
  for (let i = 0; i < good.length - 1; i++) {
    const a = good[i]!;
    const b = good[i + 1]!;
    if (b.t - a.t > maxGapMs) continue; // a gap is not averaged over
    const s = Math.max(a.t, from);
    const e = Math.min(b.t, to);
    if (e <= s) continue;
    sum += a.value * (e - s);
    weight += e - s;
    const h = Math.floor(s / 3_600_000) * 3_600_000;
    const acc = hours.get(h) ?? { sum: 0, w: 0 };
    acc.sum += a.value * (e - s);
    acc.w += e - s;
    hours.set(h, acc);
  }
  const hourly = new Map([...hours].map(([h, a]) => [h, a.sum / a.w] as const));
  const peak = hourly.size > 0 ? Math.max(...hourly.values()) : null;
  return { mean: weight > 0 ? sum / weight : null, peakHourly: peak, hourly, coveredMs: weight };
}

/** Readings with a value and good quality (a database without the quality tag: all good). */
function goodReadings(points: readonly HistoryPoint[]): (HistoryPoint & { value: number })[] {
  return points.filter(
    (p): p is HistoryPoint & { value: number } =>
      p.value !== null && (p.quality === undefined || p.quality === 'good'),
  );
}
