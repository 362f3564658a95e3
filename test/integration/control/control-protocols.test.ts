import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp, type HeatBridgeApp } from '../../../src/app';
import type { SiteConfig } from '../../../src/config';
import type { PointId } from '../../../src/domain/point-id';
import { SimHost } from '../../../simulators/host';
import { eventually, eventuallyAsync } from '../../helpers/components';
import { memoryLogger } from '../../helpers/logger';
import { acceleratePlant, demoSiteOnFreePorts } from '../../helpers/sites';

/**
 * End to end through the real protocols: the simulators (OPC UA and Modbus TCP servers, the
 * plant model at 5× real time), HeatBridge's adapters, the control loop, the write guard and the
 * file historian, for a few simulated minutes. Nothing here is a stand-in.
 */
const SPEED = 5;
let site: SiteConfig;
let host: SimHost;
let app: HeatBridgeApp;
let historianDir: string;
const log = memoryLogger();

beforeAll(async () => {
  const demo = await demoSiteOnFreePorts();
  site = demo.site;
  if (site.historian.type !== 'file') throw new Error('expected the file historian');
  historianDir = site.historian.dir;
  // Control in wall-clock time, plant 5× faster: cycles, heartbeats, rates and minimum times
  // scaled so the plant sees the demo's ramps and times.
  acceleratePlant(site, SPEED);
  host = new SimHost({ site, log: log.log.child({ side: 'sim' }), speed: SPEED, adminPort: 0 });
  await host.start();
  app = buildApp(site, { log: log.log });
  await app.supervisor.start();
}, 60_000);

afterAll(async () => {
  await app?.supervisor.stop();
  await host?.stop();
});

/** Line-protocol lines the file historian wrote so far. */
function historianLines(): string[] {
  return readdirSync(historianDir)
    .filter((f) => f.endsWith('.lp'))
    .flatMap((f) => readFileSync(join(historianDir, f), 'utf8').split('\n'))
    .filter(Boolean);
}

describe('control through the real protocols', () => {
  it('the PLC leaves its boot safe state once HeatBridge’s heartbeats flow, and a reset is written', async () => {
    expect(host.sim.state.watchdog.safeState).toBe(true); // the simulated PLC boots safe
    await eventually(
      () => !host.sim.state.watchdog.safeState,
      30_000,
      'the PLC to leave its safe state',
    );
    const resets = host.sim
      .writes()
      .filter((w) => w.point === 'plant/watchdog_reset' && w.accepted);
    expect(resets.length).toBeGreaterThanOrEqual(1);
    const beats = host.sim.writes().filter((w) => w.point === 'plant/heartbeat' && w.accepted);
    expect(new Set(beats.map((b) => b.value)).size).toBe(beats.length); // a new value each time
  }, 40_000);

  it('the setpoints the controllers decide arrive at the simulated PLC and heat pumps, and heat flows', async () => {
    await eventually(() => app.control.last !== undefined, 15_000, 'a first control cycle');
    // The supply setpoint goes over Modbus to both heat pumps, ramped by the write guard.
    await eventually(
      () => {
        const sp = app.control.last?.commands.find(
          (c) => c.id === 'hp1/condenser_out_setpoint',
        )?.value;
        return sp !== undefined && host.sim.commands.heatPumps[0]!.condenserSetpointC === sp;
      },
      60_000,
      'hp1 condenser setpoint to reach the decided value',
    );
    const ramp = host.sim
      .writes()
      .filter((w) => w.point === 'hp1/condenser_out_setpoint' && w.accepted);
    for (let i = 1; i < ramp.length; i++) {
      // The demo's 2 K per (simulated) minute.
      const minutes = (ramp[i]!.at - ramp[i - 1]!.at) / 60_000;
      expect(Math.abs(Number(ramp[i]!.value) - Number(ramp[i - 1]!.value))).toBeLessThanOrEqual(
        2 * minutes + 0.5,
      );
    }
    await eventually(
      () => host.sim.state.heatPumps.some((hp) => hp.mode === 'running'),
      60_000,
      'a heat pump running',
    );
    expect(host.sim.state.heatPumps.map((hp) => hp.tripReason)).toEqual([null, null]);
    expect(host.sim.commands.valveSetpointPct).toBeGreaterThan(0);
    const accepted = host.sim
      .writes()
      .filter((w) => w.accepted)
      .map((w) => w.point);
    expect(accepted).toEqual(
      expect.arrayContaining([
        'hp1/enable',
        'hp1/load_setpoint',
        'plant/valve_setpoint',
        'plant/drycooler_setpoint',
        'dh/offered_heat',
      ]),
    );
    expect(host.sim.writes().filter((w) => !w.accepted)).toEqual([]);
    // Cooling came first all along.
    expect(host.sim.state.hotC).toBeLessThan(45);
    expect(app.control.details()).toMatchObject({ safetyActive: false, heartbeat: 'ok' });
  }, 90_000);

  it('an operator override reaches the device with the operator in the audit trail, and ends', async () => {
    const o = app.control.setOverride({
      id: 'dh/offered_heat' as PointId,
      value: 123,
      durationMs: 4000,
      reason: 'commissioning test',
      actor: { kind: 'user', name: 'olli' },
    });
    await eventually(
      () => host.sim.commands.offeredHeatKw === 123,
      10_000,
      'the override at the device',
    );
    await eventually(
      () => Date.now() > o.expiresAt && host.sim.commands.offeredHeatKw !== 123,
      15_000,
      'the controller value back',
    );
    await eventually(
      () =>
        historianLines().some(
          (l) => l.startsWith('audit,') && l.includes('event=override-expired'),
        ),
      5000,
      'the override expiry in the historian',
    );
    const audit = historianLines().filter(
      (l) => l.startsWith('audit,') && l.includes('point=offered_heat'),
    );
    expect(
      audit.some(
        (l) =>
          l.includes('event=override-set') &&
          l.includes('actor="user:olli"') &&
          l.includes('reason="commissioning test"'),
      ),
    ).toBe(true);
    expect(
      audit.some(
        (l) =>
          l.includes('event=write') &&
          l.includes('actor_kind=user') &&
          l.includes('status=written'),
      ),
    ).toBe(true);
  }, 40_000);

  it('the historian holds the samples, the derived points, the control status and the controllers’ writes', async () => {
    await eventuallyAsync(
      async () => {
        const def = app.defs.get('derived/recovered_heat' as PointId)!;
        const rows = await app.historian.query(def, Date.now() - 600_000, Date.now());
        return rows.length > 5;
      },
      20_000,
      'derived/recovered_heat in the historian',
    );
    const lines = historianLines();
    expect(
      lines.some(
        (l) =>
          l.startsWith('derived,') &&
          l.includes('point=recovered_energy') &&
          l.includes('unit=kWh'),
      ),
    ).toBe(true);
    expect(
      lines.some((l) => l.startsWith('status,') && l.includes('device=control,point=dispatch')),
    ).toBe(true);
    expect(
      lines.some(
        (l) => l.startsWith('measurement,') && l.includes('device=hall1,point=cdu_supply_temp'),
      ),
    ).toBe(true);
    const writes = lines.filter((l) => l.startsWith('audit,') && l.includes('event=write'));
    expect(
      writes.some(
        (l) =>
          l.includes('point=condenser_out_setpoint') &&
          l.includes('actor="controller:supply_setpoint"'),
      ),
    ).toBe(true);
    // The heartbeat is routine: its thousands of writes are not audited one by one.
    expect(writes.filter((l) => l.includes('point=heartbeat'))).toEqual([]);
  }, 30_000);

  it('when HeatBridge stops, its heartbeat stops and the PLC takes its safe state by itself', async () => {
    await app.supervisor.stop();
    const trips = host.sim.state.watchdog.trips;
    // 15 simulated seconds of watchdog timeout at 5× real time.
    await eventually(() => host.sim.state.watchdog.safeState, 15_000, 'the PLC safe state');
    expect(host.sim.state.watchdog.trips).toBe(trips + 1);
    await eventually(
      () => host.sim.state.heatPumps.every((hp) => hp.mode !== 'running'),
      30_000,
      'heat pumps stopped by the PLC',
    );
  }, 60_000);
});
