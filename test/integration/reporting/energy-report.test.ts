import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPointDefs, loadSiteConfig, type SiteConfig } from '../../../src/config';
import { ClosedLoop } from '../../../src/simulation/closed-loop';
import { FileBackend } from '../../../src/historian/backends/file';
import { encodeLine } from '../../../src/historian/line-protocol';
import { sampleRecord } from '../../../src/historian/schema';
import { energyReport, type EnergyReport } from '../../../src/reporting/energy-report';
import { formatReport } from '../../../src/reporting/format';
import { siteTimeText } from '../../../src/util/site-time';
import { historyFromBackend } from '../../../src/reporting/source';
import { DEMO_PARAMS } from '../../../simulators/model/params';
import { DEFAULT_WEATHER_FILE, hourlyCsvWeather } from '../../../simulators/weather';
import { runCli } from '../../helpers/cli';
import { memoryLogger } from '../../helpers/logger';

/**
 * The energy-reuse report on a recorded simulation: two winter days of the demo plant under
 * HeatBridge's control (the closed loop, virtual time), its meters read every minute into the
 * file historian as line protocol, with the counters starting just below 2^32 so they wrap. The
 * report must find the model's own energy integrals from the counters.
 */
const START = Date.UTC(2021, 0, 14, 22); // local midnight in Helsinki (UTC+2)
const DAYS = 2;
const GAP = { from: START + 30 * 3600_000, to: START + 31 * 3600_000 }; // one hour of lost data
let site: SiteConfig;
let report: EnergyReport;
const truth = { delivered: 0, hpElectric: 0, facility: 0, it: 0, hpHeat: 0, drycooler: 0 };
let dir: string;

beforeAll(async () => {
  const loaded = await loadSiteConfig(join(__dirname, '../../../config/demo.yaml'), {});
  if (!loaded.ok) throw new Error('demo config invalid');
  dir = mkdtempSync(join(tmpdir(), 'hb-report-'));
  site = structuredClone(loaded.config);
  site.historian = { ...site.historian, dir } as SiteConfig['historian'];
  const loop = new ClosedLoop({
    site,
    weather: hourlyCsvWeather(DEFAULT_WEATHER_FILE),
    start: START,
    params: { ...DEMO_PARAMS, watchdog: { timeoutS: 15 }, counterStartKwh: 2 ** 32 - 2000 },
  });
  const defs = buildPointDefs(site);
  const backend = new FileBackend({
    dir,
    rotateBytes: 8 << 20,
    maxFiles: 1000,
    log: memoryLogger().log,
  });
  await backend.init();
  const meters = [
    ...site.reporting.heatDelivered,
    ...site.reporting.heatPumpHeat,
    ...site.reporting.heatPumpElectricity,
    ...site.reporting.dryCoolerElectricity,
    ...site.reporting.itEnergy,
    ...site.reporting.facilityEnergy,
    site.reporting.heatDeliveredPower!,
    site.reporting.wasteHeatTemperature!,
  ];
  const s0 = loop.sim.state;
  const start = {
    delivered: s0.counters.deliveredKwh,
    facility: s0.counters.facilityKwh,
    it: s0.counters.itKwh,
    drycooler: s0.counters.drycoolerElectricKwh,
    hpElectric: s0.heatPumps.reduce((a, h) => a + h.electricKwh, 0),
    hpHeat: s0.heatPumps.reduce((a, h) => a + h.heatKwh, 0),
  };
  const record = (t: number): void => {
    if (t >= GAP.from && t < GAP.to) return;
    const lines = meters.map((id) => {
      const value = loop.sim.trueValue(loop.sim.keyOf(id)!) as number;
      const def = defs.get(id)!;
      return encodeLine(
        sampleRecord(site.site.id, def, {
          id: id,
          value,
          ts: t,
          receivedAt: t,
          quality: 'good',
        }),
      );
    });
    backend.writeSync(lines);
  };
  record(START);
  for (let m = 1; m <= DAYS * 1440; m++) {
    loop.run(60);
    record(START + m * 60_000);
  }
  const s = loop.sim.state;
  truth.delivered = s.counters.deliveredKwh - start.delivered;
  truth.facility = s.counters.facilityKwh - start.facility;
  truth.it = s.counters.itKwh - start.it;
  truth.drycooler = s.counters.drycoolerElectricKwh - start.drycooler;
  truth.hpElectric = s.heatPumps.reduce((a, h) => a + h.electricKwh, 0) - start.hpElectric;
  truth.hpHeat = s.heatPumps.reduce((a, h) => a + h.heatKwh, 0) - start.hpHeat;
  report = await energyReport(
    site,
    historyFromBackend(site, backend),
    START,
    START + DAYS * 86_400_000,
    {
      now: Date.UTC(2026, 0, 1),
    },
  );
}, 120_000);

describe('energy-reuse report on a recorded simulation', () => {
  const within = (measuredMwh: number | null, trueKwh: number, share = 0.005) => {
    expect(measuredMwh).not.toBeNull();
    expect(Math.abs(measuredMwh! * 1000 - trueKwh)).toBeLessThanOrEqual(share * trueKwh);
  };

  it('finds the energies from the counters within 0.5 % of the model’s integrals, across the wrap', () => {
    within(report.totals.energy.heatDelivered, truth.delivered);
    within(report.totals.energy.heatPumpElectricity, truth.hpElectric);
    within(report.totals.energy.heatPumpHeat, truth.hpHeat);
    within(report.totals.energy.facilityEnergy, truth.facility);
    within(report.totals.energy.itEnergy, truth.it);
    expect(truth.delivered).toBeGreaterThan(2000); // the wrap at 2^32 was crossed
    expect(report.dataQuality.wraps['dh/energy']).toBe(1);
    expect(report.dataQuality.resets).toEqual([]);
  });

  it('computes the KPIs by their definitions from those totals', () => {
    const t = report.totals.energy;
    expect(report.kpis.erf).toBeCloseTo(t.heatDelivered! / t.facilityEnergy!, 4);
    expect(report.kpis.pue).toBeCloseTo(t.facilityEnergy! / t.itEnergy!, 3);
    expect(report.kpis.pueEnEfG).toBeCloseTo(
      (t.facilityEnergy! - t.heatPumpElectricity!) / t.itEnergy!,
      3,
    );
    expect(report.kpis.ere).toBeCloseTo((1 - report.kpis.erf!) * report.kpis.pue!, 2);
    expect(report.totals.scop).toBeCloseTo(t.heatPumpHeat! / t.heatPumpElectricity!, 2);
    expect(report.totals.scop!).toBeGreaterThan(2);
  });

  it('states the gap: listed, coverage below 100 %, the energy across it measured not interpolated', () => {
    expect(report.days.map((d) => d.date)).toEqual(['2021-01-15', '2021-01-16']);
    const gaps = report.dataQuality.gaps.filter((g) => g.point === 'dh/energy');
    expect(gaps).toHaveLength(1);
    expect(gaps[0]!.from).toBe(GAP.from - 60_000);
    expect(gaps[0]!.to).toBe(GAP.to);
    expect(gaps[0]!.kwh).toBeGreaterThan(0);
    expect(report.days[0]!.coverage).toBeCloseTo(1, 3);
    expect(report.days[1]!.coverage).toBeCloseTo(1 - 61 / 1440, 2);
    expect(report.notes.join(' ')).toMatch(/gap/);
    const md = formatReport(report, 'md');
    // People's text in the report: the site's time, 24-hour, zone named (issue 21).
    const iso = (t: number) => siteTimeText(t, 'Europe/Helsinki');
    expect(md).toContain(`gap dh/energy: ${iso(GAP.from - 60_000)} → ${iso(GAP.to)}`);
  });

  it('gives the regulators’ sections: EnEfG §11 targets for the start date, EU figures, §17 profile', () => {
    expect(report.enefg11).toMatchObject({
      startOfOperation: '2026-09-01',
      erfTarget: 0.1,
      pueTarget: 1.2,
    });
    expect(report.eed.fullCalendarYear).toBe(false);
    expect(report.eed.figures.find((f) => f.key === 'waste_heat_reused')!.value).toBe(
      Math.round(report.totals.energy.heatDelivered! * 1000),
    );
    expect(report.enefg17.profile).toEqual([expect.objectContaining({ month: '2021-01' })]);
    expect(report.enefg17.maxThermalPowerKw!).toBeGreaterThan(0);
    expect(report.totals.avgWasteHeatTempC!).toBeGreaterThan(30);
    const csv = formatReport(report, 'csv').trim().split('\n');
    expect(csv).toHaveLength(1 + DAYS + 1);
    expect(csv[0]).toMatch(/^date,heatDelivered_mwh,/);
  });

  it('gives every figure at its resolution in Markdown, CSV and JSON (no "PUE 1.0781893004115226")', () => {
    // Float noise: a number with more places than any report figure has (ERF and coverage: 4).
    const noise = /\d\.\d{5,}/g;
    const md = formatReport(report, 'md');
    expect(md.match(noise)).toBeNull();
    expect(formatReport(report, 'csv').match(noise)).toBeNull();
    const json = formatReport(report, 'json');
    expect(json.match(noise)).toBeNull();
    // The EnEfG §11 line prints the same PUE (EnEfG) as the KPI table, at three places.
    const pue = report.kpis.pueEnEfG!.toFixed(3);
    expect(md).toContain(
      `| PUE (EnEfG §11(2)) | (E_DC − heat-upgrade electricity) / E_IT | ${pue} |`,
    );
    expect(md).toMatch(new RegExp(`PUE ${pue.replace('.', '\\.')} against ≤ 1\\.2`));
    expect(report.enefg11.pue).toBe(report.kpis.pueEnEfG);
    expect(report.enefg11.erf).toBe(report.kpis.erf);
  });

  it('heatbridge report prints the same report from the site’s historian', async () => {
    const file = join(dir, 'site.yaml');
    writeFileSync(
      file,
      readFileSync(join(__dirname, '../../../config/demo.yaml'), 'utf8').replace(
        'dir: data/historian',
        `dir: ${dir}`,
      ),
    );
    const r = await runCli([
      'report',
      '--config',
      file,
      '--from',
      '2021-01-15',
      '--to',
      '2021-01-17',
      '--format',
      'json',
    ]);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as EnergyReport;
    expect(printed.totals).toEqual(report.totals);
    expect(r.stderr).toMatch(/2\/2 days/);
    const bad = await runCli([
      'report',
      '--config',
      file,
      '--from',
      'yesterday',
      '--to',
      '2021-01-17',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--from and --to/);
  });
});
