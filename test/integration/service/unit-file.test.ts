import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { BIN, ROOT, runCli } from '../../helpers/cli';

/** deploy/systemd checked by systemd's own tools (systemd 252): verify, security, sysusers. */

const run = promisify(execFile);
const UNIT = join(ROOT, 'deploy', 'systemd', 'heatbridge.service');
const SYSUSERS = join(ROOT, 'deploy', 'systemd', 'heatbridge.sysusers.conf');
const text = readFileSync(UNIT, 'utf8');

/** The [Service] settings as key → values (a key may repeat). */
function settings(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
}

/**
 * The unit with ExecStart pointing at this checkout (`systemd-analyze verify` insists that the
 * program exists), in a folder of its own so the file name stays heatbridge.service.
 */
function localCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hb-unit-'));
  const file = join(dir, 'heatbridge.service');
  writeFileSync(
    file,
    text
      .replace('/opt/heatbridge/node_modules/.bin/node', process.execPath)
      .replace('/opt/heatbridge/bin/heatbridge.js', BIN),
  );
  return file;
}

describe('deploy/systemd/heatbridge.service', () => {
  it('passes systemd-analyze verify without a warning', async () => {
    const { stdout, stderr } = await run('systemd-analyze', ['verify', localCopy()]);
    expect({ stdout, stderr }).toEqual({ stdout: '', stderr: '' });
  });

  it('is a notify service with a watchdog, restarts, a dedicated user, and no W^X ban', () => {
    const s = settings();
    expect(Object.fromEntries([...s].map(([k, v]) => [k, v.join(' | ')]))).toMatchObject({
      Type: 'notify',
      NotifyAccess: 'all',
      WatchdogSec: '30s',
      Restart: 'always',
      User: 'heatbridge',
      Group: 'heatbridge',
      StateDirectory: 'heatbridge',
      WorkingDirectory: '/var/lib/heatbridge',
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      PrivateDevices: 'yes',
      CapabilityBoundingSet: '',
      RestrictAddressFamilies: 'AF_UNIX AF_INET AF_INET6',
      UMask: '0027',
    });
    // V8's JIT writes executable code: MemoryDenyWriteExecute=yes would kill Node at startup.
    expect(s.has('MemoryDenyWriteExecute')).toBe(false);
    expect(s.get('ExecStart')).toEqual([
      '/opt/heatbridge/node_modules/.bin/node /opt/heatbridge/bin/heatbridge.js run --config /etc/heatbridge/site.yaml --log-format json',
    ]);
  });

  it('its ExecStart is a command line heatbridge understands (exit 1 for the missing file, not 2)', async () => {
    const args = settings().get('ExecStart')![0]!.split(' ').slice(2);
    expect(args[0]).toBe('run');
    const missing = join(mkdtempSync(join(tmpdir(), 'hb-unit-')), 'site.yaml');
    const result = await runCli(args.map((a) => (a === '/etc/heatbridge/site.yaml' ? missing : a)));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(missing);
  });

  it('keeps its exposure low in systemd-analyze security', async () => {
    const { stdout } = await run('systemd-analyze', ['security', '--offline=true', localCopy()]);
    const level = /Overall exposure level for heatbridge\.service: ([\d.]+)/.exec(stdout);
    expect(level).not.toBeNull();
    expect(Number(level![1])).toBeLessThanOrEqual(2);
  });
});

describe('deploy/systemd/heatbridge.sysusers.conf', () => {
  it('creates the heatbridge system user and group, with no login', async () => {
    const root = mkdtempSync(join(tmpdir(), 'hb-sysusers-'));
    mkdirSync(join(root, 'etc'));
    await run('systemd-sysusers', [`--root=${root}`, SYSUSERS]);
    const passwd = readFileSync(join(root, 'etc', 'passwd'), 'utf8');
    expect(passwd).toMatch(
      /^heatbridge:x:(\d+):\1:HeatBridge supervisory controller:\/var\/lib\/heatbridge:\/usr\/sbin\/nologin$/m,
    );
    expect(readFileSync(join(root, 'etc', 'group'), 'utf8')).toMatch(/^heatbridge:x:\d+:$/m);
  });
});
