import { describe, expect, it } from '@jest/globals';
import { AlarmList, FLOOD_KEY, type AlarmTransition } from '../../../src/alarms/alarm-list';
import type { NotifyRule } from '../../../src/config/notifications';
import type { AlarmPriority } from '../../../src/domain/alarm-priority';
import { NotificationRouter } from '../../../src/notify/routing';

const RULES: NotifyRule[] = [
  { priorities: ['critical', 'high'], events: ['raised', 'cleared'], targets: ['mail', 'hook'] },
  { priorities: ['low'], events: ['raised', 'cleared'], targets: ['hook'] },
  { priorities: ['critical'], events: ['acknowledged'], targets: ['hook'] },
];

/** An alarm list and a router fed by its transitions, as the notifier wires them. */
function setup(rules = RULES, flood = { count: 3, windowMs: 600_000 }) {
  const list = new AlarmList({ flood });
  const router = new NotificationRouter(rules, false);
  const routed: { key: string; event: string; targets: string[]; suppressed?: string }[] = [];
  list.transitions$.subscribe((t: AlarmTransition) => {
    const r = router.route(t);
    routed.push({
      key: t.alarm.key,
      event: t.event,
      targets: r.targets,
      ...('suppressed' in r ? { suppressed: r.suppressed } : {}),
    });
  });
  const raise = (key: string, priority: AlarmPriority, at: number, active = true) =>
    list.apply({ key, active, priority, message: `${key} ${active ? 'on' : 'off'}`, at });
  return { list, router, routed, raise };
}

describe('notification routing', () => {
  it('sends each priority and event where the rules say, each target once', () => {
    const { routed, raise, list } = setup();
    raise('cooling-safety', 'critical', 1000);
    raise('hp-tripped', 'medium', 2000);
    raise('backlog', 'low', 3000);
    list.acknowledge('cooling-safety', 'user:olli', 4000);
    raise('cooling-safety', 'critical', 5000, false);
    expect(routed).toEqual([
      { key: 'cooling-safety', event: 'raised', targets: ['mail', 'hook'] },
      { key: 'hp-tripped', event: 'raised', targets: [], suppressed: 'no-rule' },
      { key: 'backlog', event: 'raised', targets: ['hook'] },
      { key: 'cooling-safety', event: 'acknowledged', targets: ['hook'] },
      { key: 'cooling-safety', event: 'cleared', targets: ['mail', 'hook'] },
    ]);
  });

  it('tells nobody about a shelved alarm; one that comes off the shelf still active is news again', () => {
    const { routed, raise, list } = setup();
    raise('hp-tripped', 'high', 1000);
    list.shelve('hp-tripped', 'user:olli', 'maintenance', 2000, 60_000);
    raise('hp-tripped', 'high', 3000, false); // cleared while shelved
    raise('hp-tripped', 'high', 4000); // raised again while shelved
    list.tick(60_000); // the shelf expires with the alarm active
    expect(routed.map((r) => [r.event, r.targets, r.suppressed])).toEqual([
      ['raised', ['mail', 'hook'], undefined],
      ['shelved', [], 'no-rule'], // no rule asks for shelved events
      ['cleared', [], 'shelved'],
      ['raised', [], 'shelved'],
      ['unshelved', ['mail', 'hook'], undefined],
    ]);
  });

  it('sends the shelving itself where a rule asks for it', () => {
    const { routed, raise, list } = setup([
      { priorities: ['high'], events: ['shelved'], targets: ['hook'] },
    ]);
    raise('hp-tripped', 'high', 1000);
    list.shelve('hp-tripped', 'user:olli', 'maintenance', 2000, 60_000);
    expect(routed.at(-1)).toEqual({ key: 'hp-tripped', event: 'shelved', targets: ['hook'] });
  });

  it('during a flood sends the flood summary, not one message per alarm; critical ones still go', () => {
    const { routed, raise, router } = setup();
    for (let i = 1; i <= 3; i++) raise(`a${i}`, 'high', i * 1000);
    // The fourth raise in the window starts the flood (more than 3).
    raise('a4', 'high', 4000);
    expect(router.inFlood).toBe(true);
    for (let i = 5; i <= 20; i++) raise(`a${i}`, 'high', i * 1000);
    raise('cooling-safety', 'critical', 21_000);
    const sent = routed.filter((r) => r.targets.length > 0).map((r) => `${r.key} ${r.event}`);
    expect(sent).toEqual([
      'a1 raised',
      'a2 raised',
      'a3 raised',
      'a4 raised',
      `${FLOOD_KEY} raised`,
      'cooling-safety raised',
    ]);
    expect(routed.filter((r) => r.suppressed === 'flood')).toHaveLength(16);
  });

  it('sends one message per alarm again once the flood is over', () => {
    const { routed, raise, list, router } = setup();
    for (let i = 1; i <= 4; i++) raise(`a${i}`, 'high', i * 1000);
    expect(router.inFlood).toBe(true);
    list.tick(700_000); // the window empties: the flood ends
    expect(router.inFlood).toBe(false);
    raise('a9', 'high', 701_000);
    const sent = routed.filter((r) => r.targets.length > 0).map((r) => `${r.key} ${r.event}`);
    expect(sent.slice(-2)).toEqual([`${FLOOD_KEY} cleared`, 'a9 raised']);
  });

  it('starts in a flood when the alarm list was in one before a restart', () => {
    const router = new NotificationRouter(RULES, true);
    const list = new AlarmList();
    const seen: string[] = [];
    list.transitions$.subscribe((t) => {
      const r = router.route(t);
      seen.push('suppressed' in r ? r.suppressed : r.targets.join(','));
    });
    list.apply({ key: 'x', active: true, priority: 'high', message: 'x', at: 1 });
    expect(seen).toEqual(['flood']);
  });
});
