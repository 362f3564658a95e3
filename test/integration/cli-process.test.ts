import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ROOT, finished, runCli, waitForHttp } from '../helpers/cli';
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
      const { body } = await waitForHttp(`http://127.0.0.1:${ports.api}/api/health`, 60_000);
      const health = body as { status: string; components: { name: string; state: string }[] };
      expect(health.status).toBe('ok');
      expect(health.components.map((c) => c.name)).toEqual(
        expect.arrayContaining(['api', 'simulators']),
      );
      for (const c of health.components) expect(c.state).toBe('running');
      // The simulators really serve the plant: the admin API answers with the model's state.
      await waitForHttp(`http://127.0.0.1:${ports.admin}/state`, 10_000);
    } finally {
      process.kill(-child.pid!, 'SIGINT');
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
    await waitForHttp(`http://127.0.0.1:${ports.api}/api/health`, 30_000);
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
      process.kill(-child.pid!, 'SIGINT');
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

  it('a busy port stops startup with exit 1 and says which port', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    try {
      const { file } = await demoConfigFileOnFreePorts();
      const result = await runCli([
        'demo',
        '--config',
        file,
        '--port',
        String(port),
        '--log-format',
        'json',
      ]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      blocker.close();
    }
  });
});

describe('heatbridge config validate, as a process', () => {
  it('exits 0 for the demo config', async () => {
    const r = await runCli(['config', 'validate', 'config/demo.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('config/demo.yaml: valid');
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
