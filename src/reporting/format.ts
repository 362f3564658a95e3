import { ENERGIES, type EnergyName, type EnergyReport } from './energy-report';

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

const show = (v: number | null | undefined, unit = ''): string =>
  v === null || v === undefined ? 'n/a' : `${v}${unit}`;
const pct = (v: number | null): string => (v === null ? 'n/a' : `${(v * 100).toFixed(1)} %`);

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
  ];
  const row = (
    date: string,
    e: Record<EnergyName, number | null>,
    scop: number | null,
    t: number | null,
    c: number,
  ) =>
    [
      date,
      ...ENERGIES.map((k) => (e[k] === null ? '' : String(e[k]))),
      scop ?? '',
      t ?? '',
      c,
    ].join(',');
  return (
    [
      head.join(','),
      ...r.days.map((d) => row(d.date, d.energy, d.scop, d.avgWasteHeatTempC, d.coverage)),
      row('total', r.totals.energy, r.totals.scop, r.totals.avgWasteHeatTempC, r.totals.coverage),
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
    ...used.map((e) => `| ${LABELS[e]} | ${show(r.totals.energy[e])} |`),
    `| Seasonal COP of the heat pumps | ${show(r.totals.scop)} |`,
    `| Average waste-heat temperature | ${show(r.totals.avgWasteHeatTempC, ' °C')} |`,
    `| Maximum thermal power (hourly mean) | ${show(r.totals.maxThermalPowerKw, ' kW')} |`,
    `| Data coverage (worst meter) | ${pct(r.totals.coverage)} |`,
    '',
    '## KPIs',
    '',
    '| KPI | definition | value |',
    '| --- | --- | --- |',
    `| ERF | E_reuse / E_DC (EN 50600-4-6, ISO/IEC 30134-6) | ${show(r.kpis.erf)} |`,
    `| PUE | E_DC / E_IT (ISO/IEC 30134-2) | ${show(r.kpis.pue)} |`,
    `| PUE (EnEfG §11(2)) | (E_DC − heat-upgrade electricity) / E_IT | ${show(r.kpis.pueEnEfG)} |`,
    `| ERE | (1 − ERF) · PUE | ${show(r.kpis.ere)} |`,
    '',
    '## EnEfG §11 targets',
    '',
    `Start of operation: ${r.enefg11.startOfOperation ?? 'not set'}. ERF ${show(r.enefg11.erf)} against ${r.enefg11.erfTarget === null ? 'no target' : `≥ ${r.enefg11.erfTarget}`}: ${verdict(r.enefg11.erfMet)}. PUE ${show(r.enefg11.pue)} against ≤ ${show(r.enefg11.pueTarget)}: ${verdict(r.enefg11.pueMet)}. ${r.enefg11.note}`,
    '',
    '## EU data-center reporting (Directive 2023/1791 Art. 12, Delegated Regulation 2024/1364)',
    '',
    r.eed.fullCalendarYear
      ? `Reporting year ${r.eed.reportingYear}, due by ${r.eed.dueBy}.`
      : 'This period is not a calendar year: the scheme reports whole calendar years.',
    '',
    '| indicator | value | unit |',
    '| --- | --- | --- |',
    ...r.eed.figures.map((f) => `| ${f.label} | ${show(f.value)} | ${f.unit} |`),
    '',
    `Not measured by HeatBridge: ${r.eed.notMeasuredHere.join('; ')}.`,
    '',
    '## EnEfG §17 waste-heat disclosure',
    '',
    `Annual heat quantity ${show(r.enefg17.annualHeatMwh, ' MWh')}; maximum thermal power ${show(r.enefg17.maxThermalPowerKw, ' kW')}; average temperature ${show(r.enefg17.averageTemperatureC, ' °C')}.`,
    `Control options: ${r.enefg17.controlOptions ?? 'not described (reporting.controlOptions)'}`,
    '',
    '| month | MWh | mean kW | max kW (hourly) |',
    '| --- | --- | --- | --- |',
    ...r.enefg17.profile.map(
      (m) => `| ${m.month} | ${show(m.mwh)} | ${show(m.meanKw)} | ${show(m.maxKw)} |`,
    ),
    '',
    '## Per day',
    '',
    `| date | ${used.map((e) => LABELS[e]).join(' | ')} | SCOP | waste heat °C | coverage |`,
    `| --- | ${used.map(() => '---').join(' | ')} | --- | --- | --- |`,
    ...r.days.map(
      (d) =>
        `| ${d.date} | ${used.map((e) => show(d.energy[e])).join(' | ')} | ${show(d.scop)} | ${show(d.avgWasteHeatTempC)} | ${pct(d.coverage)} |`,
    ),
    '',
    '## Data quality',
    '',
    r.notes.length ? r.notes.map((n) => `- ${n}`).join('\n') : '- Complete: no gaps, no resets.',
    ...r.dataQuality.gaps
      .slice(0, 50)
      .map(
        (g) =>
          `- gap ${g.point}: ${new Date(g.from).toISOString()} → ${new Date(g.to).toISOString()}, ${g.kwh} kWh across it`,
      ),
    ...r.dataQuality.resets.map(
      (x) => `- reset ${x.point} at ${new Date(x.at).toISOString()}: ${x.from} → ${x.to} kWh`,
    ),
    ...Object.entries(r.dataQuality.wraps).map(([p, n]) => `- ${p} wrapped ${n}× (handled)`),
    '',
  ];
  return lines.join('\n');
}

const verdict = (met: boolean | null): string =>
  met === null ? 'cannot tell' : met ? 'met' : 'not met';
