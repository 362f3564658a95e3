import { describe, expect, it } from '@jest/globals';
import { controlSchema } from '../../../src/config/controllers';
import { cycleControllers, runCycle, type CycleState } from '../../../src/control/cycle';
import type { Override } from '../../../src/domain/operator-event';
import { plainImageValues, ProcessImage } from '../../../src/control/process-image';
import type { PointId } from '../../../src/domain/point-id';
import { SUPPLY_SETPOINT_CONTROLLER } from '../../helpers/controllers';

const control = controlSchema.parse({
  controllers: [
    // Deliberately out of order: the cycle runs them in its fixed priority order.
    {
      type: 'derived',
      name: 'kpis',
      heatPumps: [{ heatOutput: 'hp1/heat', electricPower: 'hp1/power' }],
      itPower: 'hall/it',
    },
    {
      type: 'heat-pump-dispatch',
      name: 'dispatch',
      networkAcceptance: 'dh/acceptance',
      sources: [{ flow: 'plant/flow', supplyTemp: 'plant/supply', returnTemp: 'plant/return' }],
      heatPumps: [
        {
          name: 'hp1',
          enable: 'hp1/enable',
          loadSetpoint: 'hp1/load_sp',
          running: 'hp1/running',
          tripped: 'hp1/tripped',
          heatOutput: 'hp1/heat',
          electricPower: 'hp1/power',
          condenserOut: 'hp1/cond_out',
          evaporatorIn: 'hp1/evap_in',
          capacityKw: 1000,
        },
      ],
      diverterValve: 'plant/valve',
      dryCoolerSetpoint: 'plant/dc_sp',
    },
    SUPPLY_SETPOINT_CONTROLLER,
    {
      type: 'cooling-safety',
      name: 'safety',
      supplyTemps: [{ point: 'hall/cdu_supply', limit: 45, margin: 2 }],
      diverterValve: 'plant/valve',
      dryCoolerSetpoint: 'plant/dc_sp',
    },
    { type: 'heartbeat', name: 'hb', point: 'plant/heartbeat' },
  ],
});
const controllers = cycleControllers(control.controllers);

const plant = (over: Record<string, number | boolean> = {}) => ({
  'hall/cdu_supply': 40,
  'dh/outdoor': -20,
  'dh/acceptance': 3000,
  'plant/flow': 100,
  'plant/supply': 40,
  'plant/return': 34,
  'hp1/running': false,
  'hp1/tripped': false,
  'hp1/heat': 0,
  'hp1/power': 0,
  'hp1/evap_in': 40,
  'hall/it': 2000,
  ...over,
});
const empty: CycleState = { controllers: {} };
const noOperator = { manual: new Set<string>(), overrides: [] };
const cmd = (out: ReturnType<typeof runCycle>, id: string) => out.commands.find((c) => c.id === id);

/** An image whose reading of one point throws, to make the controller reading it fail. */
class BrokenImage extends ProcessImage {
  constructor(
    values: Record<string, number | boolean>,
    now: number,
    private readonly broken: string,
  ) {
    super(plainImageValues(values, now), now);
  }
  override number(id: PointId): number | undefined {
    if (id === this.broken) throw new Error(`cannot read ${id}`);
    return super.number(id);
  }
}

describe('control cycle', () => {
  it('runs the controllers in the fixed priority order, whatever the config order; the heartbeat is not one of them', () => {
    expect(controllers.map((c) => c.type)).toEqual([
      'cooling-safety',
      'supply-setpoint',
      'heat-pump-dispatch',
      'derived',
    ]);
    const out = runCycle(ProcessImage.of(plant(), 0), empty, controllers, noOperator, 0);
    expect(out.controllers.map((c) => c.name)).toEqual(['safety', 'supply', 'dispatch', 'kpis']);
  });

  it('in normal operation every controller writes its own points, with its name as actor', () => {
    const out = runCycle(ProcessImage.of(plant(), 0), empty, controllers, noOperator, 0);
    expect(out.safetyActive).toBe(false);
    expect(cmd(out, 'hp1/sp')).toMatchObject({
      value: 85,
      actor: { kind: 'controller', name: 'supply' },
    });
    expect(cmd(out, 'hp1/enable')).toMatchObject({
      value: true,
      actor: { kind: 'controller', name: 'dispatch' },
    });
    expect(cmd(out, 'plant/valve')!.actor.name).toBe('dispatch');
    // One command per point.
    expect(new Set(out.commands.map((c) => c.id)).size).toBe(out.commands.length);
  });

  it('cooling safety wins the points it shares with dispatch, which stands down', () => {
    const out = runCycle(
      ProcessImage.of(plant({ 'hall/cdu_supply': 44 }), 0),
      empty,
      controllers,
      noOperator,
      0,
    );
    expect(out.safetyActive).toBe(true);
    expect(cmd(out, 'plant/valve')).toMatchObject({ value: 0, actor: { name: 'safety' } });
    expect(cmd(out, 'plant/dc_sp')).toMatchObject({ value: 25, actor: { name: 'safety' } });
    expect(cmd(out, 'hp1/enable')).toMatchObject({ value: false, actor: { name: 'dispatch' } });
    expect(out.alarms).toContainEqual(
      expect.objectContaining({ key: 'cooling-safety', active: true }),
    );
  });

  it('a controller that throws is reported failed with an alarm; the others go on', () => {
    const image = new BrokenImage(plant(), 0, 'dh/outdoor');
    const out = runCycle(image, empty, controllers, noOperator, 0);
    expect(out.controllers.find((c) => c.name === 'supply')).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(/cannot read dh\/outdoor/),
    });
    expect(out.alarms).toContainEqual(
      expect.objectContaining({ key: 'controller-failed:supply', active: true, priority: 'high' }),
    );
    expect(cmd(out, 'hp1/sp')).toBeUndefined();
    expect(cmd(out, 'hp1/enable')).toBeDefined(); // dispatch still ran
    expect(out.controllers.find((c) => c.name === 'kpis')!.status).not.toBe('failed');
  });

  it('a cooling safety that throws fails safe: valve to the dry coolers, critical alarm, heat recovery stands down', () => {
    const image = new BrokenImage(plant(), 0, 'hall/cdu_supply');
    const out = runCycle(image, empty, controllers, noOperator, 0);
    expect(out.safetyActive).toBe(true);
    expect(cmd(out, 'plant/valve')).toMatchObject({
      value: 0,
      actor: { name: 'safety' },
      reason: expect.stringMatching(/failing safe/),
    });
    expect(cmd(out, 'plant/dc_sp')).toMatchObject({ value: 25 });
    expect(cmd(out, 'hp1/enable')!.value).toBe(false);
    expect(out.alarms).toContainEqual(
      expect.objectContaining({
        key: 'controller-failed:safety',
        active: true,
        priority: 'critical',
      }),
    );
  });

  it('an operator override replaces the controller value, but not cooling safety’s', () => {
    const overrides: Override[] = [
      {
        id: 'hp1/sp' as PointId,
        value: 70,
        reason: 'network test',
        actor: { kind: 'user', name: 'olli' },
        since: 0,
        expiresAt: 3600_000,
      },
      {
        id: 'plant/valve' as PointId,
        value: 50,
        reason: 'valve test',
        actor: { kind: 'user', name: 'olli' },
        since: 0,
        expiresAt: 3600_000,
      },
    ];
    const normal = runCycle(
      ProcessImage.of(plant(), 0),
      empty,
      controllers,
      { manual: new Set(), overrides },
      0,
    );
    expect(cmd(normal, 'hp1/sp')).toMatchObject({
      value: 70,
      actor: { kind: 'user', name: 'olli' },
      reason: expect.stringMatching(/operator override: network test/),
    });
    expect(cmd(normal, 'plant/valve')).toMatchObject({ value: 50, actor: { kind: 'user' } });
    const hot = runCycle(
      ProcessImage.of(plant({ 'hall/cdu_supply': 44 }), 0),
      empty,
      controllers,
      { manual: new Set(), overrides },
      0,
    );
    expect(cmd(hot, 'plant/valve')).toMatchObject({ value: 0, actor: { name: 'safety' } });
    expect(cmd(hot, 'hp1/sp')!.value).toBe(70);
  });

  it('leaves devices in manual mode to the operators (cooling safety excepted)', () => {
    const manual = new Set(['hp1']);
    const out = runCycle(
      ProcessImage.of(plant(), 0),
      empty,
      controllers,
      { manual, overrides: [] },
      0,
    );
    expect(out.commands.filter((c) => c.id.startsWith('hp1/'))).toEqual([]);
    expect(cmd(out, 'plant/valve')).toBeDefined();
    const plantManual = runCycle(
      ProcessImage.of(plant({ 'hall/cdu_supply': 44 }), 0),
      empty,
      controllers,
      { manual: new Set(['plant']), overrides: [] },
      0,
    );
    expect(cmd(plantManual, 'plant/valve')).toMatchObject({ value: 0, actor: { name: 'safety' } });
  });

  it('while cooling safety acts, heat recovery standing down wins over overrides and manual mode', () => {
    const override: Override = {
      id: 'hp1/enable' as PointId,
      value: true,
      reason: 'keep it running',
      actor: { kind: 'user', name: 'olli' },
      since: 0,
      expiresAt: 3600_000,
    };
    const hot = plant({ 'hall/cdu_supply': 44 });
    const out = runCycle(
      ProcessImage.of(hot, 0),
      empty,
      controllers,
      { manual: new Set(['hp1']), overrides: [override] },
      0,
    );
    expect(cmd(out, 'hp1/enable')).toMatchObject({
      value: false,
      actor: { name: 'dispatch' },
      safety: true,
    });
    // Without the safety acting, the override holds.
    const cool = runCycle(
      ProcessImage.of(plant(), 0),
      empty,
      controllers,
      { manual: new Set(), overrides: [override] },
      0,
    );
    expect(cmd(cool, 'hp1/enable')).toMatchObject({
      value: true,
      actor: { kind: 'user' },
      safety: false,
    });
  });

  it('a dispatch that throws stands heat recovery down rather than leaving the heat pumps unsupervised', () => {
    const image = new BrokenImage(plant({ 'hp1/running': true }), 0, 'dh/acceptance');
    const out = runCycle(image, empty, controllers, noOperator, 0);
    expect(out.controllers.find((c) => c.name === 'dispatch')!.status).toBe('failed');
    expect(cmd(out, 'hp1/enable')).toMatchObject({
      value: false,
      safety: true,
      reason: expect.stringMatching(/failing safe/),
    });
    expect(cmd(out, 'plant/valve')).toMatchObject({ value: 0, safety: true });
    expect(out.alarms).toContainEqual(
      expect.objectContaining({
        key: 'controller-failed:dispatch',
        active: true,
        priority: 'critical',
      }),
    );
  });

  it('a cooling safety that failed and works again still holds for its release delay', () => {
    const failed = runCycle(
      new BrokenImage(plant(), 0, 'hall/cdu_supply'),
      empty,
      controllers,
      noOperator,
      0,
    );
    const next = runCycle(
      ProcessImage.of(plant(), 5000),
      failed.state,
      controllers,
      noOperator,
      5000,
    );
    expect(next.safetyActive).toBe(true);
    expect(next.controllers.find((c) => c.name === 'safety')!.status).toBe('active');
  });

  it('keeps each controller’s state between cycles', () => {
    let state = empty;
    let out = runCycle(
      ProcessImage.of(plant({ 'hall/cdu_supply': 44 }), 0),
      state,
      controllers,
      noOperator,
      0,
    );
    state = out.state;
    // Cooler again: the safety holds (release delay), because its state came through.
    out = runCycle(ProcessImage.of(plant(), 5000), state, controllers, noOperator, 5000);
    expect(out.safetyActive).toBe(true);
  });
});

describe('control cycle: the connection mode', () => {
  const connected = cycleControllers(
    controlSchema.parse({
      controllers: control.controllers.map((c) =>
        c.type === 'supply-setpoint'
          ? { ...c, max: 120, connection: { modes: ['supply'], reachC: 85 } }
          : c,
      ),
    }).controllers,
  );

  it('reaches dispatch in the same cycle, and a switch comes out as an event of its controller', () => {
    // Outdoor −20 °C: the curve asks 85 °C, within reach: supply, one unit starts.
    const start = runCycle(ProcessImage.of(plant(), 0), empty, connected, noOperator, 0);
    expect(cmd(start, 'hp1/enable')?.value).toBe(true);
    expect(start.events).toEqual([
      expect.objectContaining({ controller: 'supply', message: expect.stringMatching(/→ supply/) }),
    ]);
    expect(start.derived).toContainEqual({ id: 'derived/connection_mode', value: 1 });
    // The request rises above reach and supply is the only mode allowed: none, dispatch stops
    // the unit at once (the substation routes nothing to the network).
    const request = (c: (typeof connected)[number]) =>
      c.type === 'supply-setpoint'
        ? {
            ...c,
            curve: [
              { outdoor: -20, supply: 95 },
              { outdoor: 15, supply: 80 },
            ],
          }
        : c;
    const hot = connected.map(request) as typeof connected;
    const next = runCycle(
      ProcessImage.of(plant({ 'hp1/running': true }), 5000),
      start.state,
      hot,
      noOperator,
      5000,
    );
    expect(next.events[0]?.message).toMatch(/connection mode supply → none/);
    expect(cmd(next, 'hp1/enable')?.value).toBe(false);
    expect(cmd(next, 'hp1/sp')?.value).toBe(85);
  });
});
