import { describe, expect, it } from '@jest/globals';
import { interval, map, NEVER, of, Subject, timer, type ObservableInput } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { controlSchema } from '../../../src/config/controllers';
import {
  ControlLoop,
  type AlarmChange,
  type CycleRecord,
  type WriteResult,
} from '../../../src/control/control-loop';
import { controlPointDefs, LOOP_POINTS } from '../../../src/control/control-points';
import { RESERVED_CONTROLLER_NAMES } from '../../../src/config/site';
import { LatestValues } from '../../../src/runtime/latest-values';
import type { PointDef } from '../../../src/domain/point';
import type { PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import type { WriteCommand } from '../../../src/domain/write-command';
import { memoryLogger } from '../../helpers/logger';
import { SUPPLY_SETPOINT_CONTROLLER } from '../../helpers/controllers';

const control = controlSchema.parse({
  cycleMs: 5000,
  refreshMs: 60_000,
  startupGraceMs: 30_000,
  controllers: [
    {
      type: 'cooling-safety',
      name: 'safety',
      supplyTemps: [{ point: 'hall/cdu_supply', limit: 45, margin: 2 }],
      diverterValve: 'plant/valve',
      releaseAfterMs: 20_000,
    },
    SUPPLY_SETPOINT_CONTROLLER,
    {
      type: 'derived',
      name: 'kpis',
      heatPumps: [{ heatOutput: 'hp1/heat', electricPower: 'hp1/power' }],
      itPower: 'hall/it',
    },
    {
      type: 'heartbeat',
      name: 'hb',
      point: 'plant/heartbeat',
      periodMs: 2000,
      stallAfterMs: 15_000,
      safeState: 'plant/safe_state',
      reset: 'plant/reset',
      resetAfterMs: 10_000,
    },
  ],
});

const point = (
  id: string,
  unit: PointDef['unit'],
  access: PointDef['access'] = 'r',
  bounds?: PointDef['bounds'],
): PointDef => ({
  id: id as PointId,
  device: id.split('/')[0]!,
  name: id.split('/')[1]!,
  unit,
  kind: access === 'r' ? 'measurement' : 'setpoint',
  access,
  ...(bounds ? { bounds } : {}),
  historian: { mode: 'every' },
  expectedPeriodMs: 1000,
  staleAfterMs: 3000,
});
const defs = new Map<PointId, PointDef>(
  [
    point('hall/cdu_supply', 'degC'),
    point('dh/outdoor', 'degC'),
    point('hp1/heat', 'kW'),
    point('hp1/power', 'kW'),
    point('hall/it', 'kW'),
    point('plant/safe_state', 'bool'),
    point('plant/valve', '%', 'rw', { min: 0, max: 100 }),
    point('hp1/sp', 'degC', 'rw', { min: 55, max: 85 }),
    point('plant/heartbeat', 'count', 'rw', { min: 0, max: 65535 }),
    point('plant/reset', 'bool', 'w'),
    ...controlPointDefs(control),
  ].map((d) => [d.id, d]),
);

interface Harness {
  scheduler: TestScheduler;
  loop: ControlLoop;
  writes: { at: number; cmd: WriteCommand }[];
  samples: Sample[];
  cycles: CycleRecord[];
  alarms: AlarmChange[];
  reports: { at: number; state: string; message?: string }[];
  plant: Record<string, number | boolean>;
  /** Runs virtual time up to `t` ms. */
  until(t: number): void;
  log: ReturnType<typeof memoryLogger>;
}

/**
 * The loop on a TestScheduler: virtual time, no timers. The "plant" publishes its values every
 * second from `feedFrom` (ms) on; `sink` decides what each write does.
 */
async function harness(
  opts: {
    feedFrom?: number;
    feed?: (t: number) => boolean;
    sink?: (cmd: WriteCommand, scheduler: TestScheduler) => ObservableInput<WriteResult>;
    control?: typeof control;
  } = {},
): Promise<Harness> {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  scheduler.maxFrames = 0;
  const field = new Subject<Sample>();
  const plant: Record<string, number | boolean> = {
    'hall/cdu_supply': 40,
    'dh/outdoor': -20,
    'hp1/heat': 800,
    'hp1/power': 200,
    'hall/it': 2000,
    'plant/safe_state': false,
  };
  const feedFrom = opts.feedFrom ?? 0;
  const feed = opts.feed ?? (() => true);
  scheduler.schedule(
    () => {
      interval(1000, scheduler).subscribe(() => {
        const now = scheduler.now();
        if (!feed(now)) return;
        for (const [id, value] of Object.entries(plant))
          field.next({ id: id as PointId, value, ts: now, receivedAt: now, quality: 'good' });
      });
    },
    Math.max(feedFrom - 1000, 0),
  );
  const writes: Harness['writes'] = [];
  const sink = opts.sink ?? (() => of<WriteResult>({ status: 'written' }));
  const latest = new LatestValues(field);
  const loop = new ControlLoop({
    control: opts.control ?? control,
    defs,
    latest,
    write: (cmd) => {
      writes.push({ at: scheduler.now(), cmd });
      return sink(cmd, scheduler);
    },
    scheduler,
  });
  const samples: Sample[] = [];
  const cycles: CycleRecord[] = [];
  const alarms: AlarmChange[] = [];
  loop.samples$.subscribe((s) => samples.push(s));
  loop.cycles$.subscribe((c) => cycles.push(c));
  loop.alarms$.subscribe((a) => alarms.push(a));
  const reports: Harness['reports'] = [];
  const log = memoryLogger();
  await loop.start({
    log: log.log,
    report: (state, message) =>
      reports.push({ at: scheduler.now(), state, ...(message ? { message } : {}) }),
  });
  return {
    scheduler,
    loop,
    writes,
    samples,
    cycles,
    alarms,
    reports,
    plant,
    log,
    until(t: number) {
      scheduler.maxFrames = t;
      scheduler.flush();
    },
  };
}

const writesTo = (h: Harness, id: string) => h.writes.filter((w) => w.cmd.id === id);

describe('control loop wiring (virtual time)', () => {
  it('keeps its own point names reserved in the config', () => {
    expect([...RESERVED_CONTROLLER_NAMES].sort()).toEqual(Object.keys(LOOP_POINTS).sort());
  });

  it('cycles every cycleMs once the points it reads have values, and writes only what is due', async () => {
    const h = await harness({ feedFrom: 7000 });
    h.until(75_000);
    // No values before 7 s: the 5 s tick waits; the first cycle is at 10 s.
    expect(h.cycles.map((c) => c.at)).toEqual([
      10_000, 15_000, 20_000, 25_000, 30_000, 35_000, 40_000, 45_000, 50_000, 55_000, 60_000,
      65_000, 70_000, 75_000,
    ]);
    // The setpoint does not change: written at the first cycle, then again after refreshMs.
    expect(writesTo(h, 'hp1/sp').map((w) => [w.at, w.cmd.value])).toEqual([
      [10_000, 85],
      [70_000, 85],
    ]);
    expect(writesTo(h, 'hp1/sp')[0]!.cmd).toMatchObject({
      actor: { kind: 'controller', name: 'supply' },
      reason: 'outdoor -20.0 °C on the supply curve',
    });
    await h.loop.stop();
  });

  it('feeds the PLC heartbeat on its own 2 s timer once cycles run, and resets the PLC safe state', async () => {
    const h = await harness();
    h.plant['plant/safe_state'] = true;
    h.until(30_000);
    const beats = writesTo(h, 'plant/heartbeat');
    expect(beats[0]!.at).toBe(6000); // first tick after the first cycle (5 s)
    expect(beats.map((b) => b.cmd.value)).toEqual(beats.map((_, i) => i + 1));
    expect(beats.every((b) => b.cmd.routine === true)).toBe(true);
    expect(new Set(beats.map((b, i) => (i > 0 ? b.at - beats[i - 1]!.at : 2000)))).toEqual(
      new Set([2000]),
    );
    // Safe state shown: reset once heartbeats have flowed for 10 s.
    expect(writesTo(h, 'plant/reset').map((w) => [w.at, w.cmd.value, w.cmd.routine])).toEqual([
      [16_000, true, false],
      [26_000, true, false],
    ]);
    await h.loop.stop();
  });

  it('a cycle whose writes hang stalls the loop: ticks are skipped, the heartbeat stops, an alarm is raised', async () => {
    let hang = false;
    const h = await harness({
      sink: (cmd) => (hang && cmd.id === 'hp1/sp' ? NEVER : of<WriteResult>({ status: 'written' })),
    });
    h.until(60_000);
    const beatsBefore = writesTo(h, 'plant/heartbeat').length;
    expect(beatsBefore).toBeGreaterThan(20);
    // From 60 s every setpoint write hangs (a device that never answers); the 65 s cycle writes
    // the refreshed setpoint and never completes.
    hang = true;
    h.until(120_000);
    const lastCycle = h.cycles.at(-1)!.at;
    expect(lastCycle).toBe(60_000);
    const beats = writesTo(h, 'plant/heartbeat').map((w) => w.at);
    // Last beat within stallAfterMs of the last completed cycle, none after.
    expect(beats.at(-1)!).toBeLessThanOrEqual(lastCycle + 15_000);
    expect(beats.at(-1)!).toBeGreaterThan(lastCycle + 12_000);
    expect(h.alarms).toContainEqual(
      expect.objectContaining({ key: 'control-stalled', active: true, priority: 'critical' }),
    );
    expect(h.reports.at(-1)).toMatchObject({
      state: 'degraded',
      message: expect.stringMatching(/heartbeat stopped/),
    });
    expect(h.loop.details()).toMatchObject({ heartbeat: 'stalled', skippedCycles: 11 });
    expect(h.samples.filter((s) => s.id === 'control/hb').at(-1)!.value).toBe('stalled');
    await h.loop.stop();
  });

  it('retries a write that failed with a backoff, not every cycle', async () => {
    const h = await harness({
      sink: (cmd) =>
        of<WriteResult>({
          status: cmd.id === 'plant/valve' || cmd.id === 'hp1/sp' ? 'failed' : 'written',
        }),
    });
    h.until(120_000);
    // Failures at 5 s; retries after 5, 10, 20, 40 s (doubling from cycleMs, at most refreshMs).
    expect(writesTo(h, 'hp1/sp').map((w) => w.at)).toEqual([5000, 10_000, 20_000, 40_000, 80_000]);
    await h.loop.stop();
  });

  it('does not reset the PLC safe state until heartbeats have really arrived for resetAfterMs', async () => {
    // The link to the PLC fails from 20 s to 40 s: heartbeat writes fail there.
    const h = await harness({
      sink: (cmd, scheduler) =>
        of<WriteResult>({
          status:
            cmd.id === 'plant/heartbeat' && scheduler.now() >= 20_000 && scheduler.now() < 40_000
              ? 'failed'
              : 'written',
        }),
    });
    h.plant['plant/safe_state'] = true;
    h.until(70_000);
    // Flowing from 6 s: reset at 16 s. Failing 20–40 s: no reset then (the PLC fell back); flowing
    // again from 40 s: the next reset at 50 s.
    expect(writesTo(h, 'plant/reset').map((w) => w.at)).toEqual([16_000, 50_000, 60_000, 70_000]);
    await h.loop.stop();
  });

  it('a failed write retries at once when the wanted value changes (cooling safety never waits)', async () => {
    const h = await harness({
      sink: (cmd) =>
        of<WriteResult>({
          status: cmd.id === 'plant/valve' && cmd.value === 50 ? 'failed' : 'written',
        }),
    });
    // An operator holds the valve at 50 %; the valve does not take it (writes fail).
    h.loop.setOverride({
      id: 'plant/valve' as PointId,
      value: 50,
      durationMs: 3600_000,
      reason: 'test',
      actor: { kind: 'user', name: 'olli' },
    });
    h.until(23_000);
    // Backing off: 5 s, then 10 s, then 20 s (cycleMs doubling).
    expect(writesTo(h, 'plant/valve').map((w) => w.at)).toEqual([5000, 10_000, 20_000]);
    h.plant['hall/cdu_supply'] = 44; // cooling safety acts: valve to 0, at once
    h.until(30_000);
    expect(
      writesTo(h, 'plant/valve').map((w) => [w.at, w.cmd.value, w.cmd.safety ?? false]),
    ).toEqual([
      [5000, 50, false],
      [10_000, 50, false],
      [20_000, 50, false],
      [25_000, 0, true],
    ]);
    await h.loop.stop();
  });

  it('an operator override replaces the controller value until it expires, with the operator as actor', async () => {
    const h = await harness();
    const events: string[] = [];
    h.loop.operator.events$.subscribe((e) => events.push(`${e.kind}@${e.at}`));
    h.until(20_000);
    h.scheduler.schedule(() => {
      h.loop.setOverride({
        id: 'hp1/sp' as PointId,
        value: 70,
        durationMs: 30_000,
        reason: 'network test',
        actor: { kind: 'user', name: 'olli' },
      });
    }, 22_000 - h.scheduler.now());
    h.until(60_000);
    const sp = writesTo(h, 'hp1/sp').map((w) => [w.at, w.cmd.value, w.cmd.actor.name]);
    expect(sp).toEqual([
      [5000, 85, 'supply'],
      [25_000, 70, 'olli'], // next cycle after the override
      [55_000, 85, 'supply'], // expired at 52 s: the controller's value is back at the next cycle
    ]);
    expect(events).toEqual(['override-set@22000', 'override-expired@55000']);
    expect(() =>
      h.loop.setOverride({
        id: 'hp1/sp' as PointId,
        value: 95,
        durationMs: 30_000,
        reason: 'too hot',
        actor: { kind: 'user', name: 'olli' },
      }),
    ).toThrow(/outside its bounds 55\.\.85/);
    await h.loop.stop();
  });

  it('starts after startupGraceMs when a point never arrives: it counts as bad, so cooling safety acts', async () => {
    const h = await harness({ feed: () => true });
    // Remove the CDU supply temperature from the feed.
    delete h.plant['hall/cdu_supply'];
    h.until(40_000);
    expect(h.cycles[0]!.at).toBe(30_000);
    expect(h.cycles[0]!.safetyActive).toBe(true);
    expect(writesTo(h, 'plant/valve')[0]!.cmd).toMatchObject({
      value: 0,
      actor: { name: 'safety' },
      reason: expect.stringMatching(/hall\/cdu_supply is bad/),
    });
    expect(h.alarms).toContainEqual(
      expect.objectContaining({ key: 'cooling-safety', active: true }),
    );
    expect(
      h.log.lines().some((l) => String(l.msg).includes('without values for some points')),
    ).toBe(true);
    await h.loop.stop();
  });

  it('publishes derived points every cycle and status points for every controller', async () => {
    const h = await harness();
    h.until(3600_000);
    const last = (id: string) => h.samples.filter((s) => s.id === id).at(-1)?.value;
    expect(last('derived/recovered_heat')).toBe(600);
    expect(last('derived/recovered_energy') as number).toBeCloseTo(600 * (3595 / 3600), 6); // first cycle at 5 s
    expect(last('control/safety')).toBe('ok');
    expect(last('control/supply')).toBe('ok');
    expect(last('control/hb')).toBe('ok');
    expect(last('control/safety_active')).toBe(false);
    expect(last('control/skipped_cycles')).toBe(0);
    // Every sample is of a declared point.
    for (const s of h.samples) expect(defs.has(s.id)).toBe(true);
    await h.loop.stop();
  });

  it('alarms are raised and cleared once each, not repeated every cycle', async () => {
    const h = await harness();
    h.until(20_000);
    h.plant['hall/cdu_supply'] = 44;
    h.until(40_000);
    h.plant['hall/cdu_supply'] = 40;
    h.until(80_000);
    expect(h.alarms.map((a) => [a.key, a.active, a.at])).toEqual([
      ['cooling-safety', true, 25_000],
      ['cooling-safety', false, 65_000], // released 20 s after clear at 45 s
    ]);
    await h.loop.stop();
  });

  it('stops its heartbeat with the loop', async () => {
    const h = await harness();
    h.until(20_000);
    await h.loop.stop();
    const n = h.writes.length;
    h.until(60_000);
    expect(h.writes.length).toBe(n);
  });

  it('a slow write makes the next tick skip rather than queue', async () => {
    const h = await harness({
      sink: (cmd, scheduler) =>
        cmd.id === 'hp1/sp'
          ? timer(7000, scheduler).pipe(map((): WriteResult => ({ status: 'written' })))
          : of<WriteResult>({ status: 'written' }),
    });
    h.until(30_000);
    // The 5 s cycle waits 7 s for its setpoint write: the 10 s tick is skipped, not queued.
    expect(h.cycles.map((c) => c.at)).toEqual([5000, 15_000, 20_000, 25_000, 30_000]);
    expect(h.samples.find((s) => s.id === 'control/cycle_duration')).toMatchObject({
      value: 7,
      ts: 12_000,
    });
    expect(h.loop.details()).toMatchObject({ skippedCycles: 1 });
    await h.loop.stop();
  });
});

describe('control loop: connection-mode switches', () => {
  it('logs a switch once, at info, with its controller and facts, and records the mode', async () => {
    const connected = controlSchema.parse({
      ...control,
      controllers: control.controllers.map((c) =>
        c.type === 'supply-setpoint' ? { ...c, connection: { modes: ['supply'], reachC: 85 } } : c,
      ),
    });
    const h = await harness({ control: connected });
    h.until(60_000);
    const lines = h.log.lines().filter((l) => String(l.msg).startsWith('connection mode'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      controller: 'supply',
      from: null,
      to: 'supply',
      setpointC: 85,
    });
    const modes = h.samples.filter((s) => s.id === 'derived/connection_mode');
    expect(modes.length).toBeGreaterThan(5);
    expect(new Set(modes.map((s) => s.value))).toEqual(new Set([1]));
  });
});
