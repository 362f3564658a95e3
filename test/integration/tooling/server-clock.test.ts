import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { finished, ROOT } from '../../helpers/cli';
import { recentHour } from '../../helpers/server-time';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS script of ours
const { serverClockTests } = require('../../../scripts/server-clock-tests.js') as {
  serverClockTests: () => string[];
};

/** ESLint's verdict on `code` as if it were the file at `path` (the real config, the real CLI). */
async function lint(path: string, code: string): Promise<string[]> {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'),
      '--format',
      'json',
      '--stdin',
      '--stdin-filename',
      path,
    ],
    { cwd: ROOT },
  );
  child.stdin.end(code);
  const out = await finished(child);
  const [result] = JSON.parse(out.stdout) as {
    messages: { ruleId: string | null; line: number }[];
  }[];
  return result!.messages
    .filter((m) => m.ruleId === 'no-restricted-syntax')
    .map((m) => `${m.line}`);
}

describe('tests that store data in a server with its own clock', () => {
  it('are found from their imports: every historian test against influxd or VictoriaMetrics', () => {
    const found = serverClockTests();
    expect(found).toEqual(
      expect.arrayContaining([
        'test/integration/grafana/panels-influxd.test.ts',
        'test/integration/historian/crash.test.ts',
        'test/integration/historian/influx-v1.test.ts',
        'test/integration/historian/influx-v2.test.ts',
        'test/integration/historian/outage.test.ts',
        // The fleet load test's VictoriaMetrics, started through the fleet bench (issue 24).
        'test/integration/fleet/fleet-load.test.ts',
      ]),
    );
    // Each of them really imports a server helper; no unit test is among them.
    for (const f of found) {
      expect(readFileSync(join(ROOT, f), 'utf8')).toMatch(
        /helpers\/influxd'|bench\/fleet\/(servers|fleet-load)'/,
      );
      expect(f).not.toMatch(/^test\/unit\//);
    }
  });

  it('ESLint rejects a literal calendar date in them, and leaves calendar tests elsewhere alone', async () => {
    const dated = [
      "import { Influxd } from '../../helpers/influxd';",
      'export const server = new Influxd();',
      'export const a = Date.UTC(2026, 10, 1, 12);',
      "export const b = Date.parse('2026-11-01T12:00:00Z');",
      'export const c = 1793534400000;',
      'export const d = new Date(2026, 10, 1);',
      'export const e = `at ${a}: 2026-11-01`;',
      'export const ok = new Date(a - 3_600_000);',
      '',
    ].join('\n');
    const rejected = await lint('test/integration/historian/malformed.test.ts', dated);
    expect(rejected).toEqual(['3', '4', '5', '6', '7']);
    // A test whose subject is the calendar (DST, month boundaries) keeps its fixed dates.
    expect(await lint('test/unit/reporting/counters.test.ts', dated)).toEqual([]);
    // Two ESLint runs with type information: most of a minute on a loaded 2-core machine.
  }, 180_000);
});

describe('recentHour', () => {
  const now = 1_000 * 3_600_000 + 1_234_567; // 1,000 hours and a bit after the epoch

  it('is a whole hour, at least two hours before now, so offsets of up to an hour stay past', () => {
    expect(recentHour(2, now)).toBe(998 * 3_600_000);
    expect(recentHour(5, now)).toBe(995 * 3_600_000);
    expect(recentHour(2, now) + 3_600_000).toBeLessThan(now);
  });

  it('refuses fewer than two hours, or a fraction', () => {
    expect(() => recentHour(1, now)).toThrow(/at least 2 whole hours/);
    expect(() => recentHour(2.5, now)).toThrow(/at least 2 whole hours/);
  });
});
