import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlarmList } from '../../../src/alarms/alarm-list';
import { notificationsSchema } from '../../../src/config/notifications';
import type { DeliveryStats } from '../../../src/notify/delivery';
import type { Notification } from '../../../src/notify/message';
import { Notifier } from '../../../src/notify/notifier';
import { stopAfterEach } from '../../helpers/cleanup';
import { eventually, startComponent } from '../../helpers/components';
import { memoryLogger } from '../../helpers/logger';
import { WebhookReceiver } from './receiver';

const stopLater = stopAfterEach();

/** Rejections nobody handled: the CLI treats one as a crash and exits. */
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

async function setup() {
  const receiver = new WebhookReceiver();
  await receiver.start();
  stopLater(receiver);
  const list = new AlarmList();
  const dir = mkdtempSync(join(tmpdir(), 'hb-notify-spool-'));
  const config = notificationsSchema({}).parse({
    spoolDir: dir,
    retry: { initialDelayMs: 20, maxDelayMs: 100 },
    targets: { hook: { type: 'webhook', url: receiver.url(), timeoutMs: 2000 } },
    rules: [{ priorities: ['high'], targets: ['hook'] }],
  });
  const { log, lines } = memoryLogger('debug');
  const notifier = new Notifier({
    config,
    site: { id: 'hel', name: 'Helsinki DC', timezone: 'Europe/Helsinki' },
    alarms: list,
    pointOf: () => undefined,
    log,
    random: () => 0.5,
  });
  const running = await startComponent(notifier);
  stopLater(running);
  const raise = (key: string, at: number): void =>
    void list.apply({ key, active: true, priority: 'high', message: key, at });
  const stats = (): DeliveryStats =>
    (notifier.details() as { targets: Record<string, DeliveryStats> }).targets.hook!;
  const segments = (): string[] => readdirSync(join(dir, 'hook')).sort();
  return { receiver, dir: join(dir, 'hook'), running, lines, raise, stats, segments };
}

describe('notification spool errors never stop delivery (nor the process)', () => {
  it('a spooled message gone, turned into a folder or into garbage is dropped and counted; later ones arrive', async () => {
    const { receiver, dir, running, lines, raise, stats, segments } = await setup();
    await receiver.stop();
    raise('a1', 1000);
    raise('a2', 2000);
    raise('a3', 3000);
    await eventually(() => stats().failedAttempts >= 2, 10_000, 'retries while down');
    await eventually(() => segments().length === 3, 10_000, 'three spooled messages');
    const [first, second, third] = segments() as [string, string, string];
    // Someone "cleans up" the folder while the queue is retrying.
    rmSync(join(dir, first));
    mkdirSync(join(dir, first));
    writeFileSync(join(dir, second), 'not a notification\n');
    rmSync(join(dir, third));
    await receiver.start();
    raise('a4', 4000);
    await eventually(() => receiver.received.length === 1, 10_000, 'the later message');
    await eventually(() => stats().pending === 0, 10_000, 'the spool to empty');
    expect(receiver.received.map((r) => r.body.alarm.key)).toEqual(['a4']);
    expect(stats()).toMatchObject({ delivered: 1, unreadable: 3, pending: 0 });
    const dropped = lines().filter(
      (l) => l.msg === 'unreadable notification in the spool; dropped it',
    );
    expect(dropped).toHaveLength(3);
    expect(dropped[0]).toMatchObject({ level: 'error', target: 'hook', err: /EISDIR/ });
    expect(dropped[2]).toMatchObject({ err: /ENOENT/ });
    await running.stop();
    expect(unhandled).toEqual([]);
  });

  it('a spool file that cannot be deleted after the send: delivered, not a failed attempt, not resent', async () => {
    const { receiver, dir, lines, raise, stats, segments } = await setup();
    receiver.answer = (n: Notification) => {
      // The file goes while the receiver handles the message: the deletion after a 2xx fails,
      // and so does the one after a refusal (400).
      for (const f of segments()) rmSync(join(dir, f));
      return n.alarm.key === 'bad' ? 400 : 200;
    };
    raise('a1', 1000);
    await eventually(() => stats().delivered === 1, 10_000, 'the first message');
    raise('bad', 2000);
    await eventually(() => stats().refused === 1, 10_000, 'the refused message');
    raise('a2', 3000);
    await eventually(() => stats().delivered === 2, 10_000, 'the last message');
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.received.map((r) => r.body.alarm.key)).toEqual(['a1', 'a2']);
    expect(stats()).toMatchObject({ delivered: 2, refused: 1, failedAttempts: 0, pending: 0 });
    expect(stats().error).toBeUndefined();
    const msgs = lines()
      .filter((l) => l.level === 'error')
      .map((l) => l.msg);
    expect(msgs).toEqual([
      'a delivered notification could not be deleted from the spool',
      'a refused notification could not be deleted from the spool',
      'notification target refused a message; dropped it',
      'a delivered notification could not be deleted from the spool',
    ]);
    expect(unhandled).toEqual([]);
  });
});
