import { describe, expect, it } from '@jest/globals';
import { AlarmList, FLOOD_KEY, type AlarmTransition } from '../../../src/alarms/alarm-list';
import type { PointDef } from '../../../src/domain/point';
import type { PointId } from '../../../src/domain/point-id';
import { alarmNotification, type MessageContext } from '../../../src/notify/message';

const SUPPLY: PointDef = {
  id: 'dh/supply_temp' as PointId,
  device: 'dh',
  name: 'supply_temp',
  unit: 'degC',
  kind: 'measurement',
  access: 'r',
  historian: { mode: 'every' },
  expectedPeriodMs: 1000,
  staleAfterMs: 3000,
};

const CTX: MessageContext = {
  site: { id: 'hel', name: 'Helsinki DC', timezone: 'Europe/Helsinki' },
  pageUrl: 'https://heatbridge.example.net/',
  pointOf: (key) => (key === 'dh-supply-low' ? SUPPLY : undefined),
  newId: () => 'id-1',
};

// 2026-12-03 19:56:43 UTC: 21:56:43 in Helsinki (EET, +02:00).
const AT = Date.UTC(2026, 11, 3, 19, 56, 43);

function transitions(run: (list: AlarmList) => void): AlarmTransition[] {
  const list = new AlarmList({ flood: { count: 2, windowMs: 600_000 } });
  const seen: AlarmTransition[] = [];
  list.transitions$.subscribe((t) => seen.push(t));
  run(list);
  return seen;
}

describe('notification messages', () => {
  it('carry the alarm text, priority, point, value with unit, site and times in the site zone', () => {
    const [t] = transitions((l) =>
      l.apply({
        key: 'dh-supply-low',
        active: true,
        priority: 'high',
        message: 'district heating supply below 60.0 °C',
        at: AT,
        source: 'definition',
        value: 58.24999999,
      }),
    );
    const n = alarmNotification(t!, CTX);
    expect(n).toMatchObject({
      id: 'id-1',
      kind: 'alarm',
      event: 'raised',
      site: { id: 'hel', name: 'Helsinki DC' },
      at: '2026-12-03T21:56:43+02:00',
      atText: '2026-12-03 21:56:43 EET',
      alarm: {
        key: 'dh-supply-low',
        priority: 'high',
        message: 'district heating supply below 60.0 °C',
        state: 'active-unacked',
        point: 'dh/supply_temp',
        value: 58.2,
        unit: 'degC',
        valueText: '58.2 °C',
        raisedAt: '2026-12-03T21:56:43+02:00',
      },
      link: 'https://heatbridge.example.net/',
      subject: '[Helsinki DC] HIGH raised: district heating supply below 60.0 °C',
    });
    expect(n.text.split('\n')).toEqual([
      'HIGH alarm raised at 2026-12-03 21:56:43 EET',
      'district heating supply below 60.0 °C',
      '',
      'Alarm: dh-supply-low',
      'Point: dh/supply_temp = 58.2 °C',
      'State: active, not acknowledged',
      'Site: Helsinki DC (hel)',
      'Open: https://heatbridge.example.net/',
    ]);
    // No UTC instant leaks into what people and receivers read.
    expect(JSON.stringify(n)).not.toMatch(/\d{2}:\d{2}:\d{2}(\.\d+)?Z/);
  });

  it('say who acknowledged and why', () => {
    const seen = transitions((l) => {
      l.apply({
        key: 'cooling-safety',
        active: true,
        priority: 'critical',
        message: 'cooling first',
        at: AT,
      });
      l.acknowledge('cooling-safety', 'user:olli', AT + 60_000, 'on my way');
    });
    const n = alarmNotification(seen[1]!, CTX);
    expect(n.subject).toBe('[Helsinki DC] CRITICAL acknowledged: cooling first');
    expect(n.alarm.ackedAt).toBe('2026-12-03T21:57:43+02:00');
    expect(n.text).toContain('By: user:olli (on my way)');
    expect(n.alarm).not.toHaveProperty('point');
  });

  it('summarise a flood: how many alarms and which, as the flood alarm is raised', () => {
    const list = new AlarmList({ flood: { count: 2, windowMs: 600_000 } });
    const made: ReturnType<typeof alarmNotification>[] = [];
    // As the notifier does: the message is made when the transition is published.
    list.transitions$.subscribe((t) => {
      if (t.alarm.key === FLOOD_KEY) made.push(alarmNotification(t, CTX, list.floodPeriods()[0]));
    });
    for (const [i, key] of ['a', 'b', 'a', 'c'].entries()) {
      list.apply({ key, active: false, priority: 'low', message: key, at: AT + i });
      list.apply({ key, active: true, priority: 'low', message: key, at: AT + i });
    }
    list.tick(AT + 700_000);
    const [raised, over] = made;
    expect(raised!.kind).toBe('flood');
    expect(raised!.subject).toBe('[Helsinki DC] alarm flood: 3 alarms in 10 min');
    expect(raised!.flood).toEqual({
      start: '2026-12-03T21:56:43.002+02:00',
      raised: 3,
      byKey: { a: 2, b: 1 },
    });
    expect(raised!.text).toContain('Alarms raised so far: 3.');
    expect(raised!.text).toContain('  a ×2\n  b\n');
    expect(over!.subject).toBe('[Helsinki DC] alarm flood over: 4 alarms raised during it');
    expect(over!.flood).toMatchObject({ raised: 4, byKey: { a: 2, b: 1, c: 1 } });
    expect(over!.flood!.end).toBe('2026-12-03T22:08:23+02:00');
  });
});
