import { describe, expect, it } from '@jest/globals';
import { interval, NEVER, of, Subject, type ObservableInput } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { controlSchema } from '../../../src/config/controllers';
import { ControlLoop, type WriteResult } from '../../../src/control/control-loop';
import { controlPointDefs } from '../../../src/control/control-points';
import { LatestValues } from '../../../src/runtime/latest-values';
import type { PointDef } from '../../../src/domain/point';
import type { PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import type { Component } from '../../../src/runtime/component';
import { Supervisor } from '../../../src/runtime/supervisor';
import type { NotifyFields } from '../../../src/service/sd-notify';
import { statusLine, SystemdService } from '../../../src/service/systemd';
import { memoryLogger } from '../../helpers/logger';
import { SUPPLY_SETPOINT_CONTROLLER } from '../../helpers/controllers';

const control = controlSchema.parse({
  cycleMs: 1000,
  // Every cycle writes its setpoint again, so a write that hangs hangs the next cycle.
  refreshMs: 1000,
  startupGraceMs: 10_000,
  controllers: [SUPPLY_SETPOINT_CONTROLLER],
});

const point = (id: string, access: PointDef['access']): PointDef => ({
  id: id as PointId,
  device: id.split('/')[0]!,
  name: id.split('/')[1]!,
  unit: 'degC',
  kind: access === 'r' ? 'measurement' : 'setpoint',
  access,
  ...(access === 'r' ? {} : { bounds: { min: 55, max: 85 } }),
  historian: { mode: 'every' },
  expectedPeriodMs: 1000,
  staleAfterMs: 3000,
});
const defs = new Map<PointId, PointDef>(
  [point('dh/outdoor', 'r'), point('hp1/sp', 'rw'), ...controlPointDefs(control)].map((d) => [
    d.id,
    d,
  ]),
);

/**
 * HeatBridge's control loop under a supervisor, with systemd's notifications captured, all in
 * virtual time: the plant sends the outdoor temperature every second from `feedFrom` on, and
 * `sink` decides what each write does.
 */
async function harness(opts: {
  watchdogMs: number;
  feedFrom?: number;
  sink?: (at: number) => ObservableInput<WriteResult>;
  components?: Component[];
  progress?: boolean;
}) {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  scheduler.maxFrames = 0;
  const field = new Subject<Sample>();
  scheduler.schedule(
    () =>
      interval(1000, scheduler).subscribe(() => {
        const now = scheduler.now();
        field.next({
          id: 'dh/outdoor' as PointId,
          value: 0,
          ts: now,
          receivedAt: now,
          quality: 'good',
        });
      }),
    Math.max((opts.feedFrom ?? 0) - 1000, 0),
  );
  const sink = opts.sink ?? (() => of<WriteResult>({ status: 'written' }));
  const loop = new ControlLoop({
    control,
    defs,
    latest: new LatestValues(field),
    write: () => sink(scheduler.now()),
    scheduler,
  });
  const log = memoryLogger();
  const supervisor = new Supervisor([loop, ...(opts.components ?? [])], {
    log: log.log,
    now: () => scheduler.now(),
    ...(opts.progress === false
      ? {}
      : { progress: { source: 'control', periodMs: control.cycleMs, events$: loop.progress$ } }),
  });
  const sent: { at: number; fields: NotifyFields }[] = [];
  const service = new SystemdService({
    log: log.log,
    socket: '/run/systemd/notify',
    watchdogMs: opts.watchdogMs,
    pid: 4242,
    send: (fields) => sent.push({ at: scheduler.now(), fields }),
    scheduler,
    now: () => scheduler.now(),
  });
  await supervisor.start();
  service.ready(supervisor);
  const pings = () => sent.filter((s) => s.fields.WATCHDOG === '1').map((s) => s.at);
  return {
    scheduler,
    supervisor,
    service,
    sent,
    pings,
    log,
    until(t: number) {
      scheduler.maxFrames = t;
      scheduler.flush();
    },
  };
}

describe('systemd notifications from HeatBridge (virtual time)', () => {
  it('READY=1 at once with the main pid and status, then WATCHDOG=1 from completed control cycles at most every third of the timeout', async () => {
    const h = await harness({ watchdogMs: 6000 });
    expect(h.sent[0]).toEqual({
      at: 0,
      fields: { READY: '1', MAINPID: '4242', STATUS: 'ok: all 1 components running' },
    });
    h.until(30_000);
    // Cycles every second; a ping on the first cycle at least 2 s after the last.
    expect(h.pings()).toEqual([
      1000, 3000, 5000, 7000, 9000, 11_000, 13_000, 15_000, 17_000, 19_000, 21_000, 23_000, 25_000,
      27_000, 29_000,
    ]);
    expect(h.sent.filter((s) => s.fields.READY)).toHaveLength(1);
    // Well inside the timeout, and no warning about it.
    expect(h.log.lines().filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('a control cycle whose write hangs stops the pings (systemd restarts the process)', async () => {
    // Writes answer until 10.5 s; the write of the 11 s cycle never settles.
    const h = await harness({
      watchdogMs: 6000,
      sink: (at) => (at < 10_500 ? of<WriteResult>({ status: 'written' }) : NEVER),
    });
    h.until(60_000);
    expect(h.pings()).toEqual([1000, 3000, 5000, 7000, 9000]);
    // The last completed cycle was at 10 s; systemd would kill the process 6 s after 9 s.
    expect(h.supervisor.health().components[0]!.state).toBe('degraded');
  });

  it('while control waits for its first values, its ticks count as progress: a restart would not bring them sooner', async () => {
    const h = await harness({ watchdogMs: 6000, feedFrom: 8000 });
    h.until(20_000);
    expect(h.pings()).toEqual([
      1000, 3000, 5000, 7000, 9000, 11_000, 13_000, 15_000, 17_000, 19_000,
    ]);
  });

  it('STATUS= on a change of a component, once per distinct line; STOPPING=1 ends pings and status', async () => {
    let report: ((s: 'running' | 'degraded' | 'failed', m?: string) => void) | undefined;
    const plc: Component = {
      name: 'plc',
      start: (ctx) => {
        report = (state, message) => ctx.report(state, message);
        return Promise.resolve();
      },
      stop: () => Promise.resolve(),
    };
    const h = await harness({ watchdogMs: 6000, components: [plc] });
    h.until(2500);
    report!('degraded', 'no answer');
    report!('degraded', 'no answer, 2 polls');
    h.until(4500);
    report!('running');
    const statuses = () => h.sent.filter((s) => !s.fields.READY && s.fields.STATUS);
    expect(statuses().map((s) => s.fields.STATUS)).toEqual([
      'degraded: 1 of 2 components running; degraded: plc',
      'ok: all 2 components running',
    ]);
    h.service.stopping('SIGTERM');
    expect(h.sent.at(-1)?.fields).toEqual({ STOPPING: '1', STATUS: 'stopping (SIGTERM)' });
    const count = h.sent.length;
    report!('degraded', 'gone');
    h.until(20_000);
    expect(h.sent).toHaveLength(count);
  });

  it('warns when WatchdogSec is too short for the control cycle', async () => {
    const h = await harness({ watchdogMs: 2500 });
    expect(h.log.lines()).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: "systemd's WatchdogSec is too short for one control cycle every 1000 ms: make it at least 3 × the cycle",
      }),
    );
  });

  it('without a progress source (the simulators alone) a timer feeds the watchdog', async () => {
    const h = await harness({ watchdogMs: 6000, progress: false });
    h.until(10_000);
    expect(h.pings()).toEqual([2000, 4000, 6000, 8000, 10_000]);
  });
});

describe('SystemdService.fromEnv', () => {
  const { log } = memoryLogger();

  it('does nothing at all without NOTIFY_SOCKET, and leaves the environment alone', () => {
    const env = { WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' };
    expect(SystemdService.fromEnv(env, { log, pid: 7 })).toBeUndefined();
    expect(SystemdService.fromEnv({ ...env, NOTIFY_SOCKET: '' }, { log, pid: 7 })).toBeUndefined();
    expect(env).toEqual({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' });
  });

  it('takes the variables out of the environment, so child processes do not speak for HeatBridge', () => {
    const env: Record<string, string | undefined> = {
      NOTIFY_SOCKET: '@/org/freedesktop/systemd1/notify',
      WATCHDOG_USEC: '30000000',
      WATCHDOG_PID: '7',
      PATH: '/usr/bin',
    };
    const service = SystemdService.fromEnv(env, { log, pid: 7 });
    expect(service?.watchdog?.intervalMs).toBe(10_000);
    expect(env).toEqual({ PATH: '/usr/bin' });
  });

  it('has no watchdog when WATCHDOG_PID names another process', () => {
    const env = {
      NOTIFY_SOCKET: '/run/systemd/notify',
      WATCHDOG_USEC: '30000000',
      WATCHDOG_PID: '8',
    };
    const service = SystemdService.fromEnv(env, { log, pid: 7 });
    expect(service).toBeDefined();
    expect(service?.watchdog).toBeUndefined();
  });
});

describe('statusLine', () => {
  const c = (name: string, state: 'running' | 'degraded' | 'failed') => ({
    name,
    state,
    since: '',
  });
  it('says how many components run and names the others by state', () => {
    expect(
      statusLine({ status: 'ok', components: [c('api', 'running'), c('control', 'running')] }),
    ).toBe('ok: all 2 components running');
    expect(
      statusLine({
        status: 'failed',
        components: [
          c('api', 'running'),
          c('plc', 'degraded'),
          c('dh', 'degraded'),
          c('opcua', 'failed'),
        ],
      }),
    ).toBe('failed: 1 of 4 components running; degraded: plc, dh; failed: opcua');
  });
});
