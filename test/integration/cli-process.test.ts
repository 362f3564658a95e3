import { spawn, execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { writeFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ROOT, finished, runCli, waitForHttp } from '../helpers/cli';
import { ensureDemoTokens } from '../../src/api/demo-tokens';
import { demoConfigFileOnFreePorts } from '../helpers/sites';

/** Processes still alive in a process group (what a terminal's Ctrl-C reaches). */
function aliveInGroup(pgid: number): string[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,args=', '-g', String(pgid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  } catch {
    return []; // ps exits 1 when the group is empty
  }
}

describe('the README quick start, as a user runs it', () => {
  it('`npm run demo` answers /api/health within 60 s and Ctrl-C stops everything with exit 0', async () => {
    // The demo site on free ports, so the test does not collide with a demo already running.
    const { file, ports } = await demoConfigFileOnFreePorts();
    // detached: its own process group, so we can send SIGINT to the whole group like a terminal.
    const child = spawn('npm', ['run', 'demo', '--', '--config', file, '--log-format', 'json'], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const done = finished(child);
    try {
      const url = `http://127.0.0.1:${ports.api}/api/health`;
      type Health = { status: string; components: { name: string; state: string }[] };
      // Degraded answers 200 too: a loaded machine can skip a control cycle while the site starts.
      // The steady state is what is asserted; the last answer is named if it never comes.
      const health = (
        await waitForHttp(url, 90_000, 200, (body) => (body as Health).status === 'ok')
      ).body as Health;
      expect(health.status).toBe('ok');
      expect(health.components.map((c) => c.name)).toEqual(
        expect.arrayContaining(['api', 'simulators']),
      );
      for (const c of health.components) expect(c.state).toBe('running');
      // The simulators really serve the plant: the admin API answers with the model's state.
      await waitForHttp(`http://127.0.0.1:${ports.admin}/state`, 10_000);
    } finally {
      stopGroup(child.pid!);
    }
    const result = await done;
    expect({ code: result.code, stderr: result.stderr.slice(-2000) }).toEqual({
      code: 0,
      stderr: expect.any(String),
    });
    expect(result.stdout).toContain('HeatBridge stopped');
    expect(result.stdout).toContain('simulators stopped');
    expect(aliveInGroup(child.pid!)).toEqual([]);
  }, 120_000);

  it('SIGTERM (systemd, docker stop) stops cleanly too, simulators included', async () => {
    const { file, ports } = await demoConfigFileOnFreePorts();
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin/heatbridge.js'), 'demo', '--config', file, '--log-format', 'json'],
      {
        cwd: ROOT,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const done = finished(child);
    try {
      await waitForHttp(`http://127.0.0.1:${ports.api}/api/health`, 30_000);
    } catch (err) {
      stopGroup(child.pid!); // a demo left running keeps jest from exiting
      throw err;
    }
    child.kill('SIGTERM'); // only the parent: it must stop its child itself
    const result = await done;
    expect(result.code).toBe(0);
    const lines = result.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map(
        (l) =>
          JSON.parse(l) as { msg: string; reason?: string; component?: string; process?: string },
      );
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'stopping HeatBridge', reason: 'SIGTERM' }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'simulators stopped', process: 'simulators' }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'component stopped', component: 'api' }),
    );
    expect(aliveInGroup(child.pid!)).toEqual([]);
  });

  it('reports the simulators failed in /api/health when their process dies, and keeps running', async () => {
    const { file, ports } = await demoConfigFileOnFreePorts();
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin/heatbridge.js'), 'demo', '--config', file, '--log-format', 'json'],
      {
        cwd: ROOT,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const done = finished(child);
    try {
      const { body } = await waitForHttp(`http://127.0.0.1:${ports.api}/api/health`, 30_000);
      const sim = (
        body as { components: { name: string; details?: { pid?: number } }[] }
      ).components.find((c) => c.name === 'simulators');
      process.kill(sim!.details!.pid!, 'SIGKILL');
      const { body: after } = await waitForHttp(
        `http://127.0.0.1:${ports.api}/api/health`,
        10_000,
        503,
      );
      expect(after).toMatchObject({
        status: 'failed',
        components: expect.arrayContaining([
          expect.objectContaining({
            name: 'simulators',
            state: 'failed',
            message: 'simulators exited (signal SIGKILL)',
          }),
          expect.objectContaining({ name: 'api', state: 'running' }),
        ]),
      });
    } finally {
      stopGroup(child.pid!);
    }
    expect((await done).code).toBe(0);
    expect(aliveInGroup(child.pid!)).toEqual([]);
  });

  it('one Ctrl-C delivered twice (terminal and npm both forward it) still stops cleanly with exit 0', async () => {
    const { file, ports } = await demoConfigFileOnFreePorts();
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin/heatbridge.js'), 'demo', '--config', file, '--log-format', 'json'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const done = finished(child);
    await waitForHttp(`http://127.0.0.1:${ports.api}/api/health`, 30_000);
    child.kill('SIGINT');
    child.kill('SIGINT');
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('second signal');
  });
});

/** A listener on 127.0.0.1:port (another program holding the port), until closed. */
async function occupy(port: number): Promise<Server> {
  const blocker = createServer();
  await new Promise<void>((resolve, reject) => {
    blocker.once('error', reject);
    blocker.listen(port, '127.0.0.1', () => resolve());
  });
  return blocker;
}

/** A stack trace line ("    at fn (file.js:1:2)") anywhere in a process's output. */
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

describe('a busy port (issue 21): one line naming the port and the option that moves it', () => {
  it.each([
    ['api', 'the API and web page', '--api-port'],
    ['opcua', 'the simulated OPC UA server of hall1', '--opcua-port'],
    ['dh', 'the simulated Modbus server of dh', '--modbus-port'],
    ['plc', 'the simulated Modbus server of plant, hp1, hp2', '--modbus-port'],
    ['admin', "the simulators' admin API", '--admin-port'],
  ] as const)(
    'demo with the %s port taken: exit 1, nothing started, no stack',
    async (which, what, option) => {
      const { file, ports } = await demoConfigFileOnFreePorts();
      const port = ports[which];
      const blocker = await occupy(port);
      try {
        const result = await runCli(['demo', '--config', file, '--log-format', 'json']);
        const output = result.stdout + result.stderr;
        expect(result.code).toBe(1);
        expect(output).toContain(
          `port ${port} on 127.0.0.1 (${what}) is already in use: move it with ${option} <port>, or all the demo's ports with --port-offset <n>`,
        );
        expect(output).not.toMatch(STACK_LINE);
        // Stopped before anything started: no simulators, no API.
        expect(output).not.toContain('component started');
      } finally {
        blocker.close();
      }
    },
  );

  it('run with the API port taken names the config key; sim names its option', async () => {
    const { file, ports, dir } = await demoConfigFileOnFreePorts();
    ensureDemoTokens(join(dir, 'demo-tokens.yaml'));
    const api = await occupy(ports.api);
    const admin = await occupy(ports.admin);
    try {
      const run = await runCli(['run', '--config', file, '--log-format', 'pretty']);
      expect(run.code).toBe(1);
      expect(run.stdout + run.stderr).toContain(
        `port ${ports.api} on 127.0.0.1 (the API and web page) is already in use: choose another port with api.port in ${file}`,
      );
      expect(run.stdout + run.stderr).not.toMatch(STACK_LINE);
      const sim = await runCli(['sim', '--config', file, '--log-format', 'pretty']);
      expect(sim.code).toBe(1);
      expect(sim.stdout + sim.stderr).toContain(
        `port ${ports.admin} on 127.0.0.1 (the simulators' admin API) is already in use: move it with --admin-port <port>, or all the simulators' ports with --port-offset <n>`,
      );
      expect(sim.stdout + sim.stderr).not.toMatch(STACK_LINE);
    } finally {
      api.close();
      admin.close();
    }
  });

  it('demo --port-offset moves every port, the devices with them: /api/health on the moved port, devices connected', async () => {
    // The configured and the moved ports lie below the kernel's ephemeral range, where no other
    // test's freePort() (port 0) can take one between the check here and the demo's listen: with
    // ephemeral ports, a parallel test did once, the demo refused the busy port and exited.
    const { base, offset, spare } = await portsAndOffsetBelowEphemeralRange(5);
    const [plc, dh, opcua, api, admin] = base as [number, number, number, number, number];
    const { file, ports } = await demoConfigFileOnFreePorts({ plc, dh, opcua, api, admin });
    const all = [ports.opcua, ports.plc, ports.dh, ports.admin];
    const apiPort = spare;
    // The configured ports are taken: only the moved ones can work.
    const blockers = await Promise.all([ports.api, ...all].map(occupy));
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'bin/heatbridge.js'),
        'demo',
        '--config',
        file,
        '--port-offset',
        String(offset),
        '--api-port',
        String(apiPort),
        '--log-format',
        'json',
      ],
      { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const done = finished(child);
    let exitedEarly = false;
    void done.then(() => (exitedEarly = true));
    try {
      const { body } = await waitForHttp(`http://127.0.0.1:${apiPort}/api/health`, 60_000);
      const names = (body as { components: { name: string }[] }).components.map((c) => c.name);
      expect(names).toEqual(
        expect.arrayContaining([
          `modbus tcp:127.0.0.1:${ports.plc + offset}`,
          `modbus tcp:127.0.0.1:${ports.dh + offset}`,
          'opcua hall1',
          'simulators',
        ]),
      );
      // The adapters read the moved simulators: a value from each protocol turns good.
      for (const id of ['hall1/it_power', 'dh/supply_temp', 'plant/source_supply_temp']) {
        await until(async () => {
          const res = await fetch(`http://127.0.0.1:${apiPort}/api/points/${id}`);
          return ((await res.json()) as { quality?: string }).quality === 'good';
        }, 60_000);
      }
      await waitForHttp(`http://127.0.0.1:${ports.admin + offset}/state`, 10_000);
    } catch (err) {
      // What the demo said is the only clue to why it did not come up: put it in the failure.
      if (!exitedEarly) stopGroup(child.pid!);
      const out = await done;
      throw new Error(
        `${String(err)}\ndemo exited ${String(out.code)} (${String(out.signal)}); its output:\n${out.stdout.slice(-4000)}\n${out.stderr.slice(-4000)}`,
        { cause: err },
      );
    } finally {
      // Closed first, whatever else fails: a listening blocker keeps jest from ever exiting.
      for (const b of blockers) b.close();
    }
    stopGroup(child.pid!);
    expect((await done).code).toBe(0);
  }, 150_000);
});

/** SIGINT to a detached child's process group; one that is already gone is not an error. */
function stopGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGINT');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/**
 * `n` free ports and an offset that moves each onto another free port (plus one spare above the
 * moved ones), all below the kernel's ephemeral range (/proc/sys/net/ipv4/ip_local_port_range),
 * which port-0 listens (every other test's freePort()) never hand out.
 */
async function portsAndOffsetBelowEphemeralRange(
  n: number,
): Promise<{ base: number[]; offset: number; spare: number }> {
  let low = 32768;
  try {
    low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
  } catch {
    // not Linux: the IANA default range starts at 49152, the Linux default at 32768
  }
  const isFree = (p: number): Promise<boolean> =>
    occupy(p).then(
      (s) => new Promise<boolean>((r) => s.close(() => r(true))),
      () => false,
    );
  for (let tries = 0; tries < 100; tries++) {
    const start = 10_000 + Math.floor(Math.random() * (low - 10_000 - 4_000));
    const base = Array.from({ length: n }, (_, i) => start + i * 7);
    const offset = 1_000 + Math.floor(Math.random() * 2_000);
    const spare = start + n * 7 + offset;
    const wanted = [...base, ...base.map((p) => p + offset), spare];
    if (Math.max(...wanted) >= low) continue;
    const free = await Promise.all(wanted.map(isFree));
    if (free.every(Boolean)) return { base, offset, spare };
  }
  throw new Error(`no ${n} free ports and offset below ${low}`);
}

/** Polls `ok` until it holds, or fails after `timeoutMs`. */
async function until(ok: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await ok().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`not within ${timeoutMs} ms`);
}

describe('heatbridge config validate, as a process', () => {
  it('exits 0 for the demo config once its tokens exist, and names the tokens file before', async () => {
    // The demo's tokens file is created by `heatbridge demo`; on a fresh clone it is not there
    // yet, and validate says so (run would fail without it). A site extending the demo with
    // its own tokens file in a fresh folder stands for both, whatever this checkout's data/ holds.
    const dir = mkdtempSync(join(tmpdir(), 'hb-validate-demo-'));
    const tokens = join(dir, 'demo-tokens.yaml');
    const file = join(dir, 'site.yaml');
    writeFileSync(
      file,
      `extends: ${join(ROOT, 'config', 'demo.yaml')}\napi: { tokensFile: ${tokens} }\n`,
    );
    const before = await runCli(['config', 'validate', file]);
    expect(before.code).toBe(1);
    expect(before.stderr).toContain(`api.tokensFile: ${tokens}: no such file`);
    ensureDemoTokens(tokens);
    const r = await runCli(['config', 'validate', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${file}: valid`);
  });

  it('exits 1 naming three mistakes with their paths and lines', async () => {
    const r = await runCli(['config', 'validate', 'test/cases/config/invalid/three-mistakes.yaml']);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe('test/cases/config/invalid/three-mistakes.yaml: 3 problems:');
    expect(lines.slice(1).map((l) => l.split(': ')[1])).toEqual([
      'devices.hp1.pollIntervalMS',
      'devices.hp1.points[1].register',
      'devices.hp1.points[2].unit',
    ]);
  });

  it('names the line of a YAML syntax error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-cli-'));
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'site:\n  id: x\n  name: [unclosed\ndevices: {}\n');
    const r = await runCli(['config', 'validate', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${file}:\\d+: \\(file\\): YAML syntax error`));
  });

  it('never prints a secret taken from the environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-cli-'));
    const file = join(dir, 'secret.yaml');
    writeFileSync(
      file,
      `site: { id: s, name: S }
devices:
  m: { protocol: modbus, host: 127.0.0.1, points: [{ name: e, table: input, register: 0, type: uint32, unit: kWh }] }
historian: { type: influxdb-v2, url: 'http://127.0.0.1:8086', org: o, bucket: b, token: { env: HB_TOKEN } }
api: { port: 18081 }
`,
    );
    const r = await runCli(['config', 'validate', file], { HB_TOKEN: 'super-secret-token-value' });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('super-secret-token-value');
  });
});
