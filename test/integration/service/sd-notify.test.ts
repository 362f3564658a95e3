import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { SystemdNotifier } from '../../../src/service/sd-notify';
import { finished } from '../../helpers/cli';
import { memoryLogger } from '../../helpers/logger';
import { FakeNotifySocket } from './notify-socket';

/** The notifier with the real `systemd-notify` (systemd 252 here), against fake sockets. */

const sockets: FakeNotifySocket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});
async function fakeSocket(path?: string): Promise<FakeNotifySocket> {
  const s = new FakeNotifySocket(path);
  sockets.push(s);
  await s.started();
  return s;
}

describe('SystemdNotifier with systemd-notify', () => {
  it('sends one message at a time and merges what was asked for meanwhile', async () => {
    const socket = await fakeSocket();
    const { log } = memoryLogger();
    const notifier = new SystemdNotifier({ socket: socket.path, log });
    notifier.notify({ READY: '1', STATUS: 'starting' });
    // While the first is in flight: merged into one, later values winning.
    notifier.notify({ STATUS: 'ok: all 8 components running' });
    notifier.notify({ WATCHDOG: '1' });
    notifier.notify({ WATCHDOG: '1' });
    await notifier.idle(10_000);
    // The fake manager prints a datagram after closing its descriptor: wait for the lines.
    await socket.waitFor('two BARRIER=1', () => socket.with('BARRIER').length === 2, 10_000);
    const messages = socket.received.filter((d) => !d.fields.BARRIER).map((d) => d.fields);
    expect(messages).toEqual([
      { READY: '1', STATUS: 'starting' },
      { STATUS: 'ok: all 8 components running', WATCHDOG: '1' },
    ]);
    // Each waited for its BARRIER, whose descriptor the fake manager closed.
    expect(socket.with('BARRIER', '1').map((d) => d.fds)).toEqual([1, 1]);
    expect(notifier.counts).toEqual({ sent: 2, failed: 0 });
  });

  it('a STATUS= value is one line', async () => {
    const socket = await fakeSocket();
    const notifier = new SystemdNotifier({ socket: socket.path, log: memoryLogger().log });
    notifier.notify({ STATUS: 'two\nlines' });
    await notifier.idle(10_000);
    await socket.waitFor('BARRIER=1', () => socket.with('BARRIER').length === 1, 10_000);
    expect(socket.with('STATUS').map((d) => d.fields)).toEqual([{ STATUS: 'two lines' }]);
  });

  it('reaches a socket in the abstract namespace (NOTIFY_SOCKET=@name)', async () => {
    const name = `@heatbridge-test-${process.pid}-${Date.now()}`;
    const socket = await fakeSocket(name);
    const notifier = new SystemdNotifier({ socket: name, log: memoryLogger().log });
    notifier.notify({ WATCHDOG: '1' });
    await notifier.idle(10_000);
    await socket.waitFor('BARRIER=1', () => socket.with('BARRIER').length === 1, 10_000);
    expect(socket.with('WATCHDOG', '1')).toHaveLength(1);
    expect(notifier.counts).toEqual({ sent: 1, failed: 0 });
  });

  it('a failing sender is logged once per episode, not per message, and its end once', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hb-notify-')), 'notify.sock');
    const mem = memoryLogger('debug');
    const notifier = new SystemdNotifier({ socket: path, log: mem.log });
    // Nothing listens yet: systemd-notify fails every time.
    for (let i = 0; i < 5; i++) {
      notifier.notify({ WATCHDOG: '1' });
      await notifier.idle(10_000);
    }
    expect(notifier.counts).toEqual({ sent: 0, failed: 5 });
    const warnings = () => mem.lines().filter((l) => l.level === 'warn');
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatchObject({
      msg: 'cannot notify systemd (systemd-notify failed): readiness and watchdog pings are lost',
      message: 'WATCHDOG=1',
    });
    // The manager is back.
    const socket = await fakeSocket(path);
    notifier.notify({ WATCHDOG: '1' });
    await notifier.idle(10_000);
    await socket.waitFor('BARRIER=1', () => socket.with('BARRIER').length === 1, 10_000);
    expect(socket.with('WATCHDOG', '1')).toHaveLength(1);
    expect(mem.lines()).toContainEqual(
      expect.objectContaining({
        level: 'info',
        msg: 'systemd notifications get through again',
        count: 5,
      }),
    );
    expect(warnings()).toHaveLength(1);
  });

  it('a sender that cannot be run is a failure, not an exception', async () => {
    const mem = memoryLogger();
    const notifier = new SystemdNotifier({
      socket: '/nonexistent/notify',
      log: mem.log,
      command: '/nonexistent/systemd-notify',
    });
    notifier.notify({ READY: '1' });
    notifier.notify({ STATUS: 'x' });
    await notifier.idle(10_000);
    expect(notifier.counts).toEqual({ sent: 0, failed: 2 });
    expect(mem.lines().filter((l) => l.level === 'warn')).toHaveLength(1);
  });

  it('a sender that hangs is killed, so the next message is not held up for long', async () => {
    // socat as the manager: it takes the BARRIER's descriptor into its own table and never
    // closes it, so systemd-notify would wait its own 5 s barrier timeout.
    const path = join(mkdtempSync(join(tmpdir(), 'hb-notify-')), 'notify.sock');
    const socat = spawn('socat', ['-u', `UNIX-RECV:${path}`, '-'], { stdio: 'pipe' });
    const socatDone = finished(socat);
    try {
      let received = '';
      socat.stdout.on('data', (d: Buffer) => (received += d.toString()));
      const deadline = Date.now() + 10_000;
      while (!existsSync(path) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      const mem = memoryLogger();
      const notifier = new SystemdNotifier({ socket: path, log: mem.log, timeoutMs: 500 });
      notifier.notify({ WATCHDOG: '1' });
      await notifier.idle(10_000);
      expect(notifier.counts).toEqual({ sent: 0, failed: 1 });
      while (!received.includes('BARRIER=1') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(received).toContain('WATCHDOG=1');
      expect(received).toContain('BARRIER=1');
      expect(mem.lines()).toContainEqual(
        expect.objectContaining({ level: 'warn', message: 'WATCHDOG=1' }),
      );
    } finally {
      socat.kill();
      await socatDone;
    }
  });
});
