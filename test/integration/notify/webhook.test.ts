import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlarmList, FLOOD_KEY } from '../../../src/alarms/alarm-list';
import { notificationsSchema } from '../../../src/config/notifications';
import type { PointDef } from '../../../src/domain/point';
import type { PointId } from '../../../src/domain/point-id';
import type { DeliveryStats } from '../../../src/notify/delivery';
import { Notifier } from '../../../src/notify/notifier';
import { stopAfterEach } from '../../helpers/cleanup';
import { eventually, startComponent } from '../../helpers/components';
import { memoryLogger } from '../../helpers/logger';
import { WebhookReceiver } from './receiver';

const stopLater = stopAfterEach();

const HOOK_TOKEN = 'Bearer hook-token-that-must-never-be-logged';
const URL_SECRET = 'url-path-secret-9f3a';
const SITE = { id: 'hel', name: 'Helsinki DC', timezone: 'Europe/Helsinki' };
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

interface Setup {
  receiver: WebhookReceiver;
  list?: AlarmList;
  dir?: string;
  queueLimit?: number;
  flood?: { count: number; windowMs: number };
}

/** An alarm list and a notifier sending its high and critical alarms to the receiver. */
function makeNotifier(s: Setup) {
  const list = s.list ?? new AlarmList(s.flood ? { flood: s.flood } : {});
  const dir = s.dir ?? mkdtempSync(join(tmpdir(), 'hb-notify-'));
  const config = notificationsSchema({ HOOK_TOKEN }).parse({
    spoolDir: dir,
    retry: { initialDelayMs: 20, maxDelayMs: 200 },
    pageUrl: 'https://heatbridge.example.net/',
    targets: {
      hook: {
        type: 'webhook',
        url: s.receiver.url(`/hook/${URL_SECRET}`),
        headers: { Authorization: { env: 'HOOK_TOKEN' }, 'X-Site': 'hel' },
        timeoutMs: 2000,
      },
    },
    rules: [{ priorities: ['critical', 'high'], targets: ['hook'] }],
  });
  const { log, lines } = memoryLogger('debug');
  const notifier = new Notifier({
    config,
    site: SITE,
    alarms: list,
    pointOf: (key) => (key === 'dh-supply-low' ? SUPPLY : undefined),
    log,
    random: () => 0.5,
    ...(s.queueLimit !== undefined ? { queueLimit: s.queueLimit } : {}),
  });
  return { list, dir, notifier, lines };
}

const raise = (list: AlarmList, key: string, at: number, active = true) =>
  list.apply({ key, active, priority: 'high', message: `${key} ${active ? 'on' : 'off'}`, at });

const stats = (n: Notifier): DeliveryStats =>
  (n.details() as { targets: Record<string, DeliveryStats> }).targets.hook!;

describe('webhook notifications (a real HTTP receiver on loopback)', () => {
  it('POSTs each alarm its rules route as JSON, with the configured headers; no secret is logged', async () => {
    const receiver = new WebhookReceiver();
    await receiver.start();
    stopLater(receiver);
    const { list, notifier, lines } = makeNotifier({ receiver });
    stopLater(await startComponent(notifier));
    list.apply({
      key: 'dh-supply-low',
      active: true,
      priority: 'high',
      message: 'district heating supply below 60.0 °C',
      at: Date.UTC(2026, 11, 3, 19, 56, 43),
      source: 'definition',
      value: 58.24,
    });
    list.apply({ key: 'hp2-warning', active: true, priority: 'medium', message: 'hp2', at: 1 });
    list.apply({ key: 'cooling-safety', active: true, priority: 'critical', message: 'c', at: 2 });
    // The receiver has a message before the notifier has its answer: wait for both.
    await eventually(() => stats(notifier).delivered === 2, 10_000, 'two messages delivered');
    const [first, second] = receiver.received;
    expect(first!.path).toBe(`/hook/${URL_SECRET}`);
    expect(first!.headers).toMatchObject({
      authorization: HOOK_TOKEN,
      'x-site': 'hel',
      'content-type': 'application/json',
      'x-heatbridge-id': first!.body.id,
    });
    expect(first!.body).toMatchObject({
      kind: 'alarm',
      event: 'raised',
      site: { id: 'hel', name: 'Helsinki DC' },
      at: '2026-12-03T21:56:43+02:00',
      atText: '2026-12-03 21:56:43 EET',
      alarm: { key: 'dh-supply-low', priority: 'high', point: 'dh/supply_temp', value: 58.2 },
      link: 'https://heatbridge.example.net/',
    });
    expect(first!.body.text).toContain('Point: dh/supply_temp = 58.2 °C');
    // The medium alarm has no rule; the critical one has.
    expect(second!.body.alarm.key).toBe('cooling-safety');
    expect(stats(notifier)).toMatchObject({ delivered: 2, pending: 0, address: receiver.url('') });
    const logged = JSON.stringify(lines()) + JSON.stringify(notifier.details());
    expect(logged).not.toContain('hook-token');
    expect(logged).not.toContain(URL_SECRET);
  });

  it('receiver down, then back: the messages spooled meanwhile arrive in order, once; the failure is logged once', async () => {
    const receiver = new WebhookReceiver();
    await receiver.start();
    stopLater(receiver);
    const { list, notifier, dir, lines } = makeNotifier({ receiver });
    const running = await startComponent(notifier);
    stopLater(running);
    await receiver.stop();
    for (let i = 1; i <= 5; i++) raise(list, `a${i}`, i * 1000);
    await eventually(() => stats(notifier).failedAttempts >= 3, 10_000, 'retries while down');
    // Every message waits on disk, one file each.
    expect(readdirSync(join(dir, 'hook'))).toHaveLength(5);
    expect(running.reports.at(-1)).toMatchObject({ state: 'degraded' });
    expect(running.reports.at(-1)!.message).toMatch(/^hook failing \(.*ECONNREFUSED\); 5 waiting$/);
    await receiver.start();
    await eventually(() => stats(notifier).pending === 0, 10_000, 'the spool to empty');
    await running.stop();
    expect(receiver.received.map((r) => r.body.alarm.key)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect(new Set(receiver.received.map((r) => r.body.id)).size).toBe(5);
    expect(readdirSync(join(dir, 'hook'))).toEqual([]);
    expect(running.reports.at(-1)).toEqual({ state: 'running' });
    const warned = lines().filter((l) => l.level === 'warn' || l.level === 'error');
    expect(warned.map((l) => l.msg)).toEqual([
      'notification target failing; messages wait in the spool and are retried',
    ]);
    const back = lines().find((l) => l.msg === 'notification target takes messages again');
    expect(back).toMatchObject({ target: 'hook', count: stats(notifier).failedAttempts });
  });

  it('retries a receiver answering 503; drops only a message it refuses as such (400), and goes on', async () => {
    const receiver = new WebhookReceiver();
    await receiver.start();
    stopLater(receiver);
    let unavailable = 3;
    receiver.answer = (n) => {
      if (n.alarm.key === 'bad') return 400;
      return unavailable-- > 0 ? 503 : 200;
    };
    const { list, notifier, lines } = makeNotifier({ receiver });
    stopLater(await startComponent(notifier));
    raise(list, 'a1', 1000);
    raise(list, 'bad', 2000);
    raise(list, 'a2', 3000);
    await eventually(() => stats(notifier).delivered === 2, 10_000, 'two messages delivered');
    expect(receiver.received.map((r) => r.body.alarm.key)).toEqual(['a1', 'a2']);
    expect(stats(notifier)).toMatchObject({ delivered: 2, refused: 1, failedAttempts: 3 });
    expect(lines().find((l) => l.level === 'error')).toMatchObject({
      msg: 'notification target refused a message; dropped it',
      alarm: 'bad',
      err: `${receiver.url('')} answered HTTP 400`,
    });
  });

  it('a restart with messages pending: the next run sends them first, in order, once', async () => {
    const receiver = new WebhookReceiver();
    await receiver.start();
    await receiver.stop(); // down from the start: the port is known, nothing listens
    stopLater(receiver);
    const first = makeNotifier({ receiver });
    const run1 = await startComponent(first.notifier);
    for (let i = 1; i <= 3; i++) raise(first.list, `a${i}`, i * 1000);
    await eventually(() => stats(first.notifier).failedAttempts >= 1, 10_000, 'a failed attempt');
    await run1.stop();
    expect(receiver.received).toEqual([]);
    // HeatBridge starts again: a new notifier on the same spool, with the receiver back.
    await receiver.start();
    const second = makeNotifier({ receiver, dir: first.dir, list: first.list });
    const run2 = await startComponent(second.notifier);
    stopLater(run2);
    raise(first.list, 'a4', 4000);
    await eventually(() => receiver.received.length >= 4, 10_000, 'four messages');
    await eventually(() => stats(second.notifier).pending === 0, 10_000, 'the spool to empty');
    await run2.stop();
    expect(receiver.received.map((r) => r.body.alarm.key)).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(new Set(receiver.received.map((r) => r.body.id)).size).toBe(4);
  });

  it('warns about messages waiting for a target that is no longer configured', async () => {
    const receiver = new WebhookReceiver();
    const dir = mkdtempSync(join(tmpdir(), 'hb-notify-'));
    mkdirSync(join(dir, 'old-hook'));
    writeFileSync(join(dir, 'old-hook', 'seg-0000000001-1000-1.lp'), '{}\n');
    const { notifier } = makeNotifier({ receiver, dir });
    const running = await startComponent(notifier);
    stopLater(running);
    expect(running.lines().find((l) => l.level === 'warn')).toMatchObject({
      msg: 'notifications wait for a target that is no longer configured; they will not be sent',
      folder: join(dir, 'old-hook'),
      waiting: 1,
    });
  });

  it('a flood is one summary at its start and one at its end, not a message per alarm', async () => {
    const receiver = new WebhookReceiver();
    await receiver.start();
    stopLater(receiver);
    const { list, notifier } = makeNotifier({
      receiver,
      flood: { count: 3, windowMs: 600_000 },
    });
    stopLater(await startComponent(notifier));
    for (let i = 1; i <= 30; i++) raise(list, `a${i}`, i * 1000);
    list.tick(700_000);
    await eventually(() => receiver.received.length === 6, 10_000, 'six messages');
    const got = receiver.received.map((r) => `${r.body.kind} ${r.body.alarm.key} ${r.body.event}`);
    expect(got).toEqual([
      'alarm a1 raised',
      'alarm a2 raised',
      'alarm a3 raised',
      'alarm a4 raised',
      `flood ${FLOOD_KEY} raised`,
      `flood ${FLOOD_KEY} cleared`,
    ]);
    expect(receiver.received.at(-1)!.body.flood).toMatchObject({ raised: 30 });
    expect(notifier.details()).toMatchObject({ suppressed: { flood: 26 } });
  });

  it('never makes the alarm list wait: the spool is written after the transition, off its call', async () => {
    const receiver = new WebhookReceiver();
    await receiver.start();
    stopLater(receiver);
    const { list, notifier, dir } = makeNotifier({ receiver });
    stopLater(await startComponent(notifier));
    raise(list, 'a1', 1000);
    // apply() has returned: the message is in memory, not yet on disk.
    expect(readdirSync(join(dir, 'hook'))).toEqual([]);
    await eventually(() => receiver.received.length === 1, 10_000, 'the message');
  });

  it('a full queue (the notifier not keeping up) drops and counts, logged once', () => {
    const receiver = new WebhookReceiver();
    const { list, notifier, dir, lines } = makeNotifier({ receiver, queueLimit: 3 });
    stopLater(notifier);
    // Not started (the supervisor has not got to it yet): transitions wait in memory.
    for (let i = 1; i <= 6; i++) raise(list, `a${i}`, i * 1000);
    expect(readdirSync(dir)).toEqual([]);
    expect(notifier.details()).toMatchObject({ lost: 3 });
    const errors = lines().filter((l) => l.level === 'error');
    expect(errors.map((l) => l.msg)).toEqual([
      'notification queue full (the disk is not keeping up); dropping notifications',
    ]);
  });
});
