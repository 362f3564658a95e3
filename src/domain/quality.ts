/**
 * Sample quality. `stale` is ours, not the device's: a value that has not been confirmed within
 * its stale window. Control treats `stale` and `bad` alike (DESIGN §2).
 */
export const QUALITIES = ['good', 'uncertain', 'bad', 'stale'] as const;
export type Quality = (typeof QUALITIES)[number];

// Worst first: a value derived from several inputs is only as good as the worst of them.
const SEVERITY: Record<Quality, number> = { good: 0, uncertain: 1, stale: 2, bad: 3 };

export function worstQuality(qualities: Iterable<Quality>): Quality {
  let worst: Quality = 'good';
  for (const q of qualities) {
    if (SEVERITY[q] > SEVERITY[worst]) worst = q;
  }
  return worst;
}

/** May control act on a value of this quality? `uncertain` is usable, flagged but not fatal. */
export function isUsable(quality: Quality): boolean {
  return quality === 'good' || quality === 'uncertain';
}
