import { describe, expect, it, jest } from '@jest/globals';
import type { Component, ComponentContext } from '../../../src/runtime/component';
import { StartupError, Supervisor, dependencyOrder } from '../../../src/runtime/supervisor';
import { memoryLogger } from '../../helpers/logger';

/** A component that records its life cycle into a shared journal and can be told to misbehave. */
function component(
  journal: string[],
  name: string,
  opts: {
    dependsOn?: string[];
    critical?: boolean;
    failStart?: boolean;
    hangStop?: boolean;
    onStart?: (ctx: ComponentContext) => void;
  } = {},
): Component {
  return {
    name,
    ...(opts.dependsOn ? { dependsOn: opts.dependsOn } : {}),
    ...(opts.critical ? { critical: true } : {}),
    start(ctx) {
      journal.push(`start ${name}`);
      opts.onStart?.(ctx);
      return opts.failStart ? Promise.reject(new Error(`${name} is broken`)) : Promise.resolve();
    },
    stop() {
      journal.push(`stop ${name}`);
      return opts.hangStop ? new Promise<void>(() => undefined) : Promise.resolve();
    },
  };
}

const clock = (): (() => number) => {
  let t = Date.UTC(2026, 0, 1);
  return () => (t += 1000);
};

describe('dependency order', () => {
  it('starts dependencies first and keeps the given order otherwise', () => {
    const j: string[] = [];
    const order = dependencyOrder([
      component(j, 'api'),
      component(j, 'control', { dependsOn: ['adapters', 'historian'] }),
      component(j, 'adapters'),
      component(j, 'historian'),
    ]).map((c) => c.name);
    expect(order).toEqual(['api', 'adapters', 'historian', 'control']);
  });

  it('refuses cycles, unknown dependencies and duplicate names', () => {
    const j: string[] = [];
    expect(() =>
      dependencyOrder([
        component(j, 'a', { dependsOn: ['b'] }),
        component(j, 'b', { dependsOn: ['a'] }),
      ]),
    ).toThrow('dependency cycle: a → b → a');
    expect(() => dependencyOrder([component(j, 'a', { dependsOn: ['ghost'] })])).toThrow(
      'depends on unknown component "ghost"',
    );
    expect(() => dependencyOrder([component(j, 'a'), component(j, 'a')])).toThrow('duplicate');
  });
});

describe('supervisor', () => {
  it('starts in dependency order and stops in reverse', async () => {
    const j: string[] = [];
    const { log } = memoryLogger();
    const sup = new Supervisor(
      [
        component(j, 'api'),
        component(j, 'control', { dependsOn: ['adapters'] }),
        component(j, 'adapters'),
      ],
      { log, now: clock() },
    );
    expect(sup.health().status).toBe('starting');
    await sup.start();
    expect(sup.health()).toMatchObject({
      status: 'ok',
      components: [
        { name: 'api', state: 'running' },
        { name: 'adapters', state: 'running' },
        { name: 'control', state: 'running' },
      ],
    });
    expect(await sup.stop()).toEqual({ clean: true });
    expect(j).toEqual([
      'start api',
      'start adapters',
      'start control',
      'stop control',
      'stop adapters',
      'stop api',
    ]);
    expect(sup.health().components.map((c) => c.state)).toEqual(['stopped', 'stopped', 'stopped']);
  });

  it('isolates a failing component: logged, reported, dependents not started, others run', async () => {
    const j: string[] = [];
    const { log, lines } = memoryLogger();
    const sup = new Supervisor(
      [
        component(j, 'api', { critical: true }),
        component(j, 'historian', { failStart: true }),
        component(j, 'reports', { dependsOn: ['historian'] }),
        component(j, 'control'),
      ],
      { log, now: clock() },
    );
    await sup.start();
    const health = sup.health();
    expect(health.status).toBe('failed');
    expect(health.components).toEqual([
      expect.objectContaining({ name: 'api', state: 'running' }),
      expect.objectContaining({
        name: 'historian',
        state: 'failed',
        message: 'historian is broken',
      }),
      expect.objectContaining({
        name: 'reports',
        state: 'failed',
        message: 'not started: depends on historian, which is not running',
      }),
      expect.objectContaining({ name: 'control', state: 'running' }),
    ]);
    expect(j).toEqual(['start api', 'start historian', 'start control']);
    expect(lines()).toContainEqual(
      expect.objectContaining({ component: 'historian', msg: 'component failed to start' }),
    );
    await sup.stop();
    // Only what started is stopped; the failed component keeps its reason.
    expect(j.slice(3)).toEqual(['stop control', 'stop api']);
    expect(sup.health().components[1]).toMatchObject({
      state: 'failed',
      message: 'historian is broken',
    });
  });

  it('a critical component that cannot start stops what started and throws', async () => {
    const j: string[] = [];
    const { log } = memoryLogger();
    const sup = new Supervisor(
      [
        component(j, 'spool'),
        component(j, 'api', { critical: true, failStart: true }),
        component(j, 'late'),
      ],
      { log, now: clock() },
    );
    await expect(sup.start()).rejects.toBeInstanceOf(StartupError);
    expect(j).toEqual(['start spool', 'start api', 'stop spool']);
  });

  it('bounds the shutdown: a component that hangs is abandoned and reported, the rest stop', async () => {
    const j: string[] = [];
    const { log } = memoryLogger();
    const sup = new Supervisor([component(j, 'api'), component(j, 'stuck', { hangStop: true })], {
      log,
      stopTimeoutMs: 50,
    });
    await sup.start();
    expect(await sup.stop()).toEqual({ clean: false });
    expect(j).toEqual(['start api', 'start stuck', 'stop stuck', 'stop api']);
    expect(sup.health().components).toEqual([
      expect.objectContaining({ name: 'api', state: 'stopped' }),
      expect.objectContaining({
        name: 'stuck',
        state: 'failed',
        message: expect.stringMatching(/did not stop cleanly: timed out/),
      }),
    ]);
  });

  it('takes runtime reports from components: degraded, recovered, failed', async () => {
    const j: string[] = [];
    const { log, lines } = memoryLogger();
    let ctx: ComponentContext | undefined;
    const sup = new Supervisor([component(j, 'adapters', { onStart: (c) => (ctx = c) })], {
      log,
      now: clock(),
    });
    await sup.start();
    ctx!.report('degraded', 'plc unreachable');
    expect(sup.health()).toMatchObject({
      status: 'degraded',
      components: [{ state: 'degraded', message: 'plc unreachable' }],
    });
    ctx!.report('running');
    expect(sup.health()).toMatchObject({ status: 'ok', components: [{ state: 'running' }] });
    expect(sup.health().components[0]).not.toHaveProperty('message');
    ctx!.report('failed', 'gave up');
    expect(sup.health().status).toBe('failed');
    expect(lines().map((l) => l.msg)).toEqual(
      expect.arrayContaining(['component degraded', 'component recovered', 'component failed']),
    );
    await sup.stop();
    ctx!.report('running'); // late reports after stop change nothing
    expect(sup.health().components[0]).toMatchObject({ state: 'failed', message: 'gave up' });
  });

  it('a device connecting in the background is not "ok" until it says it is (issue 21)', async () => {
    const j: string[] = [];
    const { log, lines } = memoryLogger();
    let ctx: ComponentContext | undefined;
    const device = {
      ...component(j, 'opcua hall1', { onStart: (c) => (ctx = c) }),
      readyWhenReported: true,
    };
    const sup = new Supervisor([device, component(j, 'control', { dependsOn: ['opcua hall1'] })], {
      log,
      now: clock(),
    });
    await sup.start();
    // Started, not connected: health says so (503), and what depends on it starts anyway.
    expect(sup.health()).toMatchObject({
      status: 'starting',
      components: [
        { name: 'opcua hall1', state: 'starting', message: expect.stringContaining('connecting') },
        { name: 'control', state: 'running' },
      ],
    });
    ctx!.report('degraded', 'opc.tcp://127.0.0.1:4840: connection refused');
    expect(sup.health().status).toBe('degraded');
    ctx!.report('running');
    expect(sup.health().status).toBe('ok');
    expect(lines().map((l) => l.msg)).toContain('component degraded');
    await sup.stop();
  });

  it('a device whose first connect hangs is degraded after the start timeout, not starting forever', async () => {
    jest.useFakeTimers();
    try {
      const j: string[] = [];
      const device = { ...component(j, 'modbus plc'), readyWhenReported: true };
      const sup = new Supervisor([device], {
        log: memoryLogger().log,
        now: clock(),
        startTimeoutMs: 30_000,
      });
      await sup.start();
      expect(sup.health().status).toBe('starting');
      jest.advanceTimersByTime(30_000);
      expect(sup.health()).toMatchObject({
        status: 'degraded',
        components: [{ state: 'degraded', message: expect.stringContaining('not ready 30 s') }],
      });
      await sup.stop();
    } finally {
      jest.useRealTimers();
    }
  });

  it('a device that never reports turns degraded even while later components are still starting', async () => {
    jest.useFakeTimers();
    try {
      const j: string[] = [];
      // Two slow components after the device: start goes on past the device's start timeout.
      const slow = (name: string): Component => ({
        name,
        start: () => new Promise<void>((r) => setTimeout(r, 20_000)),
        stop: () => Promise.resolve(),
      });
      const device = { ...component(j, 'opcua hall1'), readyWhenReported: true };
      const sup = new Supervisor([device, slow('a'), slow('b')], {
        log: memoryLogger().log,
        now: clock(),
        startTimeoutMs: 30_000,
      });
      const started = sup.start();
      await jest.advanceTimersByTimeAsync(41_000);
      await started;
      expect(sup.health().components[0]).toMatchObject({
        name: 'opcua hall1',
        state: 'degraded',
        message: expect.stringContaining('not ready 30 s'),
      });
      await sup.stop();
    } finally {
      jest.useRealTimers();
    }
  });

  it('a stop during start waits for the component being started and stops it too', async () => {
    const j: string[] = [];
    const { log } = memoryLogger();
    let release: () => void = () => undefined;
    const slow: Component = {
      name: 'slow',
      start: () => {
        j.push('start slow');
        return new Promise<void>((r) => (release = r));
      },
      stop: () => {
        j.push('stop slow');
        return Promise.resolve();
      },
    };
    const sup = new Supervisor([slow, component(j, 'never')], { log });
    const started = sup.start();
    const stopped = sup.stop();
    release();
    await started;
    await stopped;
    expect(j).toEqual(['start slow', 'stop slow']);
  });

  it('includes component details in health, and survives a details() that throws', async () => {
    const { log } = memoryLogger();
    const withDetails: Component = {
      name: 'historian',
      start: () => Promise.resolve(),
      stop: () => Promise.resolve(),
      details: () => ({ backlogLines: 12 }),
    };
    const broken: Component = {
      name: 'broken',
      start: () => Promise.resolve(),
      stop: () => Promise.resolve(),
      details: () => {
        throw new Error('oops');
      },
    };
    const sup = new Supervisor([withDetails, broken], { log });
    await sup.start();
    expect(sup.health().components.map((c) => c.details)).toEqual([
      { backlogLines: 12 },
      { error: 'details unavailable: oops' },
    ]);
    await sup.stop();
  });
});

describe('a start that times out', () => {
  it('is stopped at the supervisor’s stop, as it may still open ports and timers; one that failed is not', async () => {
    const journal: string[] = [];
    const slow: Component = {
      name: 'slow',
      // Never settles within the start timeout: it is still going when the supervisor gives up.
      start: () => new Promise<void>((resolve) => setTimeout(resolve, 200)),
      stop: () => {
        journal.push('stop slow');
        return Promise.resolve();
      },
    };
    const sup = new Supervisor(
      [component(journal, 'a'), slow, component(journal, 'broken', { failStart: true })],
      { log: memoryLogger().log, startTimeoutMs: 20, stopTimeoutMs: 1000 },
    );
    await sup.start();
    expect(sup.health().components.find((c) => c.name === 'slow')).toMatchObject({
      state: 'failed',
    });
    await sup.stop();
    expect(journal).toEqual(['start a', 'start broken', 'stop slow', 'stop a']);
  });
});
