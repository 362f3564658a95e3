import type { ChartSpec } from './svg-chart';
import type { ClosedLoopResult } from './closed-loop';

/** What a simulated period comes to: the figures `heatbridge simulate` prints. */
export interface ScenarioKpis {
  days: number;
  outdoorMeanC: number | null;
  itHeatMWh: number;
  /** Heat that went into the liquid loop: what heat pumps could physically take. */
  recoverableMWh: number;
  recoveredMWh: number;
  /** recovered / recoverable, %. */
  recoveredSharePct: number;
  /** What the derived point `recovered_energy` reported, MWh (it should match `recoveredMWh`). */
  reportedRecoveredMWh: number;
  deliveredMWh: number;
  hpElectricMWh: number;
  /** Heat-pump seasonal COP: (recovered + electricity) / electricity. */
  scop: number | null;
  /** Energy reuse factor: recovered / facility energy (EN 50600-4-6). */
  erf: number | null;
  pue: number | null;
  limits: { point: string; limit: number; max: number; held: boolean }[];
  /** Share of cycles with a heat pump running when the supply was within ±2 K of its setpoint. */
  supplyInBandPct: number | null;
  /** Supply-line feed-in (heat going in) within ±1 K of the request, % of its cycles. */
  feedInWithin1KPct: number | null;
  /** The same over supply-line running time, warm-ups after starts included, %. */
  supplyLineWithin1KPct: number | null;
  /** The most starts of one unit within one clock hour. */
  maxStartsPerHour: number;
  starts: number[];
  shortCycles: number[];
  startInhibits: number[];
  trips: number;
  safetyMinutes: number;
  plcSafeStateTrips: number;
  /** Refused by the write guard. */
  refusedWrites: number;
  /** Sent, but failed at the device: a fault, no answer, or the PLC refusing the value. */
  failedWrites: number;
}

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

export function scenarioKpis(r: ClosedLoopResult, cycleMs: number): ScenarioKpis {
  const mwh = (kwh: number): number => round(kwh / 1000, 2);
  return {
    days: round(r.seconds / 86400, 2),
    outdoorMeanC:
      r.timeline.length > 0
        ? round(r.timeline.reduce((a, p) => a + p.outdoorC, 0) / r.timeline.length)
        : null,
    itHeatMWh: mwh(r.itHeatKwh),
    recoverableMWh: mwh(r.recoverableKwh),
    recoveredMWh: mwh(r.recoveredKwh),
    recoveredSharePct: r.recoverableKwh > 0 ? round((100 * r.recoveredKwh) / r.recoverableKwh) : 0,
    reportedRecoveredMWh: mwh(r.reportedRecoveredKwh),
    deliveredMWh: mwh(r.deliveredKwh),
    hpElectricMWh: mwh(r.hpElectricKwh),
    scop:
      r.hpElectricKwh > 0 ? round((r.recoveredKwh + r.hpElectricKwh) / r.hpElectricKwh, 2) : null,
    erf: r.facilityKwh > 0 ? round(r.recoveredKwh / r.facilityKwh, 3) : null,
    pue: r.itHeatKwh > 0 ? round(r.facilityKwh / r.itHeatKwh, 3) : null,
    limits: r.limits.map((l) => ({ ...l, max: round(l.max, 2), held: l.max <= l.limit })),
    supplyInBandPct:
      r.runningCycles > 0 ? round((100 * r.inBandCycles) / r.runningCycles, 2) : null,
    feedInWithin1KPct:
      r.feedInCycles > 0 ? round((100 * r.feedInWithin1KCycles) / r.feedInCycles, 2) : null,
    supplyLineWithin1KPct:
      r.supplyLineCycles > 0
        ? round((100 * r.supplyLineWithin1KCycles) / r.supplyLineCycles, 2)
        : null,
    maxStartsPerHour: r.maxStartsPerHour,
    starts: r.starts,
    shortCycles: r.shortCycles,
    startInhibits: r.startInhibits,
    trips: r.trips,
    safetyMinutes: round((r.safetyCycles * cycleMs) / 60_000),
    plcSafeStateTrips: r.plcSafeStateTrips,
    refusedWrites: r.refusedWrites,
    failedWrites: r.failedWrites,
  };
}

/** The KPIs as a plain-text report for a terminal. */
export function formatKpis(k: ScenarioKpis): string {
  const rows: [string, string][] = [
    ['Simulated', `${k.days} days`],
    ['Mean outdoor temperature', k.outdoorMeanC === null ? '–' : `${k.outdoorMeanC} °C`],
    ['IT heat', `${k.itHeatMWh} MWh`],
    ['Recoverable (liquid loop)', `${k.recoverableMWh} MWh`],
    [
      'Recovered by the heat pumps',
      `${k.recoveredMWh} MWh (${k.recoveredSharePct} % of recoverable)`,
    ],
    ['  reported by derived/recovered_energy', `${k.reportedRecoveredMWh} MWh`],
    ['Delivered to the network', `${k.deliveredMWh} MWh`],
    ['Heat-pump electricity', `${k.hpElectricMWh} MWh`],
    ['Heat-pump SCOP', k.scop === null ? '–' : String(k.scop)],
    ['ERF (recovered / facility energy)', k.erf === null ? '–' : String(k.erf)],
    ['PUE', k.pue === null ? '–' : String(k.pue)],
    ...k.limits.map((l): [string, string] => [
      `Max ${l.point}`,
      `${l.max} °C (limit ${l.limit} °C: ${l.held ? 'held' : 'EXCEEDED'})`,
    ]),
    [
      'Supply within ±2 K while running',
      k.supplyInBandPct === null ? 'heat pumps never ran' : `${k.supplyInBandPct} %`,
    ],
    [
      'Supply-line feed-in within ±1 K of the request',
      k.feedInWithin1KPct === null ? 'no supply-line feed-in' : `${k.feedInWithin1KPct} %`,
    ],
    [
      '  over running time, warm-ups included',
      k.supplyLineWithin1KPct === null ? 'no supply-line running' : `${k.supplyLineWithin1KPct} %`,
    ],
    ['Most starts of a unit in an hour', String(k.maxStartsPerHour)],
    ['Heat-pump starts', k.starts.join(' / ')],
    [
      'Starts/stops violating min run/off',
      `${k.shortCycles.reduce((a, b) => a + b, 0)} short cycles, ${k.startInhibits.reduce((a, b) => a + b, 0)} inhibited starts`,
    ],
    ['Heat-pump trips', String(k.trips)],
    ['Cooling safety acting', `${k.safetyMinutes} min`],
    ['PLC safe-state entries', String(k.plcSafeStateTrips)],
    ['Writes refused by the write guard', String(k.refusedWrites)],
    ['Writes failed at the device', String(k.failedWrites)],
  ];
  const w = Math.max(...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `${a.padEnd(w)}  ${b}`).join('\n');
}

/** Temperatures, heat flows and COP over the run, for `renderSvgChart`. */
export function scenarioChart(r: ClosedLoopResult, title: string, subtitle: string): ChartSpec {
  const tl = r.timeline;
  const series = (
    name: string,
    color: string,
    pick: (p: (typeof tl)[number]) => number | null,
    dashed = false,
  ) => ({
    name,
    color,
    dashed,
    points: tl.map((p) => [p.t, pick(p)] as const),
  });
  const cdu = r.limits.find((l) => l.point.endsWith('cdu_supply_temp'));
  return {
    title,
    subtitle,
    panels: [
      {
        title: 'Temperatures',
        unit: '°C',
        series: [
          series('District supply', '#c0392b', (p) => p.supplyC),
          series('Supply setpoint', '#7f8c8d', (p) => p.setpointC, true),
          series('CDU supply (max)', '#2980b9', (p) => p.cduSupplyC),
          series('Outdoor', '#27ae60', (p) => p.outdoorC),
        ],
        limits: cdu
          ? [{ value: cdu.limit, label: `CDU supply limit ${cdu.limit} °C`, color: '#8e44ad' }]
          : [],
      },
      {
        title: 'Heat flows',
        unit: 'kW',
        include: [0],
        series: [
          series('IT load', '#34495e', (p) => p.itKw),
          series('Recovered from coolant', '#e67e22', (p) => p.recoveredKw),
          series('Delivered to network', '#c0392b', (p) => p.deliveredKw),
          series('To dry coolers', '#2980b9', (p) => p.drycoolerKw),
          series('Network acceptance', '#7f8c8d', (p) => p.acceptanceKw, true),
          series('Upper bound', '#8e44ad', (p) => p.upperBoundKw, true),
        ],
      },
      {
        title: 'Heat-pump COP',
        unit: 'COP',
        include: [0],
        series: [
          series('COP (heat / electricity)', '#16a085', (p) => p.cop),
          series('Heat pumps on', '#95a5a6', (p) => p.heatPumpsOn, true),
        ],
      },
    ],
  };
}
