import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

/**
 * A real InfluxDB 1.x (Debian's influxdb package, `influxd`) in a temporary folder on free
 * loopback ports, for the historian tests. Stop and start it again to make an outage; the data
 * stays in its folder.
 */
export class Influxd {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  readonly dir: string;
  port = 0;
  private rpcPort = 0;
  log = '';

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'hb-influxd-'));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    // A free port found here can be taken by another test worker before influxd binds it: then
    // pick new ones and try again. A restart keeps its ports (clients know the URL).
    for (let attempt = 1; ; attempt++) {
      const fresh = this.port === 0;
      if (fresh) {
        this.port = await freePort();
        this.rpcPort = await freePort();
      }
      try {
        await this.launch();
        return;
      } catch (err) {
        const taken = this.log.includes('address already in use');
        if (!fresh || !taken || attempt >= 3) throw err;
        this.port = 0;
        this.log = '';
      }
    }
  }

  private async launch(): Promise<void> {
    for (const d of ['meta', 'data', 'wal']) mkdirSync(join(this.dir, d), { recursive: true });
    const conf = join(this.dir, 'influxdb.conf');
    writeFileSync(
      conf,
      `reporting-disabled = true
bind-address = "127.0.0.1:${this.rpcPort}"
[meta]
  dir = "${join(this.dir, 'meta')}"
  logging-enabled = false
[data]
  dir = "${join(this.dir, 'data')}"
  wal-dir = "${join(this.dir, 'wal')}"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:${this.port}"
  log-enabled = false
[continuous_queries]
  log-enabled = false
`,
    );
    const child = spawn('influxd', ['-config', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => (this.log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.log = (this.log + d.toString()).slice(-20_000)));
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const start = Date.now();
    for (;;) {
      try {
        const res = await fetch(`${this.url}/ping`);
        if (res.status === 204) return;
      } catch {
        // not up yet
      }
      if (child.exitCode !== null) throw new Error(`influxd exited: ${this.log.slice(-2000)}`);
      if (Date.now() - start > 30_000)
        throw new Error(`influxd did not start: ${this.log.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGTERM');
    await this.exited;
    this.child = undefined;
  }

  /** Runs InfluxQL and returns the first series' rows as objects. */
  /** The series of one InfluxQL statement as InfluxDB returns them (throws on an error). */
  async series(db: string, q: string): Promise<InfluxSeries[]> {
    const url = new URL('/query', this.url);
    url.searchParams.set('db', db);
    url.searchParams.set('q', q);
    url.searchParams.set('epoch', 'ms');
    const res = await fetch(url, { method: 'POST' });
    const body = (await res.json()) as {
      results?: { series?: InfluxSeries[]; error?: string }[];
      error?: string;
    };
    const r = body.results?.[0];
    if (body.error || r?.error) throw new Error(body.error ?? r!.error);
    return r?.series ?? [];
  }

  async query(db: string, q: string): Promise<Record<string, unknown>[]> {
    const url = new URL('/query', this.url);
    url.searchParams.set('db', db);
    url.searchParams.set('q', q);
    url.searchParams.set('epoch', 'ms');
    const body = (await (await fetch(url)).json()) as {
      results: { series?: { columns: string[]; values: unknown[][] }[]; error?: string }[];
    };
    const r = body.results[0]!;
    if (r.error) throw new Error(r.error);
    return (r.series ?? []).flatMap((s) =>
      s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]]))),
    );
  }
}

/** Debian's VictoriaMetrics: a real server that accepts InfluxDB 2.x `/api/v2/write`. */
export class VictoriaMetrics {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  port = 0;
  readonly dir = mkdtempSync(join(tmpdir(), 'hb-vm-'));

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    const child = spawn(
      'victoria-metrics',
      [
        `-storageDataPath=${this.dir}`,
        `-httpListenAddr=127.0.0.1:${this.port}`,
        '-loggerLevel=ERROR',
      ],
      {
        stdio: 'ignore',
      },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const start = Date.now();
    for (;;) {
      try {
        if ((await fetch(`${this.url}/health`)).ok) return;
      } catch {
        // not up yet
      }
      if (Date.now() - start > 30_000) throw new Error('victoria-metrics did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    this.child.kill('SIGTERM');
    await this.exited;
  }

  /** Exported series (JSON lines of /api/v1/export) matching a selector. */
  async export(
    selector: string,
  ): Promise<{ metric: Record<string, string>; values: number[]; timestamps: number[] }[]> {
    await fetch(`${this.url}/internal/force_flush`);
    const url = new URL('/api/v1/export', this.url);
    url.searchParams.set('match[]', selector);
    const text = await (await fetch(url)).text();
    return text
      .split('\n')
      .filter(Boolean)
      .map(
        (l) =>
          JSON.parse(l) as {
            metric: Record<string, string>;
            values: number[];
            timestamps: number[];
          },
      );
  }
}
