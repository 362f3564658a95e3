import { describe, expect, it } from '@jest/globals';
import { from, map, of, Subject, timer, type ObservableInput } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { controlSchema } from '../../../src/config/controllers';
import { ControlLoop, type WriteResult } from '../../../src/control/control-loop';
import { controlPointDefs } from '../../../src/control/control-points';
import { WriteGuard } from '../../../src/control/write-guard';
import { LatestValues } from '../../../src/runtime/latest-values';
import type { PointDef } from '../../../src/domain/point';
import type { PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import type { WriteCommand } from '../../../src/domain/write-command';
import { memoryLogger } from '../../helpers/logger';
import { SUPPLY_SETPOINT_CONTROLLER } from '../../helpers/controllers';

/**
 * Issue 18: control overruns and failed heartbeat writes are one log line per episode (with the
 * count at its end) and show in health, in virtual time.
 */
const control = controlSchema.parse({
  cycleMs: 5000,
  refreshMs: 60_000,
  startupGraceMs: 0,
  controllers: [
    SUPPLY_SETPOINT_CONTROLLER,
    {
      type: 'heartbeat',
      name: 'hb',
      point: 'plant/heartbeat',
      periodMs: 2000,
      stallAfterMs: 15_000,
    },
  ],
});

const point = (id: string, unit: PointDef['unit'], bounds?: PointDef['bounds']): PointDef => ({
  id: id as PointId,
  device: id.split('/')[0]!,
  name: id.split('/')[1]!,
  unit,
  kind: bounds ? 'setpoint' : 'measurement',
  access: bounds ? 'rw' : 'r',
  ...(bounds ? { bounds } : {}),
  historian: { mode: 'every' },
  expectedPeriodMs: 1000,
  staleAfterMs: 3000,
});
const defs = new Map<PointId, PointDef>(
  [
    point('dh/outdoor', 'degC'),
    point('hp1/sp', 'degC', { min: 55, max: 85 }),
    point('plant/heartbeat', 'count', { min: 0, max: 65535 }),
    ...controlPointDefs(control),
  ].map((d) => [d.id, d]),
);

async function harness(
  sink: (cmd: WriteCommand, s: TestScheduler) => ObservableInput<WriteResult>,
) {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  const field = new Subject<Sample>();
  const latest = new LatestValues(field);
  // The outdoor temperature every second; it falls so the setpoint changes and is written.
  let outdoor = 10;
  scheduler.schedule(function (this: { schedule(s: null, d: number): void }) {
    const now = scheduler.now();
    outdoor -= 0.2;
    field.next({
      id: 'dh/outdoor' as PointId,
      value: outdoor,
      ts: now,
      receivedAt: now,
      quality: 'good',
    });
    this.schedule(null, 1000);
  }, 0);
  const loop = new ControlLoop({
    control,
    defs,
    latest,
    write: (cmd) => sink(cmd, scheduler),
    scheduler,
  });
  const reports: { at: number; state: string; message?: string }[] = [];
  const log = memoryLogger();
  await loop.start({
    log: log.log,
    report: (state, message) =>
      reports.push({ at: scheduler.now(), state, ...(message ? { message } : {}) }),
  });
  return {
    scheduler,
    loop,
    log,
    reports,
    until(t: number) {
      scheduler.maxFrames = t;
      scheduler.flush();
    },
  };
}

describe('control overrun episodes', () => {
  it('warns once per overrun episode, degrades health while it lasts, and logs its end with the count', async () => {
    // Setpoint writes take 12 s from 20 s to 40 s virtual: cycles overrun their 5 s ticks.
    const h = await harness((cmd, s) =>
      cmd.id === 'hp1/sp' && s.now() >= 20_000 && s.now() < 40_000
        ? timer(12_000, s).pipe(map((): WriteResult => ({ status: 'written' })))
        : of<WriteResult>({ status: 'written' }),
    );
    h.until(30_000);
    expect(h.loop.details()).toMatchObject({ overrun: true });
    expect(h.reports.at(-1)).toMatchObject({
      state: 'degraded',
      message: expect.stringMatching(/control cycles take longer than 5000 ms/),
    });
    h.until(120_000);
    const lines = h.log.lines();
    const warns = lines.filter(
      (l) =>
        l.msg ===
        'control cycle overrun: a cycle still running when the next tick came; ticks skipped',
    );
    const ends = lines.filter((l) => l.msg === 'control cycles on time again');
    const skipped = h.loop.details().skippedCycles as number;
    expect(skipped).toBeGreaterThanOrEqual(4);
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ level: 'warn', cycleMs: 5000 });
    expect(ends).toEqual([expect.objectContaining({ level: 'info', count: skipped })]);
    expect(h.loop.details()).toMatchObject({ overrun: false });
    expect(h.reports.at(-1)).toEqual({ at: expect.any(Number), state: 'running' });
    await h.loop.stop();
  });
});

describe('failed heartbeat writes', () => {
  it('a PLC away for 30 s: one error line, repeats counted, one line with the count when it clears', async () => {
    const { log, lines } = memoryLogger();
    let away = false;
    let failed = 0;
    // The guard's clock is the loop's virtual one, known once the harness exists.
    const clock = { now: (): number => 0 };
    const guard = new WriteGuard({
      defs,
      readOnly: false,
      log,
      now: () => clock.now(),
      send: (id) => {
        if (!away || id !== 'plant/heartbeat') return Promise.resolve();
        failed += 1;
        return Promise.reject(
          new Error(`not connected to tcp:plc:502 (next attempt in ${failed * 7} ms)`),
        );
      },
    });
    const h = await harness((cmd) =>
      from(guard.write(cmd)).pipe(map((o): WriteResult => ({ status: o.status }))),
    );
    clock.now = () => h.scheduler.now();
    // The guard answers through promises: advance virtual time a second at a time and let them settle.
    const run = async (to: number): Promise<void> => {
      for (let t = h.scheduler.now() + 1000; t <= to; t += 1000) {
        h.until(t);
        await new Promise((r) => setImmediate(r));
      }
    };
    await run(20_000);
    away = true;
    await run(50_000);
    away = false;
    await run(70_000);
    const failures = lines().filter((l) => l.msg === 'write failed at the device');
    const cleared = lines().filter((l) => l.msg === 'writes to the device get through again');
    expect(failed).toBeGreaterThanOrEqual(10);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ level: 'error', point: 'plant/heartbeat' });
    expect(cleared).toEqual([expect.objectContaining({ point: 'plant/heartbeat', count: failed })]);
    await h.loop.stop();
  });
});
