import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlarmList, FLOOD_KEY, type AlarmTransition } from '../../../src/alarms/alarm-list';
import { AlarmStore } from '../../../src/alarms/alarm-store';

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

describe('alarm shelving', () => {
  const MIN = 60_000;
  it('hides a shelved alarm, tracks its state meanwhile, and puts it back when the shelf expires', () => {
    const list = new AlarmList();
    const seen: string[] = [];
    list.transitions$.subscribe((t) => seen.push(`${t.event}:${t.alarm.state}`));
    list.apply(cond(true, 0));
    expect(list.shelve('cooling-safety', 'user:olli', 'sensor crew on it', MIN, 61 * MIN).ok).toBe(
      true,
    );
    expect(list.list()).toEqual([]);
    expect(list.list({ shelved: true }).map((a) => a.key)).toEqual(['cooling-safety']);
    list.acknowledge('cooling-safety', 'user:olli', 2 * MIN);
    list.tick(60 * MIN); // not yet
    expect(list.list()).toEqual([]);
    list.tick(61 * MIN);
    // Still active when the shelf ends: listed again, unacknowledged, so it is seen.
    expect(list.list().map((a) => [a.key, a.state, a.shelved])).toEqual([
      ['cooling-safety', 'active-unacked', undefined],
    ]);
    expect(seen).toEqual([
      'raised:active-unacked',
      'shelved:active-unacked',
      'acknowledged:active-acked',
      'unshelved:active-unacked',
    ]);
  });

  it('an alarm that cleared while shelved and was acknowledged stays away after the shelf', () => {
    const list = new AlarmList();
    list.apply(cond(true, 0));
    list.shelve('cooling-safety', 'user:olli', 'known', 1, 10 * MIN);
    list.apply(cond(false, 2 * MIN));
    list.acknowledge('cooling-safety', 'user:olli', 3 * MIN);
    list.tick(10 * MIN);
    expect(list.list()).toEqual([]);
    expect(list.list({ shelved: true })).toEqual([]);
  });

  it('unshelve puts it back at once; shelving what is not there is refused', () => {
    const list = new AlarmList();
    expect(list.shelve('nope', 'user:olli', 'x', 0, MIN)).toMatchObject({ ok: false, status: 404 });
    list.apply(cond(true, 0));
    list.shelve('cooling-safety', 'user:olli', 'x', 0, 60 * MIN);
    expect(list.unshelve('cooling-safety', 'user:anna', MIN).ok).toBe(true);
    expect(list.list().map((a) => a.key)).toEqual(['cooling-safety']);
    expect(list.unshelve('cooling-safety', 'user:anna', MIN)).toMatchObject({ ok: false });
  });

  it('a shelved alarm raised again stays shelved and does not count towards a flood', () => {
    const list = new AlarmList({ flood: { count: 2, windowMs: 10 * MIN } });
    list.apply(cond(true, 0));
    list.shelve('cooling-safety', 'user:olli', 'chattering sensor', 0, 60 * MIN);
    for (let i = 1; i <= 5; i++) {
      list.apply(cond(false, i * 1000));
      list.apply(cond(true, i * 1000 + 500));
    }
    expect(list.get('cooling-safety')?.shelved?.by).toBe('user:olli');
    expect(list.get(FLOOD_KEY)).toBeUndefined();
  });
});

describe('alarm floods', () => {
  const MIN = 60_000;
  const raise = (list: AlarmList, key: string, at: number) =>
    list.apply({ key, active: true, priority: 'low', message: key, at });

  it('more than 10 alarms in 10 minutes raise one flood alarm, reported with what flooded', () => {
    const list = new AlarmList({ flood: { count: 10, windowMs: 10 * MIN } });
    for (let i = 0; i < 10; i++) raise(list, `a${i}`, i * 30_000);
    expect(list.get(FLOOD_KEY)).toBeUndefined(); // 10 is not more than 10
    raise(list, 'a10', 5 * MIN);
    expect(list.get(FLOOD_KEY)).toMatchObject({ state: 'active-unacked', priority: 'high' });
    raise(list, 'a11', 6 * MIN);
    raise(list, 'a12', 7 * MIN);
    // One flood alarm, however many more come.
    expect(list.list().filter((a) => a.key === FLOOD_KEY)).toHaveLength(1);
    const [flood] = list.floodPeriods();
    expect(flood).toMatchObject({ raised: 13, start: new Date(5 * MIN).toISOString() });
    expect(flood!.end).toBeUndefined();
    expect(Object.keys(flood!.byKey)).toHaveLength(13);
  });

  it('the flood clears once the window holds no more than the limit, and the period closes', () => {
    const list = new AlarmList({ flood: { count: 3, windowMs: 10 * MIN } });
    for (let i = 0; i < 4; i++) raise(list, `a${i}`, i * 1000);
    expect(list.get(FLOOD_KEY)?.state).toBe('active-unacked');
    list.tick(5 * MIN);
    expect(list.get(FLOOD_KEY)?.state).toBe('active-unacked');
    list.tick(10 * MIN + 1000); // the first two have left the window: 2 ≤ 3
    expect(list.get(FLOOD_KEY)?.state).toBe('returned-unacked');
    expect(list.floodPeriods()[0]).toMatchObject({
      start: new Date(3000).toISOString(),
      end: new Date(10 * MIN + 1000).toISOString(),
      raised: 4,
    });
    expect(list.shelve(FLOOD_KEY, 'user:olli', 'x', 0, MIN)).toMatchObject({ status: 409 });
  });
});

describe('alarm state across a restart', () => {
  it('a new list from the saved snapshot has the same alarms, shelves and floods', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-alarms-'));
    const store = new AlarmStore(join(dir, 'alarms.json'));
    const list = new AlarmList({ save: (s) => store.save(s) });
    list.apply(cond(true, 1000, 'a'));
    list.apply(cond(true, 2000, 'b'));
    list.acknowledge('b', 'user:olli', 3000);
    list.apply(cond(true, 4000, 'c'));
    list.apply(cond(false, 5000, 'c')); // returned, unacknowledged
    list.apply(cond(true, 6000, 'd'));
    list.shelve('d', 'user:olli', 'known', 7000, 3_600_000);
    const again = new AlarmList({
      initial: new AlarmStore(join(dir, 'alarms.json')).load(0).snapshot!,
    });
    expect(again.list()).toEqual(list.list());
    expect(again.list({ shelved: true })).toEqual(list.list({ shelved: true }));
    expect(again.list().map((a) => `${a.key}:${a.state}`)).toEqual([
      'c:returned-unacked',
      'b:active-acked',
      'a:active-unacked',
    ]);
    // The shelf still expires on time after the restart.
    again.tick(3_600_000);
    expect(again.list().map((a) => a.key)).toContain('d');
  });

  it('an unreadable state file is set aside and reported, not fatal', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-alarms-'));
    const file = join(dir, 'alarms.json');
    writeFileSync(file, '{"version": 1, "alarms": [');
    const r = new AlarmStore(file).load(Date.UTC(2026, 0, 1));
    expect(r.snapshot).toBeUndefined();
    expect(r.warning).toMatch(/unreadable .* set aside as .*alarms\.json\.corrupt-/);
    expect(readdirSync(dir).some((f) => f.startsWith('alarms.json.corrupt-'))).toBe(true);
  });
});
