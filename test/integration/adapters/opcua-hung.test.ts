import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OpcuaAdapter } from '../../../src/adapters/opcua/adapter';
import { loadSiteConfig, type OpcuaDeviceConfig } from '../../../src/config';
import type { Sample } from '../../../src/domain/sample';
import { BIN, ROOT, finished, waitForHttp, type Finished } from '../../helpers/cli';
import { eventually, startComponent, type Running } from '../../helpers/components';
import { demoConfigFileOnFreePorts } from '../../helpers/sites';

/**
 * A server that hangs (process stopped: TCP stays open, nothing answers) is the case TCP alone
 * never reports. The adapter's keep-alive watchdog must notice it, mark the points stale, and
 * reconnect once the server answers again.
 */
let sim: ReturnType<typeof spawn>;
let simDone: Promise<Finished>;
let running: Running<OpcuaAdapter>;
const latest = new Map<string, Sample>();

beforeAll(async () => {
  const { file, ports } = await demoConfigFileOnFreePorts();
  sim = spawn(
    process.execPath,
    [BIN, 'sim', '--config', file, '--log-format', 'json', '--speed', '30'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  simDone = finished(sim);
  await waitForHttp(`http://127.0.0.1:${ports.admin}/state`, 30_000);
  const loaded = await loadSiteConfig(file, {});
  if (!loaded.ok) throw new Error('config');
  const hall = {
    ...(loaded.config.devices.hall1 as OpcuaDeviceConfig),
    publishingIntervalMs: 250,
    samplingIntervalMs: 100,
  };
  hall.reconnect = { initialDelayMs: 200, maxDelayMs: 1000 };
  const adapter = new OpcuaAdapter('hall1', hall);
  adapter.samples$.subscribe((s) => latest.set(s.id, s));
  running = await startComponent(adapter);
  await eventually(() => latest.get('hall1/it_power')?.quality === 'good', 15_000, 'connected');
}, 60_000);

afterAll(async () => {
  await running.stop();
  sim.kill('SIGCONT');
  sim.kill('SIGTERM');
  await simDone;
});

describe('OPC UA adapter vs a hung server', () => {
  it('notices the silence through its keep-alive watchdog, goes stale, and recovers after', async () => {
    sim.kill('SIGSTOP');
    // Publishing 250 ms × keep-alive count 12 = 3 s between keep-alives; silence allowed 7 s.
    // The deadline is generous (CI may be loaded); that the watchdog, not a TCP timeout, noticed
    // is what the logged reason below proves: a stopped process keeps its sockets open.
    await eventually(
      () => latest.get('hall1/it_power')?.quality === 'stale',
      20_000,
      'stale while hung',
    );
    const lost = (l: Record<string, unknown>): boolean =>
      /^hall1: connection lost \(.*\); retrying$/.test(String(l.msg));
    await eventually(() => running.lines().some(lost), 5_000, 'the loss logged');
    const line = running.lines().find(lost)!;
    expect(line.reason).toMatch(/no publish response|connection lost/);
    sim.kill('SIGCONT');
    const resumed = Date.now();
    await eventually(
      () =>
        latest.get('hall1/it_power')?.quality === 'good' &&
        latest.get('hall1/it_power')!.receivedAt > resumed,
      30_000,
      'good again after the server resumed',
    );
  }, 60_000);
});

describe('OPC UA adapter stopping while it connects', () => {
  it('does not wait for a connect to a server that never answers', async () => {
    // Accepts TCP connections and says nothing: the OPC UA Hello is never answered.
    const silent = createServer(() => undefined);
    const port = await new Promise<number>((resolve) =>
      silent.listen(0, '127.0.0.1', () => resolve((silent.address() as { port: number }).port)),
    );
    try {
      const loaded = await loadSiteConfig('config/demo.yaml', {});
      if (!loaded.ok) throw new Error('config');
      const hall = {
        ...(loaded.config.devices.hall1 as OpcuaDeviceConfig),
        endpoint: `opc.tcp://127.0.0.1:${port}/x`,
      };
      const r = await startComponent(
        new OpcuaAdapter('hall1', { ...hall, pkiDir: mkdtempSync(join(tmpdir(), 'hb-silent-')) }),
      );
      await new Promise((res) => setTimeout(res, 500));
      const stopped = await Promise.race([
        r.stop().then(() => 'stopped'),
        new Promise((res) => setTimeout(() => res('still connecting'), 5000)),
      ]);
      expect(stopped).toBe('stopped');
    } finally {
      silent.close();
    }
  });
});
