import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli } from '../../helpers/cli';

const tmp = mkdtempSync(join(tmpdir(), 'hb-simulate-'));

/** Is the file well-formed XML? Checked by an independent parser (Python's). */
function xmlRoot(file: string): string {
  return execFileSync('python3', [
    '-c',
    'import sys, xml.etree.ElementTree as ET; print(ET.parse(sys.argv[1]).getroot().tag)',
    file,
  ])
    .toString()
    .trim();
}

describe('heatbridge simulate', () => {
  it('runs a scenario in virtual time, prints KPIs as JSON, shows progress and writes an SVG chart', async () => {
    const out = join(tmp, 'winter.svg');
    const r = await runCli([
      'simulate',
      '--scenario',
      'winter',
      '--days',
      '0.5',
      '--out',
      out,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      scenario: string;
      kpis: Record<string, unknown> & { limits: { held: boolean }[]; days: number };
      chart: string;
    };
    expect(report.scenario).toBe('winter');
    expect(report.kpis.days).toBe(0.5);
    expect(report.kpis.limits.every((l) => l.held)).toBe(true);
    expect(report.kpis.recoveredMWh as number).toBeGreaterThan(0);
    expect(report.chart).toBe(out);
    // Progress on stderr (a pipe: a line per 10 %), ending at 100 %.
    expect(r.stderr).toMatch(/ 50 % · day 0\.\d of 0\.5/);
    expect(r.stderr).toMatch(/100 % · day 0\.5 of 0\.5/);
    expect(r.stderr).toMatch(/simulated 0\.5 day\(s\) in [\d.]+ s \([\d,]+× real time\)/);
    expect(xmlRoot(out)).toBe('{http://www.w3.org/2000/svg}svg');
    const svg = readFileSync(out, 'utf8');
    for (const panel of ['Temperatures', 'Heat flows', 'Heat-pump COP'])
      expect(svg).toContain(`data-title="${panel}"`);
    for (const series of [
      'District supply',
      'CDU supply (max)',
      'Recovered from coolant',
      'To dry coolers',
      'COP (heat / electricity)',
    ]) {
      expect(svg).toContain(`data-series="${series}"`);
    }
  });

  it('prints a readable report without --json', async () => {
    const r = await runCli([
      'simulate',
      '--scenario',
      'summer',
      '--days',
      '0.25',
      '--out',
      join(tmp, 'summer.svg'),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /Recovered by the heat pumps\s+[\d.]+ MWh \([\d.]+ % of recoverable\)/,
    );
    expect(r.stdout).toMatch(/Max hall1\/cdu_supply_temp\s+[\d.]+ °C \(limit 45 °C: held\)/);
    expect(r.stdout).toContain(`chart: ${join(tmp, 'summer.svg')}`);
  });

  it('takes another weather file', async () => {
    const csv = join(tmp, 'mild.csv');
    const rows = ['time_utc,temperature_c'];
    for (let h = 0; h < 48; h++)
      rows.push(`${new Date(Date.UTC(2021, 0, 1, h)).toISOString()},7.5`);
    writeFileSync(csv, rows.join('\n') + '\n');
    const r = await runCli([
      'simulate',
      '--scenario',
      'winter',
      '--days',
      '0.25',
      '--weather',
      csv,
      '--out',
      join(tmp, 'mild.svg'),
      '--json',
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { weather: string; kpis: { outdoorMeanC: number } };
    expect(report.kpis.outdoorMeanC).toBe(7.5);
    expect(report.weather).toContain('mild.csv (48 hours, 0 blank hours interpolated)');
  });

  it.each([
    [
      ['simulate', '--scenario', 'monsoon'],
      2,
      /argument 'monsoon' is invalid\. Allowed choices are winter, shoulder/,
    ],
    [['simulate', '--days', '-1'], 2, /expected a number > 0/],
    [
      ['simulate', '--weather', join(ROOT, 'package.json'), '--days', '0.1'],
      1,
      /expected the header "time_utc,temperature_c"/,
    ],
    [
      [
        'simulate',
        '--config',
        join(ROOT, 'test/cases/config/valid/minimal-modbus.yaml'),
        '--days',
        '0.1',
      ],
      1,
      /no simulation section/,
    ],
  ] as const)('refuses bad input clearly: %j', async (args, code, message) => {
    const r = await runCli([...args]);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
  });
});
