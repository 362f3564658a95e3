import { describe, expect, it } from '@jest/globals';
import { supplySetpointSchema } from '../../../../src/config/controllers';
import {
  curveAt,
  supplySetpoint,
  type SupplySetpointConfig,
} from '../../../../src/control/controllers/supply-setpoint';
import { ProcessImage } from '../../../../src/control/process-image';
import type { PointId } from '../../../../src/domain/point-id';
import { sampleAt } from '../../../helpers/samples';
import type { Sample } from '../../../../src/domain/sample';

const curve = [
  { outdoor: -20, supply: 90 },
  { outdoor: 0, supply: 80 },
  { outdoor: 15, supply: 70 },
];

const cfg = supplySetpointSchema.parse({
  type: 'supply-setpoint',
  name: 'sp',
  outdoorTemp: 'dh/outdoor',
  utilityRequest: 'dh/request',
  utilityRequestMaxAgeMs: 600_000,
  curve,
  min: 65,
  max: 85,
  outputs: ['hp1/sp', 'hp2/sp'],
});

const sample = sampleAt;
const staleWindow = new Map([
  ['dh/outdoor' as PointId, { staleAfterMs: 60_000 }],
  ['dh/request' as PointId, { staleAfterMs: 3_600_000 }],
]);
const NOW = 10_000_000;
const run = (samples: Sample[], prev = supplySetpoint.init(cfg)) =>
  supplySetpoint.step(
    { image: ProcessImage.build(samples, staleWindow, NOW), now: NOW, safetyActive: false },
    prev,
    cfg,
  );

/** One step of `config` with `values` sampled at `t` (those in `bad` with quality bad), run at `now`. */
const stepWith = (
  config: SupplySetpointConfig,
  values: Record<string, number | boolean>,
  t: number,
  { now = t, bad = [] as string[] } = {},
) =>
  supplySetpoint.step(
    {
      image: ProcessImage.build(
        Object.entries(values).map(([id, v]) =>
          sample(id, v, t, bad.includes(id) ? 'bad' : 'good'),
        ),
        new Map(),
        now,
      ),
      now,
      safetyActive: false,
    },
    supplySetpoint.init(config),
    config,
  );

describe('supply setpoint: the outdoor curve', () => {
  it.each([
    [-30, 90], // flat beyond the cold end
    [-20, 90],
    [-10, 85],
    [0, 80],
    [7.5, 75],
    [15, 70],
    [25, 70], // flat beyond the warm end
  ])('outdoor %p °C → %p °C', (outdoor, supply) => {
    expect(curveAt(curve, outdoor)).toBeCloseTo(supply, 9);
  });
});

describe('supply setpoint controller', () => {
  it.each([
    [
      'a fresh utility request wins',
      [sample('dh/request', 78, NOW - 60_000), sample('dh/outdoor', -10, NOW)],
      78,
      'utility',
      'ok',
    ],
    [
      'an old utility request gives way to the curve',
      [sample('dh/request', 78, NOW - 700_000), sample('dh/outdoor', -10, NOW)],
      85,
      'curve',
      'ok',
    ],
    [
      'a bad utility request gives way to the curve',
      [sample('dh/request', 78, NOW, 'bad'), sample('dh/outdoor', 7.5, NOW)],
      75,
      'curve',
      'ok',
    ],
    ['no request: the curve', [sample('dh/outdoor', 0, NOW)], 80, 'curve', 'ok'],
    ['clamped to max', [sample('dh/request', 95, NOW)], 85, 'utility', 'ok'],
    [
      'clamped to min',
      [sample('dh/outdoor', 30, NOW), sample('dh/request', 50, NOW)],
      65,
      'utility',
      'ok',
    ],
    ['rounded to half kelvin', [sample('dh/outdoor', 3.1, NOW)], 78, 'curve', 'ok'], // 77.93 → 78
    [
      'nothing usable, nothing before: the maximum',
      [sample('dh/outdoor', 0, NOW - 120_000)],
      85,
      'held',
      'degraded',
    ],
  ] as const)('%s', (_label, samples, expected, source, status) => {
    const out = run([...samples]);
    expect(out.state).toEqual({ lastC: expected, source, requestedC: expected });
    expect(out.status).toBe(status);
    expect(out.commands).toEqual([
      { id: 'hp1/sp', value: expected, reason: expect.any(String) },
      { id: 'hp2/sp', value: expected, reason: expect.any(String) },
    ]);
  });

  it('holds the last setpoint when both inputs are lost', () => {
    const first = run([sample('dh/outdoor', 7.5, NOW)]);
    expect(first.state.lastC).toBe(75);
    const second = run([sample('dh/outdoor', 7.5, NOW, 'bad')], first.state);
    expect(second.state).toEqual({ lastC: 75, source: 'held', requestedC: 75 });
    expect(second.message).toMatch(/holding/);
  });

  it('says why in the command reason', () => {
    expect(run([sample('dh/request', 78, NOW)]).commands[0]!.reason).toBe('utility requests 78 °C');
    expect(run([sample('dh/outdoor', -10, NOW)]).commands[0]!.reason).toBe(
      'outdoor -10.0 °C on the supply curve',
    );
  });
});

describe('supply setpoint: the day-ahead plan', () => {
  const planned = supplySetpointSchema.parse({
    ...cfg,
    planSupplyTemp: 'utility/plan_supply_temp',
    planActive: 'utility/plan_active',
  });
  const step = (values: Record<string, number | boolean>, qualityBad: string[] = []) =>
    stepWith(planned, values, NOW, { bad: qualityBad });

  it('the plan’s temperature wins over the utility’s request while the plan is active', () => {
    const out = step({
      'utility/plan_active': true,
      'utility/plan_supply_temp': 72,
      'dh/request': 78,
      'dh/outdoor': -10,
    });
    expect(out.state).toMatchObject({ lastC: 72, source: 'plan' });
    expect(out.commands[0]!.reason).toBe('the plan requests 72 °C');
  });

  it('without an active plan (or its temperature), the request or the curve, visibly', () => {
    const inactive = step({
      'utility/plan_active': false,
      'utility/plan_supply_temp': 72,
      'dh/outdoor': -10,
    });
    expect(inactive.state).toMatchObject({ lastC: 85, source: 'curve' });
    expect(inactive.message).toMatch(/on the supply curve \(no plan for this hour\)/);
    const noTemp = step(
      { 'utility/plan_active': true, 'utility/plan_supply_temp': 72, 'dh/request': 78 },
      ['utility/plan_supply_temp'],
    );
    expect(noTemp.state).toMatchObject({ lastC: 78, source: 'utility' });
  });

  it('planSupplyTemp and planActive go together', () => {
    const r = supplySetpointSchema.safeParse({
      ...cfg,
      planSupplyTemp: 'utility/plan_supply_temp',
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['planActive']);
  });
});

describe('supply setpoint: anticipating the next plan hour', () => {
  const ahead = supplySetpointSchema.parse({
    ...cfg,
    planSupplyTemp: 'utility/plan_supply_temp',
    planActive: 'utility/plan_active',
    planNextSupplyTemp: 'utility/plan_next_supply_temp',
  });
  const HOUR = 3_600_000;
  const plan = (now: number, next: number) => ({
    'utility/plan_active': true,
    'utility/plan_supply_temp': now,
    'utility/plan_next_supply_temp': next,
  });
  const at = (minutesBeforeHour: number, now: number, next: number) =>
    stepWith(ahead, plan(now, next), 5 * HOUR - minutesBeforeHour * 60_000);

  it('holds the hour’s temperature until anticipateMinutes (8) before the next hour', () => {
    expect(at(20, 74, 70).state.lastC).toBe(74);
    expect(at(8, 74, 70).state.lastC).toBe(74);
  });

  it('falls all the way to a lower next hour by the hour, rising only halfway to a higher one', () => {
    // 4 min before: halfway through the window.
    expect(at(4, 74, 70).state.lastC).toBe(72);
    expect(at(0.05, 74, 70).state.lastC).toBe(70);
    expect(at(4, 70, 74).state.lastC).toBe(71);
    expect(at(0.05, 70, 74).state.lastC).toBe(72);
    expect(at(4, 74, 70).commands[0]!.reason).toBe(
      "the plan requests 74 °C, 72 °C on the way to the next hour's 70 °C",
    );
  });

  it('without the next hour, or with anticipateMinutes 0, the hour’s temperature stands', () => {
    const t = 5 * HOUR - 60_000;
    const none = supplySetpointSchema.parse({ ...ahead, anticipateMinutes: 0 });
    expect(stepWith(none, plan(74, 70), t).state.lastC).toBe(74);
    expect(at(1, 74, 74).state.lastC).toBe(74);
    // The next hour's temperature bad (the plan has none): nothing to anticipate.
    const bad = stepWith(ahead, plan(74, 70), t, { bad: ['utility/plan_next_supply_temp'] });
    expect(bad.state.lastC).toBe(74);
  });

  it('the hour is the plan sample’s: read in the next hour’s first cycle, an old sample stays anticipated', () => {
    const out = stepWith(ahead, plan(74, 70), 5 * HOUR - 1000, { now: 5 * HOUR + 2000 });
    expect(out.state.lastC).toBe(70);
  });

  it('with connection modes, the mode is decided on the hour’s own request: no early switch at the reach', () => {
    const both = supplySetpointSchema.parse({
      ...ahead,
      max: 120,
      connection: {
        modes: ['supply', 'top-up'],
        reachC: 85,
        networkReturn: 'dh/network_return',
        evaporatorIn: 'plant/source_supply',
      },
    });
    // 83 °C now, 90 °C (above the reach) next hour: 2 minutes before the hour.
    const out = stepWith(
      both,
      { ...plan(83, 90), 'dh/network_return': 45, 'plant/source_supply': 45 },
      5 * HOUR - 2 * 60_000,
    );
    expect(out.state.connection).toMatchObject({ mode: 'supply', requestedC: 83 });
    // Halfway up by the hour would be 86.5: three quarters of the way there, capped at the reach.
    expect(out.state.lastC).toBe(85);
    expect(out.commands[0]).toMatchObject({ id: 'hp1/sp', value: 85 });
  });
});

describe('supply setpoint: connection modes', () => {
  const connected = supplySetpointSchema.parse({
    ...cfg,
    max: 120,
    connection: {
      modes: ['supply', 'top-up', 'return'],
      modeOutput: 'dh/connection_mode',
      reachC: 85,
      networkReturn: 'dh/network_return',
      evaporatorIn: 'plant/source_supply',
    },
  });
  const T = Date.UTC(2021, 0, 15, 10);
  const step = (values: Record<string, number>, prev = supplySetpoint.init(connected), now = T) =>
    supplySetpoint.step(
      { image: ProcessImage.of(values, now), now, safetyActive: false },
      prev,
      connected,
    );
  const plant = { 'dh/network_return': 45, 'plant/source_supply': 45 };

  it('a request above reach: the condenser setpoint stays at reach, the utility tops up', () => {
    const out = step({ ...plant, 'dh/request': 110 });
    expect(out.state.requestedC).toBe(110);
    expect(out.state.lastC).toBe(85);
    expect(out.state.connection).toMatchObject({ mode: 'top-up', setpointC: 85 });
    expect(out.commands).toEqual([
      { id: 'hp1/sp', value: 85, reason: expect.stringMatching(/utility requests 110 °C/) },
      { id: 'hp2/sp', value: 85, reason: expect.any(String) },
      {
        id: 'dh/connection_mode',
        value: 3,
        reason: expect.stringMatching(
          /^connection mode \(start\) → top-up: top-up: we deliver 85 °C/,
        ),
      },
    ]);
    expect(out.derived).toEqual([{ id: 'derived/connection_mode', value: 3 }]);
    expect(out.message).toMatch(/^connection top-up since 10:00 UTC, condenser setpoint 85 °C/);
    expect(out.events).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/→ top-up/),
        fields: expect.objectContaining({ from: null, to: 'top-up' }),
      }),
    ]);
  });

  it('every switch is an event; a cycle without one has none', () => {
    const first = step({ ...plant, 'dh/request': 80 });
    expect(first.state.connection?.mode).toBe('supply');
    const same = step({ ...plant, 'dh/request': 81 }, first.state, T + 5000);
    expect(same.events).toBeUndefined();
    expect(same.state.lastC).toBe(81);
    const up = step({ ...plant, 'dh/request': 95 }, same.state, T + 10_000);
    expect(up.state.connection?.mode).toBe('top-up');
    expect(up.events?.[0]?.message).toMatch(
      /connection mode supply → top-up: .*request 95 °C above reach 85 °C/,
    );
    expect(up.commands.find((c) => c.id === 'dh/connection_mode')?.value).toBe(3);
  });

  it('never writes a setpoint above reach, whatever the request and the mode', () => {
    let state = supplySetpoint.init(connected);
    for (let i = 0; i < 200; i++) {
      const request = 60 + ((i * 7) % 60); // 60–119 °C, jumping around
      const out = step({ ...plant, 'dh/request': request }, state, T + i * 60_000);
      state = out.state;
      for (const c of out.commands.filter((c) => c.id.endsWith('/sp')))
        expect(c.value as number).toBeLessThanOrEqual(85);
    }
  });
});
