import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Subject, VirtualTimeScheduler } from 'rxjs';
import {
  AddressSpace,
  generateAddressSpace,
  nodesets,
  type Namespace,
  type UAObject,
  type Variant,
} from 'node-opcua';
import type { Alarm } from '../../../src/alarms/alarm-list';
import {
  AlarmNodes,
  coalescedSync,
  NEW_CONDITIONS_PER_SYNC,
} from '../../../src/northbound/opcua/alarm-nodes';

/**
 * AlarmNodes under load and over time, on node-opcua's own address space (no server): an alarm
 * flood is synced once per tick and added a few conditions at a time; the events carry the
 * alarm's times; a shelved alarm leaves the list still active.
 */
let addressSpace: AddressSpace;
let ns: Namespace;
let root: UAObject;
/** Every event that reached the Server object, as node-opcua's event data (fields by name). */
const events: Record<string, Variant | undefined>[] = [];

beforeAll(async () => {
  addressSpace = AddressSpace.create();
  await generateAddressSpace(addressSpace, [nodesets.standard]);
  ns = addressSpace.registerNamespace('urn:heatbridge:test');
  root = ns.addObject({
    organizedBy: addressSpace.rootFolder.objects,
    browseName: 'HeatBridge',
    notifierOf: addressSpace.rootFolder.objects.server,
    eventNotifier: 1,
  });
  addressSpace.rootFolder.objects.server.on('event', (e: unknown) =>
    events.push(e as Record<string, Variant | undefined>),
  );
});

afterAll(() => addressSpace.dispose());

const NOW = Date.parse('2026-03-01T12:00:00.000Z');

const alarm = (key: string, over: Partial<Alarm> = {}): Alarm => ({
  key,
  priority: 'high',
  message: `${key} high`,
  state: 'active-unacked',
  source: 'definition',
  raisedAt: '2026-03-01T11:00:00.000Z',
  ...over,
});

const shown = (key: string): boolean =>
  addressSpace.findNode(`ns=${ns.index};s=Alarms/${key}`) !== null;

/** The last event about `key`'s condition. */
function lastEvent(key: string): Record<string, Variant | undefined> {
  const about = events.filter((e) => e.conditionName?.value === key);
  const e = about.at(-1);
  if (!e) throw new Error(`no event about ${key}`);
  return e;
}

describe('coalescedSync', () => {
  it('syncs once for a burst of transitions, and again each tick while alarms wait', () => {
    const scheduler = new VirtualTimeScheduler();
    const transitions = new Subject<void>();
    let syncs = 0;
    let waiting = 2;
    const sub = coalescedSync(
      transitions,
      scheduler,
      () => {
        syncs += 1;
        return waiting-- > 0;
      },
      (err) => {
        throw err;
      },
    );
    for (let i = 0; i < 100; i++) transitions.next();
    scheduler.flush();
    // One sync for the burst, two more for what it could not add at once.
    expect(syncs).toBe(3);
    sub.unsubscribe();
  });
});

describe('AlarmNodes', () => {
  // One Alarms folder per namespace; a limit of 5 new conditions per sync keeps the flood small.
  let alarms: AlarmNodes;
  beforeAll(() => {
    alarms = new AlarmNodes(ns, root, 100, 5);
  });

  it(`adds at most its limit (${NEW_CONDITIONS_PER_SYNC} by default) of new conditions per sync: a flood is shown over a few ticks`, () => {
    const list = Array.from({ length: 12 }, (_, i) => alarm(`flood/a${i}`));
    const scheduler = new VirtualTimeScheduler();
    const transitions = new Subject<void>();
    let syncs = 0;
    const perSync: number[] = [];
    const sub = coalescedSync(
      transitions,
      scheduler,
      () => {
        syncs += 1;
        const more = alarms.sync(list, NOW);
        perSync.push(list.filter((a) => shown(a.key)).length);
        return more;
      },
      (err) => {
        throw err;
      },
    );
    // 12 alarms raised one by one: 12 transitions in one tick.
    for (let i = 0; i < list.length; i++) transitions.next();
    scheduler.flush();
    expect(perSync).toEqual([5, 10, 12]);
    expect(syncs).toBe(3);
    sub.unsubscribe();
  });

  it('dates an event by the alarm’s transition (raised, cleared, acknowledged), received now', () => {
    const raised = alarm('timed/a', { raisedAt: '2026-03-01T11:00:00.000Z' });
    alarms.sync([raised], NOW);
    const time = (): number => (lastEvent('timed/a').time?.value as Date).getTime();
    expect(time()).toBe(Date.parse(raised.raisedAt));
    expect((lastEvent('timed/a').receiveTime?.value as Date).getTime()).toBe(NOW);
    const cleared = {
      ...raised,
      state: 'returned-unacked' as const,
      clearedAt: '2026-03-01T11:30:00.000Z',
    };
    alarms.sync([cleared], NOW + 1000);
    expect(time()).toBe(Date.parse('2026-03-01T11:30:00.000Z'));
    const acked = {
      ...cleared,
      state: 'normal' as const,
      ackedAt: '2026-03-01T11:45:00.000Z',
    };
    alarms.sync([], NOW + 2000, () => acked);
    expect(time()).toBe(Date.parse('2026-03-01T11:45:00.000Z'));
    expect(lastEvent('timed/a').retain?.value).toBe(false);
  });

  it('reports a shelved alarm leaving the list as still active, no longer retained', () => {
    const a = alarm('shelved/a');
    alarms.sync([a], NOW);
    const shelf = {
      by: 'olli',
      reason: 'sensor swap',
      since: '2026-03-01T11:50:00.000Z',
      until: '2026-03-01T13:00:00.000Z',
    };
    alarms.sync([], NOW, () => ({ ...a, shelved: shelf }));
    const e = lastEvent('shelved/a');
    expect(e['activeState.id']?.value).toBe(true);
    expect(e.retain?.value).toBe(false);
    expect(String((e.message?.value as { text?: string }).text)).toContain('shelved');
    expect((e.time?.value as Date).getTime()).toBe(Date.parse(shelf.since));
    expect(shown('shelved/a')).toBe(false);
  });
});
