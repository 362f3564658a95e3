import { describe, expect, it } from '@jest/globals';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { EnergyCounters } from '../../../src/control/energy-counters';
import type { PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import { memoryLogger } from '../../helpers/logger';

const IDS = [
  'derived/recovered_energy',
  'derived/hp_electric_energy',
  'derived/cop_running',
] as PointId[];
const T0 = Date.parse('2026-12-03T10:00:00Z');

function counters(file: string, now: () => number, scheduler?: TestScheduler) {
  const samples = new Subject<Sample>();
  const { log, lines } = memoryLogger();
  const c = new EnergyCounters({
    file,
    ids: IDS,
    samples$: samples,
    timeZone: 'Europe/Helsinki',
    saveEveryMs: 60_000,
    now,
    log,
    ...(scheduler ? { scheduler } : {}),
  });
  const restored: Sample[] = [];
  c.restored$.subscribe((s) => restored.push(s));
  const reports: string[] = [];
  const ctx = {
    log,
    report: (state: string, message?: string) => reports.push(`${state} ${message ?? ''}`),
  };
  const feed = (t: number, values: Record<string, number>): void => {
    for (const [name, value] of Object.entries(values))
      samples.next({
        id: `derived/${name}` as PointId,
        value,
        ts: t,
        receivedAt: t,
        quality: 'good',
      });
  };
  return { c, ctx, feed, restored, lines, reports };
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'hb-counters-'));

describe('energy counters across restarts (issue 21)', () => {
  it('a stopped run’s counters come back at the next start, with when they began', async () => {
    const file = join(tmp(), 'data', 'energy-counters.json');
    let now = T0;
    const first = counters(file, () => now);
    await first.c.start(first.ctx);
    expect(first.c.since).toBe(T0);
    first.feed(T0 + 5000, { recovered_energy: 10, hp_electric_energy: 3, cop_running: 4.3 });
    now = T0 + 3_600_000;
    first.feed(now, { recovered_energy: 1210, hp_electric_energy: 390, cop_running: 4.1 });
    await first.c.stop();

    now = T0 + 3_700_000;
    const second = counters(file, () => now);
    expect(second.restored).toEqual([]); // nothing is read before start
    await second.c.start(second.ctx);
    expect(second.c.since).toBe(T0);
    expect(second.restored).toEqual([
      expect.objectContaining({ id: 'derived/recovered_energy', value: 1210, ts: T0 + 3_600_000 }),
      expect.objectContaining({ id: 'derived/hp_electric_energy', value: 390 }),
      expect.objectContaining({ id: 'derived/cop_running', value: 4.1 }),
    ]);
    // The same day (Helsinki): today still starts at the first run's first values.
    expect(second.c.dayStart()).toEqual({
      date: '2026-12-03',
      at: T0 + 5000,
      values: { recovered_energy: 10, hp_electric_energy: 3, cop_running: 4.3 },
    });
    await second.c.stop();
  });

  it('saves every saveEveryMs in virtual time, not only at stop (a crash loses at most that)', async () => {
    const file = join(tmp(), 'energy-counters.json');
    const scheduler = new TestScheduler(() => undefined);
    const run = counters(file, () => scheduler.now(), scheduler);
    await run.c.start(run.ctx);
    run.feed(0, { recovered_energy: 5 });
    scheduler.maxFrames = 59_999;
    scheduler.flush();
    expect(existsSync(file)).toBe(false);
    scheduler.maxFrames = 60_000;
    scheduler.flush();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      version: 1,
      values: { recovered_energy: 5 },
    });
    // No temporary file is left beside it (written whole, then renamed).
    expect(readdirSync(join(file, '..'))).toEqual(['energy-counters.json']);
    await run.c.stop();
  });

  it('a missing file: starts from zero and says so', async () => {
    const run = counters(join(tmp(), 'energy-counters.json'), () => T0);
    await run.c.start(run.ctx);
    await run.c.stop();
    expect(run.restored).toEqual([]);
    expect(run.lines()).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: expect.stringContaining('no saved energy counters'),
      }),
    );
  });

  it.each([
    ['not JSON', '{"version": 1, "since": '],
    [
      'a negative counter',
      JSON.stringify({
        version: 1,
        since: '2026-01-01T00:00:00Z',
        savedAt: '2026-01-02T00:00:00Z',
        values: { recovered_energy: -4 },
      }),
    ],
    ['another file', JSON.stringify({ alarms: [] })],
  ])(
    'a corrupt file (%s): starts from zero with a warning, sets it aside, never throws',
    async (_what, text) => {
      const dir = tmp();
      const file = join(dir, 'energy-counters.json');
      writeFileSync(file, text);
      const run = counters(file, () => T0);
      await run.c.start(run.ctx);
      expect(run.restored).toEqual([]);
      expect(run.c.since).toBe(T0);
      expect(run.lines()).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          msg: expect.stringContaining('saved energy counters unreadable'),
        }),
      );
      expect(readdirSync(dir).some((f) => f.startsWith('energy-counters.json.corrupt-'))).toBe(
        true,
      );
      await run.c.stop();
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 1, values: {} });
    },
  );

  it('a file it cannot write: degraded with the reason, and HeatBridge goes on', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'blocked'));
    writeFileSync(join(dir, 'blocked', 'x'), '');
    // A file where its folder should be.
    const run = counters(join(dir, 'blocked', 'x', 'energy-counters.json'), () => T0);
    await run.c.start(run.ctx);
    await run.c.stop();
    expect(run.reports).toContainEqual(
      expect.stringMatching(/^degraded energy counters cannot be saved/),
    );
  });
});
