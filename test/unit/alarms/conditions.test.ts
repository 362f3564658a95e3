import { describe, expect, it } from '@jest/globals';
import { VirtualTimeScheduler } from 'rxjs';
import { AlarmEngine } from '../../../src/alarms/alarm-engine';
import { AlarmList } from '../../../src/alarms/alarm-list';
import {
  evaluateConditions,
  type ConditionInputs,
  type ConditionsState,
  type JudgedValue,
} from '../../../src/alarms/conditions';
import {
  alarmDefinitionSchema,
  ALARMS_DEFAULTS,
  type AlarmDefinition,
} from '../../../src/config/alarms';
import type { PointDef } from '../../../src/domain/point';
import type { PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import { memoryLogger } from '../../helpers/logger';

const def = (d: Record<string, unknown>): AlarmDefinition => alarmDefinitionSchema.parse(d);

/** Runs a definition over a series of [time, value, quality?] and returns when it changed. */
function run(
  d: AlarmDefinition,
  series: [number, JudgedValue['value'], JudgedValue['quality']?][],
): string[] {
  let state: ConditionsState = {};
  const out: string[] = [];
  for (const [t, value, quality] of series) {
    const inputs: ConditionInputs = {
      value: () => ({ value, quality: quality ?? 'good' }),
      devicePoints: () => ['d/a', 'd/b'],
    };
    const r = evaluateConditions([d], inputs, state, t);
    state = r.state;
    for (const c of r.changes) out.push(`${t}:${c.active ? 'on' : 'off'}`);
  }
  return out;
}

describe('alarm conditions', () => {
  const high = def({ type: 'limit', name: 'h', point: 'a/b', high: 45, deadband: 1 });

  it('a high limit raises above it and clears only a deadband below', () => {
    expect(
      run(high, [
        [0, 44],
        [1, 45.5],
        [2, 44.5], // inside the deadband: stays
        [3, 45.2],
        [4, 43.9], // below 44: clears
      ]),
    ).toEqual(['1:on', '4:off']);
  });

  it('a low limit, and both limits on one point', () => {
    const low = def({ type: 'limit', name: 'l', point: 'a/b', low: 10, deadband: 2 });
    expect(
      run(low, [
        [0, 11],
        [1, 9],
        [2, 11],
        [3, 12.5],
      ]),
    ).toEqual(['1:on', '3:off']);
    const both = def({ type: 'limit', name: 'b', point: 'a/b', low: 10, high: 20 });
    expect(
      run(both, [
        [0, 15],
        [1, 21],
        [2, 15],
        [3, 9],
      ]),
    ).toEqual(['1:on', '2:off', '3:on']);
  });

  it('an on delay keeps a short excursion quiet; an off delay keeps a chattering value raised', () => {
    const d = def({
      type: 'limit',
      name: 'h',
      point: 'a/b',
      high: 45,
      onDelayMs: 30_000,
      offDelayMs: 60_000,
    });
    expect(
      run(d, [
        [0, 46],
        [20_000, 44],
        [40_000, 44],
      ]),
    ).toEqual([]); // 20 s above: nothing
    expect(
      run(d, [
        [0, 46],
        [29_999, 46],
        [30_000, 46], // 30 s above: raised
        [40_000, 44],
        [70_000, 46], // back above before the off delay: no clear, no new raise
        [80_000, 44],
        [139_999, 44],
        [140_000, 44], // 60 s below: cleared
      ]),
    ).toEqual(['30000:on', '140000:off']);
  });

  it('a bad or stale value leaves a limit alarm as it is (the quality alarm speaks then)', () => {
    expect(
      run(high, [
        [0, 46],
        [1, 20, 'bad'],
        [2, 20, 'stale'],
        [3, 20],
      ]),
    ).toEqual(['0:on', '3:off']);
  });

  it('quality: stale or bad or missing raises; a device is offline when none of its points is good', () => {
    const q = def({ type: 'quality', name: 'q', point: 'a/b', onDelayMs: 5000 });
    expect(
      run(q, [
        [0, 1, 'stale'],
        [5000, 1, 'stale'],
        [6000, 1, 'good'],
      ]),
    ).toEqual(['5000:on', '6000:off']);
    const onlyBad = def({ type: 'quality', name: 'q', point: 'a/b', when: ['bad'] });
    expect(
      run(onlyBad, [
        [0, 1, 'stale'],
        [1, 1, 'bad'],
      ]),
    ).toEqual(['1:on']);
    const device = def({ type: 'quality', name: 'off', device: 'd' });
    const inputs = (qa: JudgedValue['quality'], qb: JudgedValue['quality']): ConditionInputs => ({
      value: (id) => ({ value: 1, quality: id === 'd/a' ? qa : qb }),
      devicePoints: () => ['d/a', 'd/b'],
    });
    const one = evaluateConditions([device], inputs('bad', 'good'), {}, 0);
    expect(one.changes).toEqual([]);
    const all = evaluateConditions([device], inputs('bad', 'missing'), one.state, 1);
    expect(all.changes).toEqual([
      expect.objectContaining({
        key: 'off',
        active: true,
        message: 'device d offline: no good value',
      }),
    ]);
  });

  it('state: equal to one of the listed values (a tripped heat pump)', () => {
    const s = def({ type: 'state', name: 't', point: 'hp1/state', in: [4], priority: 'critical' });
    expect(
      run(s, [
        [0, 2],
        [1, 4],
        [2, 4],
        [3, 0],
      ]),
    ).toEqual(['1:on', '3:off']);
  });

  it('counter: raised when it goes up, normal after clearAfterMs without', () => {
    const c = def({
      type: 'counter',
      name: 'drops',
      point: 'historian/dropped_lines',
      clearAfterMs: 10_000,
    });
    expect(
      run(c, [
        [0, 5], // the first reading is the baseline, not an increase
        [1000, 5],
        [2000, 7],
        [8000, 7],
        [9000, 9], // up again: the clock restarts
        [18_999, 9],
        [19_000, 9],
      ]),
    ).toEqual(['2000:on', '19000:off']);
  });

  describe('limit alarm text (issue 21: "dh/supply_temp below 60 (60.18)")', () => {
    const supply = def({
      type: 'limit',
      name: 'network_supply_low',
      point: 'dh/supply_temp',
      low: 60,
      deadband: 1,
      onDelayMs: 300_000,
      offDelayMs: 120_000,
    });
    /** [time, value] through the definition; the messages of the changes, at their times. */
    const messages = (d: AlarmDefinition, series: [number, number][]): string[] => {
      let state: ConditionsState = {};
      const out: string[] = [];
      for (const [t, value] of series) {
        const inputs: ConditionInputs = {
          value: () => ({ value, quality: 'good' }),
          devicePoints: () => [],
          presentation: () => ({ unit: 'degC' }),
        };
        const r = evaluateConditions([d], inputs, state, t);
        state = r.state;
        for (const c of r.changes) out.push(`${t}: ${c.message}`);
      }
      return out;
    };

    it('the on delay counts time beyond the limit, not time inside the deadband', () => {
      // A dip below 60, then 60.18 for five minutes: never five minutes below the limit.
      expect(
        messages(supply, [
          [0, 59.9],
          [60_000, 60.18],
          [300_000, 60.18],
          [360_000, 60.18],
        ]),
      ).toEqual([]);
    });

    it('says the value and the limit with the unit, at the resolution, and which side', () => {
      expect(
        messages(supply, [
          [0, 59.84],
          [300_000, 59.81234],
          [400_000, 60.5], // inside the deadband: still active
          [500_000, 61.04],
          [620_000, 61.2],
        ]),
      ).toEqual([
        '300000: dh/supply_temp 59.8 °C below low limit 60.0 °C',
        '620000: dh/supply_temp 61.2 °C back within its limits (low limit 60.0 °C)',
      ]);
      const both = def({ type: 'limit', name: 'b', point: 'a/t', low: 10, high: 20 });
      expect(messages(both, [[0, 21.26]])).toEqual(['0: a/t 21.3 °C above high limit 20.0 °C']);
    });
  });

  it('refuses a limit without limits and a quality alarm with both point and device', () => {
    expect(
      alarmDefinitionSchema.safeParse({ type: 'limit', name: 'x', point: 'a/b' }).success,
    ).toBe(false);
    expect(
      alarmDefinitionSchema.safeParse({ type: 'quality', name: 'x', point: 'a/b', device: 'a' })
        .success,
    ).toBe(false);
  });
});

describe('alarm engine', () => {
  const pointDef = (id: string): PointDef =>
    ({
      id,
      device: id.split('/')[0],
      name: id.split('/')[1],
      unit: 'degC',
      kind: 'measurement',
      access: 'r',
      staleAfterMs: 10_000,
    }) as unknown as PointDef;

  it('evaluates definitions on its own clock, and clears control alarms not raised again after a restart', async () => {
    const scheduler = new VirtualTimeScheduler(undefined, 1e9);
    const now = () => scheduler.now();
    // Before the restart: control had raised cooling-safety.
    const before = new AlarmList();
    before.apply({
      key: 'cooling-safety',
      active: true,
      priority: 'critical',
      message: 'acting',
      at: 0,
      source: 'control',
    });
    before.apply({
      key: 'controller-failed:dispatch',
      active: true,
      priority: 'high',
      message: 'failed',
      at: 0,
      source: 'control',
    });
    const alarms = new AlarmList({ initial: before.snapshot() });
    const latest = new Map<string, Sample>();
    const engine = new AlarmEngine({
      config: {
        ...ALARMS_DEFAULTS,
        confirmAfterMs: 60_000,
        definitions: [
          def({ type: 'limit', name: 'hot', point: 'hall/t', high: 45, onDelayMs: 5000 }),
        ],
      },
      alarms,
      defs: new Map([['hall/t' as PointId, pointDef('hall/t')]]),
      latest: { get: (id) => latest.get(id) },
      now,
      scheduler,
    });
    await engine.start({ log: memoryLogger().log, report: () => undefined });
    latest.set('hall/t', {
      id: 'hall/t' as PointId,
      value: 47,
      ts: 0,
      receivedAt: 0,
      quality: 'good',
    });
    engine.confirmed('cooling-safety'); // control raised it again after the restart
    // Advance 61 s of virtual time, keeping the value fresh.
    for (let t = 1000; t <= 61_000; t += 1000) {
      latest.set('hall/t', {
        id: 'hall/t' as PointId,
        value: 47,
        ts: t,
        receivedAt: t,
        quality: 'good',
      });
      scheduler.maxFrames = t;
      scheduler.flush();
    }
    expect(alarms.get('hot')).toMatchObject({
      state: 'active-unacked',
      source: 'definition',
      // First evaluation at 1 s, then the 5 s on delay.
      raisedAt: new Date(6000).toISOString(),
      message: 'hall/t 47.0 °C above high limit 45.0 °C',
    });
    expect(alarms.get('cooling-safety')?.state).toBe('active-unacked');
    expect(alarms.get('controller-failed:dispatch')).toMatchObject({
      state: 'returned-unacked',
      message: expect.stringMatching(/not raised again since the restart/),
    });
    await engine.stop();
  });
});
