import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createModbusAdapters, type ModbusAdapter } from '../../../src/adapters/modbus/adapter';
import { buildPointDefs, type SiteConfig } from '../../../src/config';
import { WriteGuard } from '../../../src/control/write-guard';
import type { PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import { SimHost } from '../../../simulators/host';
import { constantWeather } from '../../../simulators/weather';
import { eventually, startComponent, type Running } from '../../helpers/components';
import { memoryLogger } from '../../helpers/logger';
import { demoSiteOnFreePorts } from '../../helpers/sites';

const POLL_MS = 200;
const TIMEOUT_MS = 300;

let host: SimHost;
let site: SiteConfig;
let adapters: Running<ModbusAdapter>[];
const latest = new Map<string, Sample>();
const history: Sample[] = [];
const rejections: unknown[] = [];
const onRejection = (r: unknown): void => {
  rejections.push(r);
};

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  ({ site } = await demoSiteOnFreePorts());
  for (const d of Object.values(site.devices)) {
    if (d.protocol !== 'modbus') continue;
    d.pollIntervalMs = POLL_MS;
    d.timeoutMs = TIMEOUT_MS;
    d.reconnect = { initialDelayMs: 50, maxDelayMs: 400 };
  }
  host = new SimHost({
    site,
    log: memoryLogger().log,
    realtime: false,
    adminPort: 0,
    weather: constantWeather(-3),
  });
  await host.start();
  host.sim.advance(300);
  adapters = await Promise.all(
    createModbusAdapters(site).map(async (a) => {
      a.samples$.subscribe((s) => {
        latest.set(s.id, s);
        history.push(s);
      });
      return startComponent(a);
    }),
  );
  const readable = [...buildPointDefs(site).values()].filter(
    (d) => d.device !== 'hall1' && d.access !== 'w',
  );
  await eventually(
    () => readable.every((d) => latest.get(d.id)?.quality === 'good'),
    10_000,
    'every Modbus point good',
  );
});

afterAll(async () => {
  for (const a of adapters) await a.stop();
  await host.stop();
  process.off('unhandledRejection', onRejection);
});

const adapterFor = (id: PointId): ModbusAdapter =>
  adapters.find((a) => a.component.owns(id))!.component;

function guard(readOnly = false): WriteGuard {
  return new WriteGuard({
    defs: buildPointDefs(site),
    readOnly,
    log: memoryLogger().log,
    current: (id) => latest.get(id),
    send: (id, value) => adapterFor(id).write(id, value),
  });
}

describe('Modbus adapter vs the simulated PLC and heat meter', () => {
  it('shares one connection between the units behind one port', () => {
    expect(adapters.map((a) => a.component.name).sort()).toEqual(
      [
        `modbus tcp:127.0.0.1:${(site.devices.dh as { port: number }).port}`,
        `modbus tcp:127.0.0.1:${(site.devices.plant as { port: number }).port}`,
      ].sort(),
    );
  });

  it('reads every point with the simulator value', () => {
    for (const def of buildPointDefs(site).values()) {
      if (def.device === 'hall1' || def.access === 'w') continue;
      const key = host.sim.keyOf(def.id)!;
      const expected = host.sim.read(key)?.value ?? host.sim.readCommand(key);
      const got = latest.get(def.id)!.value;
      if (typeof expected === 'number') {
        expect({ id: def.id, diff: Math.abs(Number(got) - expected) < 0.06 }).toEqual({
          id: def.id,
          diff: true,
        });
      } else {
        expect({ id: def.id, got }).toEqual({ id: def.id, got: expected });
      }
    }
  });
});

describe('guarded writes reach the device, and only those', () => {
  it('writes an allowed setpoint, a coil and a float32 CDAB value', async () => {
    const g = guard();
    const actor = { kind: 'controller' as const, name: 'test' };
    // Within a minute's ramp (10 %/min) of the current setpoint 0, so sent unchanged.
    expect(
      await g.write({ id: 'hp1/load_setpoint' as PointId, value: 8, reason: 'test', actor }),
    ).toMatchObject({
      status: 'written',
      value: 8,
      adjusted: [],
    });
    expect(
      (await g.write({ id: 'hp1/enable' as PointId, value: true, reason: 'test', actor })).status,
    ).toBe('written');
    expect(
      (await g.write({ id: 'dh/offered_heat' as PointId, value: 1500.5, reason: 'test', actor }))
        .status,
    ).toBe('written');
    expect(host.sim.commands.heatPumps[0]).toMatchObject({ loadSetpointPct: 8, enable: true });
    expect(host.sim.commands.offeredHeatKw).toBe(1500.5);
  });

  it('writes the connection mode (a uint16 holding register) and reads it back', async () => {
    const g = guard();
    const actor = { kind: 'controller' as const, name: 'test' };
    expect(latest.get('dh/connection_mode')?.value).toBe(1); // the substation's default: supply
    expect(
      (await g.write({ id: 'dh/connection_mode' as PointId, value: 3, reason: 'test', actor }))
        .status,
    ).toBe('written');
    expect(host.sim.commands.connectionMode).toBe(3);
    await eventually(
      () => latest.get('dh/connection_mode')?.value === 3,
      5_000,
      'dh/connection_mode reads 3',
    );
    expect(
      await g.write({ id: 'dh/connection_mode' as PointId, value: 1, reason: 'test', actor }),
    ).toMatchObject({ status: 'written', value: 1 });
    expect(host.sim.commands.connectionMode).toBe(1);
  });

  it('clamps to bounds and to the rate limit; the device sees only the clamped value', async () => {
    const g = guard();
    const before = host.sim.commands.valveSetpointPct;
    const out = await g.write({
      id: 'plant/valve_setpoint' as PointId,
      value: 150,
      reason: 'test',
      actor: { kind: 'controller', name: 't' },
    });
    expect(out.status).toBe('written');
    expect(out.adjusted).toEqual([
      'clamped from 150.0 to the maximum 100.0',
      `rate-limited from 100.0 to ${(before + 20).toFixed(1)} (20/min)`,
    ]);
    expect(host.sim.commands.valveSetpointPct).toBeCloseTo(before + 20, 6);
    expect(
      host.sim.writes().some((w) => w.point === 'plant/valve_setpoint' && w.value === 150),
    ).toBe(false);
  });

  it('refuses writes outside the allowlist; they never reach the device', async () => {
    const g = guard();
    const writesBefore = host.sim.writes().length;
    const actor = { kind: 'user' as const, name: 'mallory' };
    const outcomes = await Promise.all([
      g.write({ id: 'hp1/heat_output' as PointId, value: 5, reason: 'x', actor }), // read-only point
      g.write({ id: 'hp9/load_setpoint' as PointId, value: 5, reason: 'x', actor }), // not in the config
      g.write({ id: 'hp1/enable' as PointId, value: 1, reason: 'x', actor }), // wrong type
      g.write({ id: 'hp1/load_setpoint' as PointId, value: Number.NaN, reason: 'x', actor }),
    ]);
    expect(outcomes.map((o) => [o.status, o.code])).toEqual([
      ['rejected', 'not-writable'],
      ['rejected', 'unknown-point'],
      ['rejected', 'wrong-type'],
      ['rejected', 'not-finite'],
    ]);
    const ro = await guard(true).write({
      id: 'hp1/load_setpoint' as PointId,
      value: 40,
      reason: 'x',
      actor,
    });
    expect(ro).toMatchObject({ status: 'rejected', code: 'read-only-site' });
    expect(host.sim.writes().length).toBe(writesBefore);
  });
});

describe('device faults', () => {
  it('a failed sensor makes its point bad with a clear log line; its neighbours stay good', async () => {
    const fault = host.sim.addFault({ kind: 'bad', point: 'dh/acceptance' });
    try {
      await eventually(
        () => latest.get('dh/acceptance')?.quality === 'bad',
        5_000,
        'dh/acceptance bad',
      );
      const dh = adapters.find((a) => a.component.owns('dh/flow' as PointId))!;
      expect(dh.lines()).toContainEqual(
        expect.objectContaining({
          msg: 'Modbus read failed; its points are bad',
          reason: expect.stringContaining('Modbus exception 4'),
        }),
      );
      // After the merged read is split, the other points of the meter come good again.
      await eventually(
        () =>
          latest.get('dh/flow')?.quality === 'good' &&
          latest.get('dh/acceptance')?.quality === 'bad',
        5_000,
        'neighbours good',
      );
    } finally {
      host.sim.clearFault(fault.id);
    }
    await eventually(
      () => latest.get('dh/acceptance')?.quality === 'good',
      5_000,
      'dh/acceptance good again',
    );
  });

  it('a unit that never answers delays another unit on the same connection by at most two of its timeouts', async () => {
    const fault = host.sim.addFault({ kind: 'silent', device: 'hp1' });
    try {
      await eventually(() => latest.get('hp1/load')?.quality === 'bad', 5_000, 'hp1 bad');
      // Counted in the order things happened, not timed (the machine may be loaded). A device's
      // polls coalesce, so hp2 waits at most for hp1's poll in progress and one queued ahead of
      // it: two timeouts. Were hp1's requests retried, or its polls stacked up, hp2 would wait
      // behind more.
      const connection = adapterFor('hp1/load' as PointId);
      const timeouts = (): number => (connection.details() as { timeouts: number }).timeouts;
      const t0 = timeouts();
      const from = history.length;
      await eventually(() => timeouts() - t0 >= 12, 30_000, 'twelve more timeouts of hp1');
      // Read together (synchronously), so the counter and the samples describe the same moment.
      const counted = timeouts() - t0;
      const order = history
        .slice(from)
        .filter((s) => s.id === 'hp2/load' || (s.id === 'hp1/load' && s.quality === 'bad'))
        .map((s) => (s.id === 'hp2/load' ? 'read' : 'timeout'));
      const runs = order
        .join(' ')
        .split('read')
        .map((between) => between.split(' ').filter((w) => w === 'timeout').length);
      // One request per silent poll (no retries hidden inside it), each poll's points bad once.
      expect(order.filter((w) => w === 'timeout').length).toBe(counted);
      expect(order.filter((w) => w === 'read').length).toBeGreaterThanOrEqual(4);
      expect(Math.max(...runs.slice(1, -1))).toBeLessThanOrEqual(2);
      expect(latest.get('hp2/load')!.quality).toBe('good');
      expect(adapters.find((a) => a.component.owns('hp1/load' as PointId))!.lines()).toContainEqual(
        expect.objectContaining({ reason: `no answer within ${TIMEOUT_MS} ms` }),
      );
    } finally {
      host.sim.clearFault(fault.id);
    }
    await eventually(() => latest.get('hp1/load')?.quality === 'good', 5_000, 'hp1 good again');
  });

  it('a server stopped and restarted: bad within two periods, fresh after, sockets not leaking', async () => {
    const sockets = (): number =>
      process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    const baseline = sockets();
    for (let cycle = 0; cycle < 3; cycle++) {
      const fault = host.sim.addFault({ kind: 'offline', device: 'dh' });
      await host.applyOfflineFaults();
      const down = Date.now();
      // A refused connection: its values cannot be had, so they are bad (stale is for no news).
      await eventually(
        () =>
          (latest.get('dh/flow')?.quality ?? 'good') === 'bad' &&
          latest.get('dh/flow')!.receivedAt >= down,
        2 * POLL_MS + 300,
        'dh bad',
      );
      // The PLC on its own port is unaffected.
      const plcSample = latest.get('plant/source_flow')!;
      await eventually(
        () => latest.get('plant/source_flow')!.receivedAt > plcSample.receivedAt,
        2_000,
        'plant still polled',
      );
      expect(latest.get('plant/source_flow')!.quality).toBe('good');
      host.sim.clearFault(fault.id);
      await host.applyOfflineFaults();
      const up = Date.now();
      await eventually(
        () => latest.get('dh/flow')?.quality === 'good' && latest.get('dh/flow')!.receivedAt > up,
        5_000,
        'dh fresh again',
      );
    }
    // Closed sockets leave the active handles asynchronously: wait for it, with a deadline.
    await eventually(() => sockets() <= baseline, 10_000, `at most ${baseline} sockets open`);
    expect(rejections).toEqual([]);
  });
});
