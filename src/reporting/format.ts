import { ENERGIES, type EnergyName, type EnergyReport } from './energy-report';
import { siteTimeText } from '../util/site-time';
import { showFigure, showShare, type Figure } from './figures';
import type { ValueFigures, ValueSection } from './value-report';

export const REPORT_FORMATS = ['md', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const LABELS: Record<EnergyName, string> = {
  heatDelivered: 'Heat delivered (MWh)',
  heatPumpHeat: 'Heat-pump heat (MWh)',
  heatPumpElectricity: 'Heat-pump electricity (MWh)',
  dryCoolerElectricity: 'Dry-cooler electricity (MWh)',
  itEnergy: 'IT energy (MWh)',
  facilityEnergy: 'Facility energy (MWh)',
};

/** Every number printed goes through its figure's resolution (src/reporting/figures.ts). */
const show = (v: number | null | undefined, kind: Figure): string => showFigure(v, kind);
const withUnit = (v: number | null | undefined, kind: Figure): string => showFigure(v, kind, true);
const pct = showShare;
/** A CSV cell: the figure at its resolution, empty when unknown. */
const cell = (v: number | null | undefined, kind: Figure): string =>
  v === null || v === undefined ? '' : showFigure(v, kind);

export function formatReport(r: EnergyReport, format: ReportFormat): string {
  if (format === 'json') return JSON.stringify(r, null, 2) + '\n';
  if (format === 'csv') return csv(r);
  return markdown(r);
}

function csv(r: EnergyReport): string {
  const head = [
    'date',
    ...ENERGIES.map((e) => `${e}_mwh`),
    'scop',
    'avg_waste_heat_temp_c',
    'coverage',
    // The value columns only for a site that keeps value (utility.value).
    ...(r.value ? ['revenue_eur', 'cost_eur', 'net_eur', 'value_coverage'] : []),
  ];
  const money = (v: ValueFigures | undefined): string[] =>
    v
      ? [
          cell(v.revenueEur, 'eur'),
          cell(v.costEur, 'eur'),
          cell(v.netEur, 'eur'),
          cell(v.coverage, 'coverage'),
        ]
      : [];
  const row = (
    date: string,
    e: Record<EnergyName, number | null>,
    scop: number | null,
    t: number | null,
    c: number,
    v: ValueFigures | undefined,
  ) =>
    [
      date,
      ...ENERGIES.map((k) => cell(e[k], 'mwh')),
      cell(scop, 'scop'),
      cell(t, 'degC'),
      cell(c, 'coverage'),
      ...money(v),
    ].join(',');
  return (
    [
      head.join(','),
      ...r.days.map((d, i) =>
        row(d.date, d.energy, d.scop, d.avgWasteHeatTempC, d.coverage, r.value?.days[i]),
      ),
      row(
        'total',
        r.totals.energy,
        r.totals.scop,
        r.totals.avgWasteHeatTempC,
        r.totals.coverage,
        r.value?.totals,
      ),
    ].join('\n') + '\n'
  );
}

function markdown(r: EnergyReport): string {
  const used = ENERGIES.filter((e) => r.totals.energy[e] !== null);
  const lines: string[] = [
    `# Energy-reuse report — ${r.site.name}`,
    '',
    `Period ${r.period.from} to ${r.period.to} (${r.period.days} days, ${r.site.timezone}); generated ${r.generatedAt} from meter counters.`,
    '',
    '## Totals',
    '',
    '| figure | value |',
    '| --- | --- |',
    ...used.map((e) => `| ${LABELS[e]} | ${show(r.totals.energy[e], 'mwh')} |`),
    `| Seasonal COP of the heat pumps | ${show(r.totals.scop, 'scop')} |`,
    `| Average waste-heat temperature | ${withUnit(r.totals.avgWasteHeatTempC, 'degC')} |`,
    `| Maximum thermal power (hourly mean) | ${withUnit(r.totals.maxThermalPowerKw, 'kw')} |`,
    `| Data coverage (worst meter) | ${pct(r.totals.coverage)} |`,
    '',
    '## KPIs',
    '',
    '| KPI | definition | value |',
    '| --- | --- | --- |',
    `| ERF | E_reuse / E_DC (EN 50600-4-6, ISO/IEC 30134-6) | ${show(r.kpis.erf, 'erf')} |`,
    `| PUE | E_DC / E_IT (ISO/IEC 30134-2) | ${show(r.kpis.pue, 'pue')} |`,
    `| PUE (EnEfG §11(2)) | (E_DC − heat-upgrade electricity) / E_IT | ${show(r.kpis.pueEnEfG, 'pue')} |`,
    `| ERE | (1 − ERF) · PUE | ${show(r.kpis.ere, 'pue')} |`,
    '',
    '## EnEfG §11 targets',
    '',
    `Start of operation: ${r.enefg11.startOfOperation ?? 'not set'}. ERF ${show(r.enefg11.erf, 'erf')} against ${r.enefg11.erfTarget === null ? 'no target' : `≥ ${r.enefg11.erfTarget}`}: ${verdict(r.enefg11.erfMet)}. PUE ${show(r.enefg11.pue, 'pue')} against ≤ ${r.enefg11.pueTarget ?? 'n/a'}: ${verdict(r.enefg11.pueMet)}. ${r.enefg11.note}`,
    '',
    '## EU data-center reporting (Directive 2023/1791 Art. 12, Delegated Regulation 2024/1364)',
    '',
    r.eed.fullCalendarYear
      ? `Reporting year ${r.eed.reportingYear}, due by ${r.eed.dueBy}.`
      : 'This period is not a calendar year: the scheme reports whole calendar years.',
    '',
    '| indicator | value | unit |',
    '| --- | --- | --- |',
    ...r.eed.figures.map(
      (f) => `| ${f.label} | ${show(f.value, EED_FIGURE[f.key] ?? 'kwh')} | ${f.unit} |`,
    ),
    '',
    `Not measured by HeatBridge: ${r.eed.notMeasuredHere.join('; ')}.`,
    '',
    '## EnEfG §17 waste-heat disclosure',
    '',
    `Annual heat quantity ${withUnit(r.enefg17.annualHeatMwh, 'mwh')}; maximum thermal power ${withUnit(r.enefg17.maxThermalPowerKw, 'kw')}; average temperature ${withUnit(r.enefg17.averageTemperatureC, 'degC')}.`,
    `Control options: ${r.enefg17.controlOptions ?? 'not described (reporting.controlOptions)'}`,
    '',
    '| month | MWh | mean kW | max kW (hourly) |',
    '| --- | --- | --- | --- |',
    ...r.enefg17.profile.map(
      (m) =>
        `| ${m.month} | ${show(m.mwh, 'mwh')} | ${show(m.meanKw, 'kw')} | ${show(m.maxKw, 'kw')} |`,
    ),
    '',
    ...valueLines(r.value),
    '## Per day',
    '',
    `| date | ${used.map((e) => LABELS[e]).join(' | ')} | SCOP | waste heat °C | coverage |`,
    `| --- | ${used.map(() => '---').join(' | ')} | --- | --- | --- |`,
    ...r.days.map(
      (d) =>
        `| ${d.date} | ${used.map((e) => show(d.energy[e], 'mwh')).join(' | ')} | ${show(d.scop, 'scop')} | ${show(d.avgWasteHeatTempC, 'degC')} | ${pct(d.coverage)} |`,
    ),
    '',
    '## Data quality',
    '',
    r.notes.length ? r.notes.map((n) => `- ${n}`).join('\n') : '- Complete: no gaps, no resets.',
    ...r.dataQuality.gaps
      .slice(0, 50)
      .map(
        (g) =>
          `- gap ${g.point}: ${siteTimeText(g.from, r.site.timezone)} → ${siteTimeText(g.to, r.site.timezone)}, ${withUnit(g.kwh, 'kwh')} across it`,
      ),
    ...r.dataQuality.resets.map(
      (x) =>
        `- reset ${x.point} at ${siteTimeText(x.at, r.site.timezone)}: ${show(x.from, 'counter')} → ${withUnit(x.to, 'counter')}`,
    ),
    ...Object.entries(r.dataQuality.wraps).map(([p, n]) => `- ${p} wrapped ${n}× (handled)`),
    '',
  ];
  return lines.join('\n');
}

/** The value section: per month and per day, for a site that keeps value. */
function valueLines(v: ValueSection | null): string[] {
  if (!v) return [];
  const head = (first: string): string[] => [
    `| ${first} | heat revenue € | electricity cost € | net € | net known |`,
    '| --- | --- | --- | --- | --- |',
  ];
  const line = (label: string, f: ValueFigures): string =>
    `| ${label} | ${show(f.revenueEur, 'eur')} | ${show(f.costEur, 'eur')} | ${show(f.netEur, 'eur')} | ${pct(f.coverage)} |`;
  return [
    '## Value',
    '',
    `Heat revenue (delivered heat × the heat price), heat-pump electricity cost (× the spot price) and the net, integrated from the value ledger's rates (${v.points.revenue}, ${v.points.cost}, ${v.points.net}). Time without a price or a meter counts no value; "net known" is the share of the time the net was known. Total: net ${withUnit(v.totals.netEur, 'eur')} (revenue ${withUnit(v.totals.revenueEur, 'eur')}, cost ${withUnit(v.totals.costEur, 'eur')}).`,
    '',
    ...head('month'),
    ...v.months.map((m) => line(m.month, m)),
    '',
    ...head('date'),
    ...v.days.map((d) => line(d.date, d)),
    '',
  ];
}

/** The EU scheme's figures by key: energies in kWh, the rest as the report's own. */
const EED_FIGURE: Record<string, Figure> = {
  average_waste_heat_temperature: 'degC',
  energy_reuse_factor: 'erf',
  power_usage_effectiveness: 'pue',
};

const verdict = (met: boolean | null): string =>
  met === null ? 'cannot tell' : met ? 'met' : 'not met';
