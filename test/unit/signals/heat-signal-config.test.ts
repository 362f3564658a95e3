import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { demoConfigPath } from '../../../src/cli/commands';
import { loadSiteConfig, parseSiteConfig } from '../../../src/config';
import type { HeatSignalConfig } from '../../../src/signals/heat-signal-types';

const demoText = (): string => readFileSync(demoConfigPath(), 'utf8');

/** The demo's text with its heatSignal section's lines edited. */
function demoWith(edit: (section: string) => string): string {
  const text = demoText();
  const from = text.indexOf('\nheatSignal:\n');
  const to = text.indexOf('\n# ──', from + 1);
  return text.slice(0, from) + edit(text.slice(from, to)) + text.slice(to);
}

function problemsOf(text: string): Map<string, string> {
  const r = parseSiteConfig(text, {});
  if (r.ok) throw new Error('expected the config to be refused');
  return new Map(r.problems.map((p) => [p.path, p.message]));
}

/** The demo's outdoorForecast block, up to its maxAgeMs line (the poll example commented in it). */
const DEMO_FORECAST =
  /\n {2}outdoorForecast:\n {4}file: data\/sim\/outdoor-forecast.csv\n(?: {4}#.*\n)* {4}maxAgeMs: \d+\n/;

describe('the heatSignal section of the site config', () => {
  it('is in the demo with its documented values and defaults; its forecast is the file the simulators write', async () => {
    const loaded = await loadSiteConfig(demoConfigPath(), {});
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const hs = loaded.config.heatSignal;
    expect(hs).toBeDefined();
    // The shared type takes the parsed section as it is.
    const shared: HeatSignalConfig = hs!;
    expect(shared.horizonHours).toBe(36);
    expect(hs!.itPower).toBe('hall1/it_power');
    expect(hs!.recoverableShare).toBe(0.7);
    expect(hs!.heatPumpCapacityKw).toBeUndefined();
    expect(hs!.acceptance.hourFactors).toHaveLength(24);
    expect(hs!.dryCoolers.marginPct).toBe(10);
    expect(hs!.outdoorForecast).toEqual({
      file: 'data/sim/outdoor-forecast.csv',
      maxAgeMs: 43_200_000,
    });
    expect(loaded.config.simulation!.forecastFile).toBe(hs!.outdoorForecast!.file);
    expect(hs!.flexible).toEqual({
      minKw: 100,
      maxKw: 800,
      rampKwPerH: 200,
      dailyEnergyKwh: 9600,
      deadlineHour: 6,
    });
    expect(hs!.stateFile).toBe('data/heat-signal.json');
  });

  it('fills the defaults of a minimal section: 36 h, share 1, margin 10 %, 12 h forecast age, deadline 06, the state file', () => {
    const text = demoWith(
      () => `
heatSignal:
  itPower: hall1/it_power
  acceptance: { curve: [{ outdoorC: -5, kw: 3000 }, { outdoorC: 20, kw: 600 }] }
  dryCoolers: { capacity: [{ outdoorC: -20, kw: 15300 }, { outdoorC: 35, kw: 1940 }] }
  outdoorForecast: { file: config/examples/outdoor-forecast.csv }
  flexible: { minKw: 0, maxKw: 500, rampKwPerH: 100, dailyEnergyKwh: 1200 }
`,
    );
    const r = parseSiteConfig(text, {});
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const hs = r.config.heatSignal!;
    expect(hs.horizonHours).toBe(36);
    expect(hs.recoverableShare).toBe(1);
    expect(hs.acceptance.hourFactors).toBeUndefined();
    expect(hs.dryCoolers.marginPct).toBe(10);
    expect(hs.outdoorForecast).toEqual({
      file: 'config/examples/outdoor-forecast.csv',
      maxAgeMs: 43_200_000,
    });
    expect(hs.flexible.deadlineHour).toBe(6);
    expect(hs.stateFile).toBe('data/heat-signal.json');
  });

  it('takes a polled forecast with its token from the environment, never shown', () => {
    const text = demoWith((s) =>
      s.replace(
        DEMO_FORECAST,
        '\n  outdoorForecast:\n    poll: { url: "https://weather.example/f.json", token: { env: WX } }\n',
      ),
    );
    const r = parseSiteConfig(text, { WX: 'wx-secret' });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const poll = r.config.heatSignal!.outdoorForecast!.poll!;
    expect(poll.everyMs).toBe(900_000);
    expect(poll.token!.reveal()).toBe('wx-secret');
    expect(JSON.stringify(r.config.heatSignal)).not.toContain('wx-secret');
  });

  it('reports each cross-check at its path, all at once', () => {
    const problems = problemsOf(
      demoWith((s) =>
        s
          .replace('itPower: hall1/it_power', 'itPower: hall1/it_powr')
          .replace('# flexiblePower: hall1/batch_power', 'flexiblePower: hall1/batch_power')
          .replace('horizonHours: 36', 'horizonHours: 72')
          .replace('recoverableShare: 0.7', 'recoverableShare: 0')
          .replace('{ outdoorC: 20, kw: 600 }', '{ outdoorC: -5, kw: 600 }')
          .replace('- 1 # 23', '')
          .replace('marginPct: 10', 'marginPct: 95')
          .replace('minKw: 100', 'minKw: 900')
          .replace('rampKwPerH: 200', 'rampKwPerH: 0')
          .replace('deadlineHour: 6', 'deadlineHour: 24'),
      ),
    );
    expect(problems.get('heatSignal.itPower')).toBe('unknown point "hall1/it_powr"');
    expect(problems.get('heatSignal.flexiblePower')).toBe('unknown point "hall1/batch_power"');
    expect(problems.get('heatSignal.horizonHours')).toMatch(/from 24 to 48/);
    expect(problems.get('heatSignal.recoverableShare')).toMatch(/above 0, at most 1/);
    expect(problems.get('heatSignal.acceptance.curve[1].outdoorC')).toMatch(
      /strictly increasing \(-5 after -5\)/,
    );
    expect(problems.get('heatSignal.acceptance.hourFactors')).toMatch(/24 factors/);
    expect(problems.get('heatSignal.dryCoolers.marginPct')).toMatch(/0 to 90/);
    expect(problems.get('heatSignal.flexible.maxKw')).toBe('maxKw 800 is below minKw 900');
    expect(problems.get('heatSignal.flexible.dailyEnergyKwh')).toMatch(
      /9600 kWh a day is less than minKw × 24 h = 21600 kWh/,
    );
    expect(problems.get('heatSignal.flexible.rampKwPerH')).toMatch(/> 0/);
    expect(problems.get('heatSignal.flexible.deadlineHour')).toMatch(/hour from 0 to 23/);
  });

  it('refuses a day’s work the flexible maximum cannot do in 24 hours', () => {
    const problems = problemsOf(
      demoWith((s) => s.replace('dailyEnergyKwh: 9600', 'dailyEnergyKwh: 20000')),
    );
    expect(problems.get('heatSignal.flexible.dailyEnergyKwh')).toBe(
      '20000 kWh a day needs more than maxKw × 24 h = 19200 kWh: no profile within the bounds does the work',
    );
  });

  it('refuses a forecast section naming no source, and an http:// poll', () => {
    const none = problemsOf(demoWith((s) => s.replace(DEMO_FORECAST, '\n  outdoorForecast: {}\n')));
    expect(none.get('heatSignal.outdoorForecast')).toMatch(/expected file and\/or poll/);
    const http = problemsOf(
      demoWith((s) =>
        s.replace(
          DEMO_FORECAST,
          '\n  outdoorForecast: { poll: { url: "http://weather.example/f.csv" } }\n',
        ),
      ),
    );
    expect(http.get('heatSignal.outdoorForecast.poll.url')).toMatch(/https/);
  });

  it("needs the heat pumps' capacity when no dispatch controller gives it", () => {
    const text = demoText().replace(
      /\n {4}- type: heat-pump-dispatch\n[^]*?(?=\n {4}- type: )/,
      '',
    );
    expect(text).not.toMatch(/type: heat-pump-dispatch/);
    const problems = problemsOf(text);
    expect(problems.get('heatSignal.heatPumpCapacityKw')).toMatch(
      /no heat-pump-dispatch controller/,
    );
    const given = parseSiteConfig(
      text.replace('# heatPumpCapacityKw: 2400', 'heatPumpCapacityKw: 2400'),
      {},
    );
    const left = given.ok ? [] : given.problems.filter((p) => p.path.startsWith('heatSignal'));
    expect(left).toEqual([]);
  });

  it('reserves the signal device for HeatBridge’s own points, which alarms may watch', () => {
    const reserved = problemsOf(demoText().replace(/^ {2}dh:\n/m, '  signal:\n'));
    expect([...reserved.values()].join('\n')).toMatch(/"signal" is reserved/);
  });
});
