import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { EMPTY, Subject } from 'rxjs';
import type { Kpis } from '../../../src/api/kpi';
import type { SiteConfig } from '../../../src/config';
import { loadSiteConfig, Secret } from '../../../src/config';
import type { SparkplugConfig } from '../../../src/config/sparkplug';
import type { PointDef } from '../../../src/domain/point';
import type { PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import type { NorthboundDeps } from '../../../src/northbound/northbound-deps';
import { SparkplugPublisher } from '../../../src/northbound/sparkplug/sparkplug-publisher';
import { LatestValues } from '../../../src/runtime/latest-values';
import { projectRoot } from '../../../src/util/project-root';
import { memoryLogger } from '../../helpers/logger';
import { freePort } from '../../helpers/ports';

/**
 * The fleet broker's shipped configuration (deploy/fleet/mosquitto: entrypoint.sh, mosquitto.conf,
 * acl) run by Debian's mosquitto, the same 2.0 line as the compose file's image: only the paths
 * and the port are moved into a temporary folder. The entrypoint makes the password file from the
 * environment; then a site can publish Sparkplug data only as its own edge node, the SCADA's host
 * user reads it, and anonymous or wrong-password clients are refused.
 */
const shipped = join(projectRoot(), 'deploy', 'fleet', 'mosquitto');
const dir = mkdtempSync(join(tmpdir(), 'hb-fleet-broker-'));
let port = 0;
let broker: ChildProcess;
let log = '';
const clients: MqttClient[] = [];
/** Publishers still running when a test fails: stopped in afterAll, so nothing keeps jest alive. */
const publishers = new Set<{ stop(): Promise<void> }>();

beforeAll(async () => {
  port = await freePort();
  // Started as root, mosquitto runs as its own user, which must reach the password file.
  chmodSync(dir, 0o755);
  const conf = readFileSync(join(shipped, 'mosquitto.conf'), 'utf8')
    .replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`)
    .replaceAll('/mosquitto/data', dir)
    .replace('/mosquitto/config/acl', join(shipped, 'acl'));
  writeFileSync(join(dir, 'mosquitto.conf'), conf);
  broker = spawn('/bin/sh', [join(shipped, 'entrypoint.sh')], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      MOSQUITTO_DATA: dir,
      MOSQUITTO_CONF: join(dir, 'mosquitto.conf'),
      MQTT_HOST_PASSWORD: 'host-secret-1',
      MQTT_EDGE_PASSWORDS: 'site-a=edge-secret-a,site-b=edge-secret-b',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  broker.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  broker.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) break;
    if (broker.exitCode !== null || i > 100) throw new Error(`mosquitto did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

afterAll(async () => {
  for (const p of publishers) await p.stop();
  for (const c of clients) await c.endAsync(true);
  if (broker.exitCode === null) {
    const exited = new Promise((r) => broker.once('exit', r));
    broker.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The `northbound.sparkplug` section of deploy/fleet/site-example.yaml as HeatBridge loads it
 * (site-a, group heatbridge, user name = edge node id), moved to this broker's port.
 */
async function exampleSparkplug(): Promise<SparkplugConfig> {
  const r = await loadSiteConfig(join(projectRoot(), 'deploy', 'fleet', 'site-example.yaml'), {
    FLEET_WRITE_TOKEN: 'test-token-0123456789abcdef',
    FLEET_MQTT_PASSWORD: 'edge-secret-a',
  });
  if (!r.ok || !r.config.northbound?.sparkplug) throw new Error('site-example.yaml did not load');
  return { ...r.config.northbound.sparkplug, url: `mqtt://127.0.0.1:${port}` };
}

/** HeatBridge's Sparkplug publisher with one point, hand-fed samples (no plant needed). */
async function startPublisher(over: Partial<SparkplugConfig> = {}): Promise<{
  emit(v: number): void;
  stop(): Promise<void>;
  reports: string[];
  details(): Record<string, unknown>;
}> {
  const state = mkdtempSync(join(tmpdir(), 'hb-fleet-edge-'));
  const cfg: SparkplugConfig = {
    ...(await exampleSparkplug()),
    publishIntervalMs: 100,
    kpis: false,
    stateFile: join(state, 'state.json'),
    spool: { dir: join(state, 'spool'), maxBytes: 16 * 1024 * 1024 },
    ...over,
  };
  const edgeNodeId = cfg.edgeNodeId ?? 'site-a';
  const samples = new Subject<Sample>();
  const id = 'hp1/condenser_out_temp' as PointId;
  const defs = new Map<PointId, PointDef>([
    [
      id,
      {
        id,
        device: 'hp1',
        name: 'condenser_out_temp',
        unit: 'degC',
        kind: 'measurement',
        access: 'r',
        historian: { mode: 'every' },
        expectedPeriodMs: 1000,
        staleAfterMs: 3000,
      },
    ],
  ]);
  const { log } = memoryLogger();
  const latest = new LatestValues(samples);
  const deps: NorthboundDeps = {
    site: { site: { id: edgeNodeId, name: edgeNodeId } } as unknown as SiteConfig,
    defs,
    latest,
    samples$: samples,
    alarms: { list: () => [], get: () => undefined, transitions$: EMPTY },
    mode: () => 'auto',
    kpis: () => ({}) as unknown as Kpis,
    tokens: () => {
      throw new Error('not used');
    },
    log,
    now: Date.now,
  };
  const publisher = new SparkplugPublisher(cfg, deps);
  const reports: string[] = [];
  await publisher.start({ log, report: (st, m) => reports.push(`${st} ${m ?? ''}`) });
  const handle = {
    reports,
    details: () => publisher.details(),
    emit: (value: number) => {
      const now = Date.now();
      samples.next({ id, value, ts: now, receivedAt: now, quality: 'good' });
    },
    stop: async () => {
      publishers.delete(handle);
      await publisher.stop();
      rmSync(state, { recursive: true, force: true });
    },
  };
  publishers.add(handle);
  // start() does not wait for the broker. A sample taken before the births would be in the
  // DBIRTH (or spooled, then sent as historical data), never live DDATA: wait for the births.
  for (let i = 0; i < 200 && Number(publisher.details().births ?? 0) === 0; i++)
    await new Promise((r) => setTimeout(r, 50));
  return handle;
}

async function client(username?: string, password?: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...(username ? { username, password: password ?? '' } : {}),
  });
  clients.push(c);
  return c;
}

describe('the fleet broker configuration', () => {
  it('never writes a password to its output', () => {
    expect(log).not.toMatch(/secret/);
  });

  it('delivers a site’s own Sparkplug data to the host application, and not what it publishes as another site', async () => {
    const host = await client('scada', 'host-secret-1');
    const got: string[] = [];
    host.on('message', (t, p) => got.push(`${t} ${p.toString()}`));
    await host.subscribeAsync('spBv1.0/#', { qos: 1 });
    const siteA = await client('site-a', 'edge-secret-a');
    // Spoofed first, then its own: MQTT keeps one connection's order, so once the second has
    // arrived the first would have too. (MQTT 3.1.1 drops a refused publish silently.)
    await siteA.publishAsync('spBv1.0/heatbridge/DDATA/site-b/hp1', 'spoofed', { qos: 1 });
    await siteA.publishAsync('spBv1.0/heatbridge/NDATA/site-b', 'spoofed', { qos: 1 });
    await siteA.publishAsync('spBv1.0/heatbridge/DDATA/site-a/hp1', 'own', { qos: 1 });
    for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual(['spBv1.0/heatbridge/DDATA/site-a/hp1 own']);
  });

  it('lets a site read commands for itself, not for another site', async () => {
    const siteB = await client('site-b', 'edge-secret-b');
    const got: string[] = [];
    siteB.on('message', (t) => got.push(t));
    await siteB.subscribeAsync([
      'spBv1.0/heatbridge/NCMD/site-a',
      'spBv1.0/heatbridge/NCMD/site-b',
    ]);
    const host = await client('scada', 'host-secret-1');
    await host.publishAsync('spBv1.0/heatbridge/NCMD/site-a', 'x', { qos: 1 });
    await host.publishAsync('spBv1.0/heatbridge/NCMD/site-b', 'y', { qos: 1 });
    for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual(['spBv1.0/heatbridge/NCMD/site-b']);
  });

  it('carries HeatBridge’s own Sparkplug publisher, configured as site-example.yaml is, to the host', async () => {
    const host = await client('scada', 'host-secret-1');
    const topics: string[] = [];
    host.on('message', (t) => topics.push(t));
    await host.subscribeAsync('spBv1.0/heatbridge/#', { qos: 1 });
    const site = await startPublisher();
    site.emit(71.5);
    for (let i = 0; i < 100 && !topics.some((t) => t.includes('/DDATA/')); i++)
      await new Promise((r) => setTimeout(r, 50));
    await site.stop();
    expect(topics).toEqual(
      expect.arrayContaining([
        'spBv1.0/heatbridge/NBIRTH/site-a',
        'spBv1.0/heatbridge/DBIRTH/site-a/hp1',
        'spBv1.0/heatbridge/DDATA/site-a/hp1',
      ]),
    );
    // Its subscriptions (its own NCMD and DCMD) were granted: no refusal reported.
    expect(site.reports.filter((r) => !r.startsWith('running'))).toEqual([]);
  });

  it('delivers nothing from a site that claims another site’s edge node id', async () => {
    const host = await client('scada', 'host-secret-1');
    const topics: string[] = [];
    host.on('message', (t) => topics.push(t));
    await host.subscribeAsync('spBv1.0/heatbridge/#', { qos: 1 });
    // site-b's credentials, site-a's edge node id (the example's: its site id).
    const impostor = await startPublisher({
      username: 'site-b',
      password: new Secret('edge-secret-b', 'test'),
    });
    impostor.emit(99);
    // The impostor believes it published (mosquitto acknowledges a refused publish and drops it,
    // as MQTT 3.1.1 has no way to say no): its births and its DDATA.
    const published = (): number => Number(impostor.details().published ?? 0);
    for (let i = 0; i < 100 && published() === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(impostor.details()).toMatchObject({ connected: true, births: 1 });
    expect(published()).toBeGreaterThan(0);
    // Anything it sent was on the wire before the witness's message, which the host then gets.
    const witness = await client('site-b', 'edge-secret-b');
    await witness.publishAsync('spBv1.0/heatbridge/NDATA/site-b', 'witness', { qos: 1 });
    for (let i = 0; i < 100 && topics.length === 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    await impostor.stop();
    expect(topics).toEqual(['spBv1.0/heatbridge/NDATA/site-b']);
  });

  it('refuses anonymous clients and wrong passwords', async () => {
    await expect(client()).rejects.toThrow(/Not authorized|not authori[sz]ed/i);
    await expect(client('site-a', 'wrong')).rejects.toThrow(
      /Not authorized|not authori[sz]ed|Bad username/i,
    );
  });
});
