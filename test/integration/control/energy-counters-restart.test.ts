import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { BIN, ROOT, finished } from '../../helpers/cli';
import { eventuallyAsync } from '../../helpers/components';
import { demoConfigFileOnFreePorts } from '../../helpers/sites';

interface PointSummary {
  value: number | null;
  quality: string;
  ts: string | null;
}

/**
 * Issue 21: the energy counters (and ERF, running COP) started from zero at every restart. The
 * real `heatbridge demo`, stopped and started again on the same data folder: the counters go on
 * from where they were, and /api/kpi says since when they count.
 */
describe('energy counters across a real process restart', () => {
  it('continue after a stop and a start on the same data folder', async () => {
    const { file, ports, dir } = await demoConfigFileOnFreePorts();
    const base = `http://127.0.0.1:${ports.api}`;
    const get = async <T>(path: string): Promise<T> =>
      (await (await fetch(base + path)).json()) as T;
    const facility = (): Promise<PointSummary> => get('/api/points/derived/facility_energy');

    const run = async (until: () => Promise<boolean>): Promise<{ since: string }> => {
      const child = spawn(
        process.execPath,
        [BIN, 'demo', '--config', file, '--log-format', 'json'],
        {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const done = finished(child);
      let since: string;
      try {
        await eventuallyAsync(until, 60_000, 'the counters counting');
        since = (await get<{ sinceStart: { since: string } }>('/api/kpi')).sinceStart.since;
      } finally {
        child.kill('SIGTERM');
      }
      const result = await done;
      expect({ code: result.code, stderr: result.stderr.slice(-2000) }).toMatchObject({ code: 0 });
      return { since };
    };

    // First run: counting for a few cycles (the facility draws ≈ 2 MW: kWh within seconds).
    const first = await run(async () => {
      const f = await facility();
      return f.quality === 'good' && (f.value ?? 0) >= 2;
    });
    const saved = JSON.parse(readFileSync(join(dir, 'energy-counters.json'), 'utf8')) as {
      values: Record<string, number>;
    };
    const stoppedAt = saved.values.facility_energy!;
    expect(stoppedAt).toBeGreaterThanOrEqual(2);

    // Second run: its first computed value already carries the first run's energy.
    const restartedAt = Date.now();
    let resumed: number | null = null;
    const second = await run(async () => {
      const f = await facility();
      if (f.quality !== 'good' || f.ts === null || Date.parse(f.ts) <= restartedAt) return false;
      resumed = f.value;
      return true;
    });
    // The API gives kWh at 0.1; the file keeps full precision.
    expect(resumed).toBeGreaterThanOrEqual(Math.round(stoppedAt * 10) / 10);
    expect(second.since).toBe(first.since);
  }, 180_000);
});
