import type { NetworkFigures, NetworkResult } from './network-meter';

/** A month (or the run) against the upper bound, as `simulate` reports it. */
export interface NetworkKpis {
  period: string;
  upperBoundMWh: number;
  deliveredMWh: number;
  /** delivered / upper bound, % (null when the bound is 0). */
  sharePct: number | null;
  /** Bound in steps below one unit's minimum output, MWh, and delivered / the rest of it, %. */
  belowMinimumMWh: number;
  shareAboveMinimumPct: number | null;
  deliveredByModeMWh: Record<string, number>;
  aboveReachHours: number;
  /** Present with prices. */
  value?: { revenueEur: number; costEur: number; netEur: number; unpricedHours: number };
}

export interface NetworkReport {
  modes: readonly string[];
  reachC: number;
  months: NetworkKpis[];
  total: NetworkKpis;
  /** With --compare-rule: the same run with value-aware dispatch off. */
  rule?: { netEur: number | null; deliveredMWh: number; sharePct: number | null };
}

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;
const mwh = (kwh: number): number => round(kwh / 1000, 2);

export function networkKpis(f: NetworkFigures, priced: boolean): NetworkKpis {
  const byMode: Record<string, number> = {};
  for (const [mode, kwh] of Object.entries(f.deliveredByModeKwh)) byMode[mode] = mwh(kwh);
  return {
    period: f.period,
    upperBoundMWh: mwh(f.upperBoundKwh),
    deliveredMWh: mwh(f.deliveredKwh),
    sharePct: f.upperBoundKwh > 0 ? round((100 * f.deliveredKwh) / f.upperBoundKwh, 1) : null,
    belowMinimumMWh: mwh(f.belowMinimumKwh),
    shareAboveMinimumPct:
      f.upperBoundKwh - f.belowMinimumKwh > 0
        ? round(
            (100 * (f.deliveredKwh - f.deliveredBelowMinimumKwh)) /
              (f.upperBoundKwh - f.belowMinimumKwh),
            1,
          )
        : null,
    deliveredByModeMWh: byMode,
    aboveReachHours: round(f.aboveReachHours, 1),
    ...(priced
      ? {
          value: {
            revenueEur: Math.round(f.revenueEur),
            costEur: Math.round(f.costEur),
            netEur: Math.round(f.netEur),
            unpricedHours: round(f.unpricedHours, 1),
          },
        }
      : {}),
  };
}

export function networkReport(r: NetworkResult, rule?: NetworkResult): NetworkReport {
  const total = networkKpis(r.total, r.priced);
  return {
    modes: r.setup.modes,
    reachC: r.setup.reachC,
    months: r.months.map((m) => networkKpis(m, r.priced)),
    total,
    ...(rule
      ? {
          rule: {
            netEur: rule.priced ? Math.round(rule.total.netEur) : null,
            deliveredMWh: mwh(rule.total.deliveredKwh),
            sharePct:
              rule.total.upperBoundKwh > 0
                ? round((100 * rule.total.deliveredKwh) / rule.total.upperBoundKwh, 1)
                : null,
          },
        }
      : {}),
  };
}

const eur = (x: number): string => `${x.toLocaleString('en')} €`;

/** The report's network part as text: a table per month and the run's totals. */
export function formatNetworkReport(n: NetworkReport): string {
  const priced = n.total.value !== undefined;
  const head = [
    'month',
    'bound MWh',
    'delivered MWh',
    'share',
    'below min MWh',
    'share of rest',
    'h above reach',
  ];
  if (priced) head.push('revenue €', 'cost €', 'net €');
  const row = (k: NetworkKpis): string[] => [
    k.period,
    k.upperBoundMWh.toFixed(2),
    k.deliveredMWh.toFixed(2),
    k.sharePct === null ? '–' : `${k.sharePct} %`,
    k.belowMinimumMWh.toFixed(2),
    k.shareAboveMinimumPct === null ? '–' : `${k.shareAboveMinimumPct} %`,
    k.aboveReachHours.toFixed(1),
    ...(k.value ? [k.value.revenueEur, k.value.costEur, k.value.netEur].map(String) : []),
  ];
  const table = [head, ...n.months.map(row), row(n.total)];
  const widths = head.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const lines = table.map((r) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '),
  );
  const t = n.total;
  const modes = Object.entries(t.deliveredByModeMWh)
    .filter(([, v]) => v > 0)
    .map(([m, v]) => `${m} ${v} MWh`);
  const out = [
    `Upper bound (modes ${n.modes.join(', ')}; reach ${n.reachC} °C)`,
    ...lines,
    `Delivered by connection mode: ${modes.length > 0 ? modes.join(', ') : 'nothing delivered'}`,
    `Hours with the request above the units' reach: ${t.aboveReachHours}`,
    `Bound below one unit's minimum output: ${t.belowMinimumMWh} MWh (no unit can run there without a heat store; "share of rest" leaves it out)`,
  ];
  if (t.value)
    out.push(
      `Value: revenue ${eur(t.value.revenueEur)}, electricity ${eur(t.value.costEur)}, net ${eur(t.value.netEur)}` +
        (t.value.unpricedHours > 0 ? ` (${t.value.unpricedHours} h unpriced: not counted)` : ''),
    );
  if (n.rule)
    out.push(
      `Rule "run whenever heat is requested": net ${n.rule.netEur === null ? '–' : eur(n.rule.netEur)}, ` +
        `delivered ${n.rule.deliveredMWh} MWh (${n.rule.sharePct ?? '–'} % of its bound); ` +
        `HeatBridge: net ${t.value ? eur(t.value.netEur) : '–'}, delivered ${t.deliveredMWh} MWh`,
    );
  return out.join('\n');
}
