import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OpcuaAdapter } from '../../../src/adapters/opcua/adapter';
import { buildPointDefs, type OpcuaDeviceConfig, type SiteConfig } from '../../../src/config';
import { WriteGuard } from '../../../src/control/write-guard';
import type { PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import { SimHost } from '../../../simulators/host';
import { constantWeather } from '../../../simulators/weather';
import { eventually, startComponent, type Running } from '../../helpers/components';
import { memoryLogger } from '../../helpers/logger';
import { demoSiteOnFreePorts } from '../../helpers/sites';

let host: SimHost;
let site: SiteConfig;
let hall: OpcuaDeviceConfig;
let running: Running<OpcuaAdapter>;
const latest = new Map<string, Sample>();
const rejections: unknown[] = [];
const onRejection = (r: unknown): void => {
  rejections.push(r);
};

const readableIds = (): string[] => hall.points.map((p) => `hall1/${p.name}`);

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  ({ site } = await demoSiteOnFreePorts());
  hall = site.devices.hall1 as OpcuaDeviceConfig;
  hall.publishingIntervalMs = 200;
  hall.samplingIntervalMs = 100;
  hall.reconnect = { initialDelayMs: 100, maxDelayMs: 500 };
  host = new SimHost({
    site,
    log: memoryLogger().log,
    realtime: true,
    speed: 30,
    adminPort: 0,
    weather: constantWeather(-3),
  });
  await host.start();
  const adapter = new OpcuaAdapter('hall1', hall);
  adapter.samples$.subscribe((s) => latest.set(s.id, s));
  running = await startComponent(adapter);
  await eventually(
    () => readableIds().every((id) => latest.get(id)?.quality === 'good'),
    15_000,
    'every hall point good',
  );
});

afterAll(async () => {
  await running.stop();
  await host.stop();
  process.off('unhandledRejection', onRejection);
});

describe('OPC UA adapter vs the simulated data hall', () => {
  it('monitors every point in one subscription, reporting healthy', () => {
    expect(running.component.details()).toMatchObject({ connected: true, subscriptions: 1 });
    expect(host.opcua[0]!.monitoredItemCount()).toEqual({
      sessions: 1,
      subscriptions: 1,
      monitoredItems: hall.points.length,
    });
    expect(running.reports.at(-1)).toEqual({ state: 'running' });
    // The demo's points agree with the server's DataTypes and EngineeringUnits (issue 21.13).
    const doubts = running
      .lines()
      .filter((l) => /^OPC UA point (doubtful|not used)/.test(String(l.msg)));
    expect(doubts).toEqual([]);
  });

  it('delivers the simulated values with good quality, by NodeId and by browse path', async () => {
    expect(latest.get('hall1/cdu_flow')!.value).toBeCloseTo(
      host.sim.read('hall/cdu_flow')!.value as number,
      6,
    );
    // air_supply_temp is configured by browse path.
    expect(latest.get('hall1/air_supply_temp')).toMatchObject({ quality: 'good', value: 22 });
    // it_power moves with the simulation (30× real time, diurnal profile): the first value may
    // be the model's initial one, so wait for the subscription to follow it — the same order,
    // not the same instant.
    const first = latest.get('hall1/it_power')!.ts;
    await eventually(() => latest.get('hall1/it_power')!.ts > first, 5000, 'a new it_power value');
    const simulated = host.sim.read('hall/it_power')!.value as number;
    expect(latest.get('hall1/it_power')!.value as number).toBeGreaterThan(simulated * 0.9);
    expect(latest.get('hall1/it_power')!.value as number).toBeLessThan(simulated * 1.1);
  });

  it('turns a point bad when its sensor fails, and good again', async () => {
    const fault = host.sim.addFault({ kind: 'bad', point: 'hall1/cdu_supply_temp' });
    await eventually(() => latest.get('hall1/cdu_supply_temp')?.quality === 'bad', 5_000, 'bad');
    host.sim.clearFault(fault.id);
    await eventually(
      () => latest.get('hall1/cdu_supply_temp')?.quality === 'good',
      5_000,
      'good again',
    );
  });

  it('writes through the guard in the node data type (Float, Boolean); refused writes never arrive', async () => {
    const guard = new WriteGuard({
      defs: buildPointDefs(site),
      readOnly: false,
      log: memoryLogger().log,
      send: (id, value) => running.component.write(id, value),
    });
    const actor = { kind: 'controller' as const, name: 'test' };
    expect(
      await guard.write({
        id: 'hall1/recovered_power' as PointId,
        value: 1234.5,
        reason: 'report',
        actor,
      }),
    ).toMatchObject({ status: 'written' });
    expect(
      await guard.write({
        id: 'hall1/heat_recovery_active' as PointId,
        value: true,
        reason: 'report',
        actor,
      }),
    ).toMatchObject({ status: 'written' });
    expect(host.sim.commands.hall).toEqual({ heatRecoveryActive: true, recoveredPowerKw: 1234.5 });
    const before = host.sim.writes().length;
    expect(
      await guard.write({ id: 'hall1/cdu_supply_temp' as PointId, value: 30, reason: 'no', actor }),
    ).toMatchObject({ status: 'rejected', code: 'not-writable' });
    expect(host.sim.writes().length).toBe(before);
    // The written values come back through the subscription.
    await eventually(
      () => latest.get('hall1/recovered_power')?.value === 1234.5,
      5_000,
      'written value read back',
    );
  });

  it('after server restarts: stale at once, bad when refused, fresh values after, items restored without duplicates, no leaks', async () => {
    const sockets = (): number =>
      process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    const baseline = sockets();
    for (let cycle = 0; cycle < 3; cycle++) {
      const fault = host.sim.addFault({ kind: 'offline', device: 'hall1' });
      await host.applyOfflineFaults();
      const down = Date.now();
      // "Within two periods" of the 200 ms publishing interval: stale when the connection is
      // lost (no news), bad as soon as reconnecting is refused (the values cannot be had).
      const since = (q: string[]) => () =>
        readableIds().every(
          (id) => q.includes(latest.get(id)?.quality ?? '') && latest.get(id)!.receivedAt >= down,
        );
      await eventually(since(['stale', 'bad']), 400, 'every point stale or bad');
      await eventually(since(['bad']), 5_000, 'every point bad once reconnecting is refused');
      host.sim.clearFault(fault.id);
      await host.applyOfflineFaults();
      const up = Date.now();
      await eventually(
        () =>
          readableIds().every(
            (id) => latest.get(id)?.quality === 'good' && latest.get(id)!.receivedAt > up,
          ),
        15_000,
        'fresh values after the restart',
      );
      expect(host.opcua[0]!.monitoredItemCount().monitoredItems).toBe(hall.points.length);
    }
    expect(running.component.details()).toMatchObject({
      connected: true,
      subscriptions: 1,
      connectionLosses: 3,
    });
    // Closed sockets leave the active handles asynchronously: wait for it, with a deadline.
    await eventually(() => sockets() <= baseline, 10_000, `at most ${baseline} sockets open`);
    expect(rejections).toEqual([]);
  }, 90_000);

  it('keeps unchanging values fresh through keep-alives (no false stale)', async () => {
    // cdu_flow never changes in the model; it must still be confirmed within its stale window.
    const window = buildPointDefs(site).get('hall1/cdu_flow' as PointId)!.staleAfterMs;
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, Math.min(window * 1.5, 8000)));
    const s = latest.get('hall1/cdu_flow')!;
    expect(s.quality).toBe('good');
    expect(Date.now() - s.receivedAt).toBeLessThan(window);
    expect(s.receivedAt).toBeGreaterThan(t0);
  }, 30_000);
});

describe('OPC UA adapter: polling mode, for servers without subscriptions', () => {
  it('reads every point periodically', async () => {
    const cfg: OpcuaDeviceConfig = { ...hall, mode: 'polling', pollIntervalMs: 200 };
    const got = new Map<string, Sample[]>();
    const adapter = new OpcuaAdapter('hall1', cfg);
    adapter.samples$.subscribe((s) => got.set(s.id, [...(got.get(s.id) ?? []), s]));
    const r = await startComponent(adapter);
    try {
      await eventually(() => (got.get('hall1/cdu_flow')?.length ?? 0) >= 3, 10_000, 'three polls');
      expect(adapter.details()).toMatchObject({
        mode: 'polling',
        subscriptions: 0,
        connected: true,
      });
      expect(host.opcua[0]!.monitoredItemCount().monitoredItems).toBe(hall.points.length); // only the main adapter's
      for (const id of readableIds()) expect(got.get(id)?.at(-1)?.quality).toBe('good');
    } finally {
      await r.stop();
    }
  });
});

describe('OPC UA adapter: points that cannot be read', () => {
  it('reports a missing node bad and the adapter degraded, and reads the rest', async () => {
    const cfg: OpcuaDeviceConfig = {
      ...hall,
      points: [
        { ...hall.points[0]!, name: 'ghost', nodeId: 'ns=1;s=Hall1.Nope', browsePath: undefined },
        { ...hall.points.find((p) => p.name === 'cdu_flow')! },
        { ...hall.points[0]!, name: 'lost_path', nodeId: undefined, browsePath: '/1:Hall1/1:Nope' },
      ],
    };
    const got = new Map<string, Sample>();
    const adapter = new OpcuaAdapter('probe', cfg);
    adapter.samples$.subscribe((s) => got.set(s.id, s));
    const r = await startComponent(adapter);
    try {
      await eventually(() => got.get('probe/cdu_flow')?.quality === 'good', 10_000, 'good point');
      expect(got.get('probe/ghost')!.quality).toBe('bad');
      expect(got.get('probe/lost_path')!.quality).toBe('bad');
      expect(r.reports.at(-1)).toEqual({
        state: 'degraded',
        message: '2 point(s) cannot be read; see details',
      });
      expect((adapter.details() as { problems: string[] }).problems).toEqual([
        expect.stringContaining('BadNodeIdUnknown'),
        expect.stringContaining('browse path /1:Hall1/1:Nope not found'),
      ]);
    } finally {
      await r.stop();
    }
  });
});
