import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

/**
 * A real Mosquitto broker (Debian's `mosquitto`) on a free loopback port with a temporary
 * config, no persistence: a kill and start again is a broker restart that lost every session
 * and retained message, as a crashed broker without a persistence file does. A restart keeps
 * its port (clients know the URL).
 */
export class Mosquitto {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'hb-mosquitto-'));
  port = 0;
  log = '';

  /**
   * `allowAnonymous: false`: only `users` may connect (none: every client is refused, CONNACK 5).
   * `tls`: the listener speaks TLS with this certificate and key (test/helpers/tls.ts).
   */
  constructor(
    private readonly opts: {
      allowAnonymous?: boolean;
      users?: Record<string, string>;
      tls?: { cert: string; key: string };
    } = {},
  ) {}

  get url(): string {
    return `${this.opts.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    // A free port found here can be taken by another worker before mosquitto binds it: then a
    // fresh start picks another one.
    for (let attempt = 1; ; attempt++) {
      const fresh = this.port === 0;
      if (fresh) this.port = await freePort();
      try {
        await this.launch();
        return;
      } catch (err) {
        if (!fresh || !this.log.includes('in use') || attempt >= 3) throw err;
        this.port = 0;
      }
    }
  }

  private launch(): Promise<void> {
    const conf = join(this.dir, 'mosquitto.conf');
    // Started as root, mosquitto would switch to the `mosquitto` user, who cannot read this
    // private temporary folder (password file, key).
    const extra: string[] = process.getuid?.() === 0 ? ['user root'] : [];
    if (this.opts.users) {
      const file = join(this.dir, 'passwd');
      writeFileSync(file, '');
      for (const [user, password] of Object.entries(this.opts.users))
        execFileSync('/usr/bin/mosquitto_passwd', ['-b', file, user, password]);
      extra.push(`password_file ${file}`);
    }
    if (this.opts.tls) extra.push(`certfile ${this.opts.tls.cert}`, `keyfile ${this.opts.tls.key}`);
    writeFileSync(
      conf,
      [
        `listener ${this.port} 127.0.0.1`,
        ...extra,
        `allow_anonymous ${this.opts.allowAnonymous === false ? 'false' : 'true'}`,
        'persistence false',
        'log_dest stderr',
        'log_type error',
        'log_type warning',
        'log_type notice',
        'log_type information',
        '',
      ].join('\n'),
    );
    this.log = '';
    const child = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`mosquitto did not start within 10 s:\n${this.log}`));
      }, 10_000);
      const onData = (d: Buffer): void => {
        this.log += d.toString();
        if (/mosquitto version \S+ running/.test(this.log)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`mosquitto exited (${code}) before it ran:\n${this.log}`));
      });
    });
  }

  /** Kills the broker (SIGKILL: no goodbye to any client) and waits until it is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await this.exited;
    this.child = undefined;
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
