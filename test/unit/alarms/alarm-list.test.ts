import { describe, expect, it } from '@jest/globals';
import { AlarmList, type AlarmTransition } from '../../../src/alarms/alarm-list';

const cond = (active: boolean, at: number, key = 'cooling-safety') => ({
  key,
  active,
  priority: 'critical' as const,
  message: active ? 'acting' : 'released',
  at,
});

describe('alarm list (ISA-18.2 states)', () => {
  it.each([
    // steps, expected final state (undefined: not listed)
    ['raised', ['raise'], 'active-unacked'],
    ['raised, acknowledged', ['raise', 'ack'], 'active-acked'],
    ['raised, acknowledged, cleared', ['raise', 'ack', 'clear'], undefined],
    ['raised, cleared (nobody acknowledged)', ['raise', 'clear'], 'returned-unacked'],
    ['raised, cleared, acknowledged', ['raise', 'clear', 'ack'], undefined],
    ['raised, cleared, raised again', ['raise', 'clear', 'raise'], 'active-unacked'],
    ['raised twice (a repeated condition is one alarm)', ['raise', 'raise'], 'active-unacked'],
  ] as const)('%s', (_l, steps, final) => {
    const list = new AlarmList();
    let t = 0;
    for (const s of steps) {
      t += 1000;
      if (s === 'raise') list.apply(cond(true, t));
      else if (s === 'clear') list.apply(cond(false, t));
      else expect(list.acknowledge('cooling-safety', 'user:olli', t).ok).toBe(true);
    }
    expect(list.list().find((a) => a.key === 'cooling-safety')?.state).toBe(final);
  });

  it('refuses acknowledging what is not there or already acknowledged', () => {
    const list = new AlarmList();
    expect(list.acknowledge('nope', 'user:olli', 0)).toMatchObject({ ok: false, status: 404 });
    list.apply(cond(true, 0));
    list.acknowledge('cooling-safety', 'user:olli', 1);
    expect(list.acknowledge('cooling-safety', 'user:olli', 2)).toMatchObject({
      ok: false,
      status: 409,
    });
  });

  it('publishes each transition once, with who acknowledged', () => {
    const list = new AlarmList();
    const seen: AlarmTransition[] = [];
    list.transitions$.subscribe((t) => seen.push(t));
    list.apply(cond(true, 1));
    list.apply(cond(true, 2));
    list.acknowledge('cooling-safety', 'user:olli', 3);
    list.apply(cond(false, 4));
    expect(seen.map((t) => [t.event, t.alarm.state, t.by])).toEqual([
      ['raised', 'active-unacked', undefined],
      ['acknowledged', 'active-acked', 'user:olli'],
      ['cleared', 'normal', undefined],
    ]);
  });

  it('lists the most urgent first, then the newest', () => {
    const list = new AlarmList();
    list.apply({ key: 'a', active: true, priority: 'high', message: 'a', at: 1 });
    list.apply({ key: 'b', active: true, priority: 'critical', message: 'b', at: 2 });
    list.apply({ key: 'c', active: true, priority: 'high', message: 'c', at: 3 });
    expect(list.list().map((a) => a.key)).toEqual(['b', 'c', 'a']);
  });
});
