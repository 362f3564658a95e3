import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/ports';

/**
 * The fleet load test's peers, started from Debian's packages in temporary folders on free
 * loopback ports: one mosquitto (the broker every edge publishes to) and one single-node
 * VictoriaMetrics (the store every edge's historian writes to). Their pids let the load test
 * read their CPU from /proc.
 */
export interface Peer {
  url: string;
  pid: number;
  /** Output kept for error messages. */
  log(): string;
  stop(): Promise<void>;
}

function launch(
  cmd: string,
  args: string[],
  dir: string,
): { child: ChildProcess; peer: Omit<Peer, 'url'> } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (d: Buffer): void => {
    log = (log + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    peer: {
      pid: child.pid!,
      log: () => log,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
        rmSync(dir, { recursive: true, force: true });
      },
    },
  };
}

async function waitFor(
  what: string,
  ok: () => Promise<boolean>,
  child: ChildProcess,
  log: () => string,
): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (await ok().catch(() => false)) return;
    if (child.exitCode !== null) throw new Error(`${what} exited: ${log().slice(-2000)}`);
    if (Date.now() - start > 30_000)
      throw new Error(`${what} did not start: ${log().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * mosquitto with anonymous access on loopback (a test broker; docs/fleet.md has the production
 * settings), no persistence, no per-client queue limit (a subscriber that falls behind then shows
 * as lag, not as drops; the drops counter is still read), `$SYS` every second.
 */
export async function startMosquitto(): Promise<Peer> {
  const dir = mkdtempSync(join(tmpdir(), 'hb-fleet-mosquitto-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'max_queued_messages 0',
      'max_inflight_messages 0',
      'sys_interval 1',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  const { child, peer } = launch('/usr/sbin/mosquitto', ['-c', conf], dir);
  await waitFor(
    'mosquitto',
    () =>
      new Promise<boolean>((resolve) => {
        const s = connect(port, '127.0.0.1', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      }),
    child,
    peer.log,
  );
  return { ...peer, url: `mqtt://127.0.0.1:${port}` };
}

/**
 * VictoriaMetrics single node. `-search.latencyOffset=0s`: by default queries leave out the last
 * 30 s (for data still arriving), which would hide a short run's samples from the dashboard
 * test. Series limits raised for the load test's 200,000+ series per query.
 */
export async function startVictoriaMetrics(): Promise<Peer> {
  const dir = mkdtempSync(join(tmpdir(), 'hb-fleet-vm-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { child, peer } = launch(
    'victoria-metrics',
    [
      `-storageDataPath=${dir}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      '-loggerLevel=ERROR',
      '-search.latencyOffset=0s',
      '-search.maxUniqueTimeseries=5000000',
      '-search.maxSamplesPerQuery=5000000000',
      '-retentionPeriod=1',
    ],
    dir,
  );
  await waitFor('victoria-metrics', async () => (await fetch(`${url}/health`)).ok, child, peer.log);
  return { ...peer, url };
}
