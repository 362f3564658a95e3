import type { FlexFigures } from './flexible-it';
import type { ClosedLoopResult } from './scenario-meter';

/**
 * The comparison `simulate --flexible-it` prints (issue 23 item 5): the same site, weather,
 * network and seed, once with the IT load as it is and once with a share of it following the heat
 * signal; heat delivered, dumped, value, the cooling's peaks and the compute energy balance.
 */

export interface FlexRun {
  deliveredMWh: number;
  dumpedMWh: number;
  netEur: number | undefined;
  itMWh: number;
  peakItKw: number;
  peakLiquidKw: number;
  peakDryCoolerKw: number;
  maxCduSupplyC: number;
  safetyCycles: number;
  plcSafeStateTrips: number;
}

export interface FlexComparison {
  sharePct: number;
  fixed: FlexRun;
  flexible: FlexRun;
  /** Compute energy: the largest difference of IT energy in one deadline window, kWh. */
  maxWindowItDiffKwh: number;
  windows: number;
  /**
   * The flexible work's hours as run (power × 1 h) against each window's need, kWh: the driver's
   * own bookkeeping, 0 unless the last hour of a window was held to its bounds. The plant's
   * measure is `maxWindowItDiffKwh`.
   */
  maxWindowFlexDiffKwh: number;
  signalHours: number;
  neutralHours: number;
  months: {
    month: string;
    dumpedMWh: { fixed: number; flexible: number };
    deliveredMWh: { fixed: number; flexible: number };
    netEur: { fixed: number; flexible: number } | undefined;
  }[];
  /** Per site hour of day: the flexible work's mean power, at its baseline and as followed, kW. */
  byHour: { hour: number; baselineKw: number; followedKw: number }[];
}

function runOf(r: ClosedLoopResult, f: FlexFigures): FlexRun {
  const priced = r.network?.priced ?? false;
  return {
    deliveredMWh: r.deliveredKwh / 1000,
    dumpedMWh: f.months.reduce((s, m) => s + m.dumpedKwh, 0) / 1000,
    netEur: priced ? r.network!.total.netEur : undefined,
    itMWh: r.itHeatKwh / 1000,
    peakItKw: f.peakItKw,
    peakLiquidKw: f.peakLiquidKw,
    peakDryCoolerKw: f.peakDryCoolerKw,
    maxCduSupplyC: r.maxCduSupplyC,
    safetyCycles: r.safetyCycles,
    plcSafeStateTrips: r.plcSafeStateTrips,
  };
}

export function flexComparison(
  sharePct: number,
  fixed: ClosedLoopResult,
  flexible: ClosedLoopResult,
): FlexComparison {
  const ff = fixed.flex!;
  const fl = flexible.flex!;
  let maxWindowItDiffKwh = 0;
  let windows = 0;
  for (const [w, kwh] of ff.windowItKwh) {
    const other = fl.windowItKwh.get(w);
    if (other === undefined) continue;
    windows += 1;
    maxWindowItDiffKwh = Math.max(maxWindowItDiffKwh, Math.abs(other - kwh));
  }
  const maxWindowFlexDiffKwh = fl.flexWindows.reduce(
    (m, w) => Math.max(m, Math.abs(w.ranKwh - w.neededKwh)),
    0,
  );
  const priced = (fixed.network?.priced ?? false) && (flexible.network?.priced ?? false);
  const months = ff.months.map((m, i) => {
    const o = fl.months[i]!;
    const nf = fixed.network?.months.find((x) => x.period === m.month);
    const nl = flexible.network?.months.find((x) => x.period === m.month);
    return {
      month: m.month,
      dumpedMWh: { fixed: m.dumpedKwh / 1000, flexible: o.dumpedKwh / 1000 },
      deliveredMWh: { fixed: m.deliveredKwh / 1000, flexible: o.deliveredKwh / 1000 },
      netEur: priced && nf && nl ? { fixed: nf.netEur, flexible: nl.netEur } : undefined,
    };
  });
  return {
    sharePct,
    fixed: runOf(fixed, ff),
    flexible: runOf(flexible, fl),
    maxWindowItDiffKwh,
    windows,
    maxWindowFlexDiffKwh,
    signalHours: fl.signalHours,
    neutralHours: fl.neutralHours,
    months,
    byHour: fl.byHour.map((h, hour) => ({
      hour,
      baselineKw: h.hours > 0 ? h.baselineKw / h.hours : 0,
      followedKw: h.hours > 0 ? h.followedKw / h.hours : 0,
    })),
  };
}

const n0 = (v: number): string => Math.round(v).toLocaleString('en');
const n1 = (v: number): string => v.toFixed(1);
const signed = (v: number, f: (x: number) => string): string =>
  (v >= 0 ? '+' : '−') + f(Math.abs(v));

export function formatFlexComparison(c: FlexComparison, coolingLimitC?: number): string {
  const { fixed: a, flexible: b } = c;
  const row = (label: string, x: number, y: number, f: (v: number) => string): string =>
    `${label.padEnd(28)}${f(x).padStart(12)}${f(y).padStart(12)}${signed(y - x, f).padStart(12)}`;
  const lines = [
    `heat-led computing: ${c.sharePct} % of the IT load follows the heat signal (${c.signalHours} h computed, ${c.neutralHours} h neutral)`,
    `${''.padEnd(28)}${'fixed'.padStart(12)}${'flexible'.padStart(12)}${'change'.padStart(12)}`,
    row('heat delivered, MWh', a.deliveredMWh, b.deliveredMWh, n1),
    row('heat dumped (dry coolers), MWh', a.dumpedMWh, b.dumpedMWh, n1),
    ...(a.netEur !== undefined && b.netEur !== undefined
      ? [row('net value, EUR', a.netEur, b.netEur, n0)]
      : ['net value: no prices (--prices)']),
    row('IT energy, MWh', a.itMWh, b.itMWh, (v) => v.toFixed(3)),
    row('peak IT load, kW', a.peakItKw, b.peakItKw, n0),
    row('peak liquid-loop heat, kW', a.peakLiquidKw, b.peakLiquidKw, n0),
    row('peak dry-cooler heat, kW', a.peakDryCoolerKw, b.peakDryCoolerKw, n0),
    row('max CDU supply, °C', a.maxCduSupplyC, b.maxCduSupplyC, n1) +
      (coolingLimitC !== undefined ? `   (limit ${coolingLimitC})` : ''),
    row('cooling-safety cycles', a.safetyCycles, b.safetyCycles, n0),
    row('PLC safe-state trips', a.plcSafeStateTrips, b.plcSafeStateTrips, n0),
    `compute energy: ${c.windows} deadline windows; largest IT-energy difference in one, measured in the plant: ${n1(c.maxWindowItDiffKwh)} kWh (the flexible work's hours as planned against its need: ${n1(c.maxWindowFlexDiffKwh)} kWh)`,
    '',
    'by month           dumped MWh (fixed → flexible)   delivered MWh (fixed → flexible)   net EUR (fixed → flexible)',
    ...c.months.map(
      (m) =>
        `${m.month.padEnd(19)}${`${n1(m.dumpedMWh.fixed)} → ${n1(m.dumpedMWh.flexible)}`.padEnd(32)}${`${n1(m.deliveredMWh.fixed)} → ${n1(m.deliveredMWh.flexible)}`.padEnd(35)}${m.netEur ? `${n0(m.netEur.fixed)} → ${n0(m.netEur.flexible)}` : '–'}`,
    ),
    '',
    'by hour of day (site time): the flexible work, mean kW at its baseline → as followed',
    ...[0, 6, 12, 18].map((from) =>
      c.byHour
        .slice(from, from + 6)
        .map((h) =>
          `${String(h.hour).padStart(2, '0')}h ${n0(h.baselineKw)}→${n0(h.followedKw)}`.padEnd(20),
        )
        .join(''),
    ),
  ];
  return lines.join('\n');
}
