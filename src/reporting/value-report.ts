import type { SiteConfig } from '../config';
import type { HistoryPoint } from '../historian/backend';
import { VALUE_IDS } from '../utility/value-points';
import type { LocalDay } from './calendar';
import { figure } from './figures';

/** Raw history of one point over [from, to), oldest first (as energy-report.ts's PointHistory). */
type History = (id: string, from: number, to: number) => Promise<HistoryPoint[]>;

/** What the heat earned and the heat pumps' electricity cost over a day, a month or the period. */
export interface ValueFigures {
  revenueEur: number | null;
  costEur: number | null;
  netEur: number | null;
  /** Share of the time the net rate was known (priced and metered): the value counts only it. */
  coverage: number;
}

export interface ValueSection {
  /** The value ledger's rate points (EUR/h) the figures integrate. */
  points: { revenue: string; cost: string; net: string };
  days: (ValueFigures & { date: string })[];
  months: (ValueFigures & { month: string })[];
  totals: ValueFigures;
}

const RATES = {
  revenueEur: VALUE_IDS.revenue_rate,
  costEur: VALUE_IDS.cost_rate,
  netEur: VALUE_IDS.net_rate,
} as const;
type Money = keyof typeof RATES;
const MONEY = Object.keys(RATES) as Money[];
const HOUR_MS = 3_600_000;

interface Sums {
  eur: Record<Money, number | null>;
  /** Time the net rate covers, and the time in all. */
  coveredMs: number;
  spanMs: number;
}

const noValue = (): Record<Money, number | null> => ({
  revenueEur: null,
  costEur: null,
  netEur: null,
});

function add(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : a + b;
}

function figures(s: Sums): ValueFigures {
  return {
    revenueEur: figure(s.eur.revenueEur, 'eur'),
    costEur: figure(s.eur.costEur, 'eur'),
    netEur: figure(s.eur.netEur, 'eur'),
    coverage: figure(s.spanMs > 0 ? s.coveredMs / s.spanMs : 0, 'coverage')!,
  };
}

/**
 * A rate (EUR/h) integrated over [from, to) as the ledger integrates: each good sample's value
 * holds until the next sample, whatever that one's quality (a bad one, the price gone, ends it);
 * samples further apart than `maxGapMs` are not bridged. Returns EUR·ms/h and the time covered.
 */
function integrate(
  points: readonly HistoryPoint[],
  from: number,
  to: number,
  maxGapMs: number,
): { eurH: number; coveredMs: number } {
  let eurH = 0;
  let coveredMs = 0;
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    const good = a.value !== null && (a.quality === undefined || a.quality === 'good');
    if (!good || b.t - a.t > maxGapMs) continue;
    const ms = Math.min(b.t, to) - Math.max(a.t, from);
    if (ms <= 0) continue;
    eurH += a.value! * ms;
    coveredMs += ms;
  }
  return { eurH, coveredMs };
}

/**
 * Value per local day and month from the historian's `value/*` rates (the value ledger's
 * revenue, cost and net in EUR/h), each integrated over the day (`integrate`). A rate is bad
 * while its price is unknown, so unpriced time counts no value, as in the ledger's books;
 * `coverage` says how much of the day the net was known. Undefined for a site without
 * `utility.value`.
 */
export async function valueSection(
  site: SiteConfig,
  history: History,
  days: readonly LocalDay[],
): Promise<ValueSection | undefined> {
  if (!site.utility?.value) return undefined;
  const maxGapMs = site.reporting.maxGapMs;
  const out: ValueSection['days'] = [];
  const months = new Map<string, Sums>();
  const total: Sums = { eur: noValue(), coveredMs: 0, spanMs: 0 };
  for (const day of days) {
    const sums: Sums = { eur: noValue(), coveredMs: 0, spanMs: day.end - day.start };
    for (const money of MONEY) {
      const points = await history(RATES[money], day.start - maxGapMs, day.end + maxGapMs);
      const i = integrate(points, day.start, day.end, maxGapMs);
      sums.eur[money] = i.coveredMs > 0 ? i.eurH / HOUR_MS : null;
      if (money === 'netEur') sums.coveredMs = i.coveredMs;
    }
    out.push({ date: day.date, ...figures(sums) });
    const month = day.date.slice(0, 7);
    const mo = months.get(month) ?? { eur: noValue(), coveredMs: 0, spanMs: 0 };
    for (const acc of [mo, total]) {
      for (const money of MONEY) acc.eur[money] = add(acc.eur[money], sums.eur[money]);
      acc.coveredMs += sums.coveredMs;
      acc.spanMs += sums.spanMs;
    }
    months.set(month, mo);
  }
  return {
    points: { revenue: RATES.revenueEur, cost: RATES.costEur, net: RATES.netEur },
    days: out,
    months: [...months].map(([month, s]) => ({ month, ...figures(s) })),
    totals: figures(total),
  };
}
