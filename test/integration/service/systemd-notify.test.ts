import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { BIN, ROOT, finished } from '../../helpers/cli';
import { demoConfigFileOnFreePorts } from '../../helpers/sites';
import { FakeNotifySocket, type Datagram } from './notify-socket';

/**
 * HeatBridge as systemd runs it (`Type=notify`, `WatchdogSec=`), against a fake notification
 * socket: the real `heatbridge demo` process, the real `systemd-notify` with its BARRIER, only the
 * manager's socket faked. WATCHDOG_USEC is 1 s, so pings come at most every 333 ms.
 */

const WATCHDOG_USEC = 1_000_000;
const BLOCK_MS = 4000;
/**
 * A `systemd-notify` spawned just before the event loop blocked is its own process and may still
 * deliver its datagram while the loop is blocked; later than this it would have to have been
 * spawned during the block.
 */
const IN_FLIGHT_GRACE_MS = 1000;

let socket: FakeNotifySocket;
beforeEach(async () => {
  socket = new FakeNotifySocket();
  await socket.started();
});
afterEach(() => socket.close());

/** The demo site on free ports with 250 ms control cycles. */
async function demoSite(): Promise<{ file: string; api: number }> {
  const { file, ports } = await demoConfigFileOnFreePorts();
  const text = readFileSync(file, 'utf8');
  expect(text).toContain('cycleMs: 5000');
  writeFileSync(file, text.replace('cycleMs: 5000', 'cycleMs: 250'));
  return { file, api: ports.api };
}

function startHeatBridge(file: string, extra: string[] = []) {
  const child = spawn(
    process.execPath,
    [
      // Test-only: SIGUSR2 blocks the event loop (test/integration/service/block-event-loop.js).
      '--require',
      join(__dirname, 'block-event-loop.js'),
      BIN,
      'demo',
      '--config',
      file,
      '--log-format',
      'json',
      ...extra,
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        NOTIFY_SOCKET: socket.path,
        WATCHDOG_USEC: String(WATCHDOG_USEC),
        HB_TEST_BLOCK_MS: String(BLOCK_MS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, done: finished(child), stderr: () => stderr };
}

async function waitUntil(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A failed assertion with what the fake socket received and HeatBridge's stderr, to explain it. */
function explained(err: unknown, stderr: string): unknown {
  if (!(err instanceof Error)) return err;
  const received = socket.received.map((d) => `${Math.round(d.at)} ${JSON.stringify(d.fields)}`);
  err.message += `\n\nreceived:\n${received.join('\n')}\n\nstderr:\n${stderr.slice(-2000)}`;
  return err;
}

const pingsBetween = (pings: Datagram[], from: number, to: number): Datagram[] =>
  pings.filter((d) => d.at > from && d.at < to);

describe('heatbridge under systemd (fake NOTIFY_SOCKET)', () => {
  it('READY=1 once the API answers, WATCHDOG=1 from control cycles, none while the event loop is blocked, STOPPING=1 on SIGTERM', async () => {
    const { file, api } = await demoSite();
    const hb = startHeatBridge(file);
    try {
      // READY=1 once, with the main pid and a status line.
      await socket.waitFor('READY=1', () => socket.with('READY', '1').length > 0, 60_000);
      // Sent after every critical component started: the API answers at once, no retry. A field
      // device may still be connecting then (health says `starting`, 503, until its adapter
      // reports: issue 21): systemd is not kept waiting for devices, which can be down for hours.
      const health = await fetch(`http://127.0.0.1:${api}/api/health`);
      const body = (await health.json()) as { status: string };
      expect(['ok', 'degraded', 'starting']).toContain(body.status);
      expect(health.status).toBe(body.status === 'starting' ? 503 : 200);
      const ready = socket.with('READY', '1');
      expect(ready).toHaveLength(1);
      expect(ready[0]!.fields).toMatchObject({
        MAINPID: String(hb.child.pid),
        STATUS: expect.stringMatching(/^(ok|degraded|starting): .*components running/),
      });
      // Once every adapter has reported, health is ok.
      await waitUntil(
        'health ok',
        () => /(ok|degraded): /.test(socket.with('STATUS').at(-1)?.fields.STATUS ?? ''),
        30_000,
      );
      // systemd-notify waited for the manager (its BARRIER, whose fd the fake socket closed).
      expect(socket.with('BARRIER', '1').every((d) => d.fds === 1)).toBe(true);
      expect(socket.with('ERRNO')).toEqual([]);

      // Pings keep coming while control cycles run.
      const readyAt = ready[0]!.at;
      await socket.waitFor(
        'five WATCHDOG=1 after READY=1',
        () => pingsBetween(socket.with('WATCHDOG', '1'), readyAt, Infinity).length >= 5,
        30_000,
      );

      // Block the event loop for 4 s (with WatchdogSec=1s systemd would restart the process).
      hb.child.kill('SIGUSR2');
      await waitUntil('the event loop unblocked', () => /unblocked \d+/.test(hb.stderr()), 30_000);
      const blockedAt = Number(/event-loop blocked (\d+)/.exec(hb.stderr())![1]);
      const unblockedAt = Number(/event-loop unblocked (\d+)/.exec(hb.stderr())![1]);
      expect(unblockedAt - blockedAt).toBeGreaterThanOrEqual(BLOCK_MS);
      // Pings resume once it runs again.
      await socket.waitFor(
        'two WATCHDOG=1 after the block',
        () => pingsBetween(socket.with('WATCHDOG', '1'), unblockedAt, Infinity).length >= 2,
        30_000,
      );
      expect(
        pingsBetween(socket.with('WATCHDOG', '1'), blockedAt + IN_FLIGHT_GRACE_MS, unblockedAt),
      ).toEqual([]);
      // Rate-limited: at most one per third of the timeout (one more for receive jitter).
      const before = pingsBetween(socket.with('WATCHDOG', '1'), readyAt, blockedAt).map(
        (d) => d.at,
      );
      expect(before.length).toBeLessThanOrEqual(
        (before.at(-1)! - before[0]!) / (WATCHDOG_USEC / 1000 / 3) + 2,
      );
    } catch (err) {
      throw explained(err, hb.stderr());
    } finally {
      hb.child.kill('SIGTERM');
    }
    const result = await hb.done;
    expect({ code: result.code, stderr: result.stderr.slice(-2000) }).toEqual({
      code: 0,
      stderr: expect.any(String),
    });
    // Fed from the control loop's cycles, not from a timer of its own.
    expect(result.stdout).toContain('systemd watchdog on: pinged from completed control cycles');
    await socket.waitFor('STOPPING=1', () => socket.with('STOPPING', '1').length > 0, 10_000);
    const stopping = socket.with('STOPPING', '1');
    expect(stopping).toHaveLength(1);
    expect(stopping[0]!.fields.STATUS).toBe('stopping (SIGTERM)');
    // Nothing after STOPPING=1 but the end of its own exchange.
    const after = socket.received.filter((d) => d.at > stopping[0]!.at);
    expect(after.map((d) => Object.keys(d.fields))).toEqual(after.map(() => ['BARRIER']));
    // One process speaks for HeatBridge: the simulators child never sent READY=1.
    expect(socket.with('READY')).toHaveLength(1);
    expect(socket.with('ERRNO')).toEqual([]);
  }, 120_000);

  it('a startup failure sends no READY=1 and says why in STATUS=', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    try {
      const { file } = await demoSite();
      const hb = startHeatBridge(file, ['--port', String(port)]);
      const result = await hb.done;
      expect(result.code).toBe(1);
      await socket.waitFor('STATUS=', () => socket.with('STATUS').length > 0, 10_000);
      expect(socket.with('READY')).toEqual([]);
      expect(socket.with('STATUS').map((d) => d.fields.STATUS)).toContain(
        `port ${port} on 127.0.0.1 (the API and web page) is already in use: move it with --api-port <port>, or all the demo's ports with --port-offset <n>`,
      );
    } finally {
      blocker.close();
    }
  }, 60_000);
});
