import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadSiteConfig } from '../../../src/config';
import { buildFleetDashboard } from '../../../src/grafana/fleet/fleet-dashboard';
import { FLEET_DATASOURCE } from '../../../src/grafana/fleet/fleet-model';
import { GRAFANA_VERSION } from '../../../src/grafana/panels';
import { projectRoot } from '../../../src/util/project-root';

/**
 * deploy/fleet/docker-compose.fleet.yml without a Docker engine: Debian's docker-compose
 * validates it; the services, their health checks, mounts and the VictoriaMetrics cluster's
 * wiring agree with each other; Grafana's provisioning finds the fleet dashboard, which is the
 * generated one; and the site example is a valid site config that points at the published ports.
 */
const dir = join(projectRoot(), 'deploy', 'fleet');
const file = join(dir, 'docker-compose.fleet.yml');

interface Service {
  image: string;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
const compose = parse(readFileSync(file, 'utf8')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = compose.services;

/** The variables .env.fleet.example lists, each given a value. */
const envExample = Object.fromEntries(
  readFileSync(join(dir, '.env.fleet.example'), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => [l.split('=')[0]!, `test-${l.split('=')[0]!.toLowerCase()}-0123456789`]),
);

const flag = (s: Service, name: string): string | undefined =>
  s.command?.find((c) => c.startsWith(`-${name}=`))?.slice(name.length + 2);

function runCompose(env: Record<string, string>) {
  return spawnSync('docker-compose', ['-f', file, 'config', '-q'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    encoding: 'utf8',
  });
}

describe('docker-compose.fleet.yml', () => {
  it('passes `docker-compose config`, and refuses to run without its secrets', () => {
    const ok = runCompose(envExample);
    expect({ status: ok.status, stderr: ok.stderr }).toEqual({ status: 0, stderr: '' });
    const missing = runCompose({ ...envExample, MQTT_HOST_PASSWORD: '' });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('set MQTT_HOST_PASSWORD in .env');
    // Every secret compose requires is in .env.fleet.example, and nothing else.
    const required = new Set(
      [...readFileSync(file, 'utf8').matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]!),
    );
    expect(new Set(Object.keys(envExample))).toEqual(required);
  });

  it('runs a broker, a VictoriaMetrics cluster (two vmstorage, vminsert, vmselect) and Grafana, pinned and health-checked', () => {
    expect(Object.keys(services).sort()).toEqual([
      'grafana',
      'mosquitto',
      'vminsert',
      'vmselect',
      'vmstorage-1',
      'vmstorage-2',
    ]);
    for (const [name, s] of Object.entries(services)) {
      expect({ name, pinned: /:v?[0-9][\w.-]*$/.test(s.image) }).toEqual({ name, pinned: true });
      expect({ name, health: s.healthcheck?.test?.[0] }).toEqual({
        name,
        health: expect.stringMatching(/^CMD(-SHELL)?$/),
      });
      for (const [dep, d] of Object.entries(s.depends_on ?? {})) {
        expect(services[dep]).toBeDefined();
        expect(d.condition).toBe('service_healthy');
      }
    }
    expect(services.grafana!.image).toBe(`grafana/grafana-oss:${GRAFANA_VERSION}`);
    // One VictoriaMetrics version across the cluster.
    const vmTags = new Set(
      Object.values(services)
        .filter((s) => s.image.startsWith('victoriametrics/'))
        .map((s) => s.image.split(':')[1]),
    );
    expect([...vmTags]).toEqual([expect.stringMatching(/-cluster$/)]);
  });

  it('wires vminsert and vmselect to every vmstorage node, with replication they agree on', () => {
    const storage = Object.keys(services).filter((n) => n.startsWith('vmstorage-'));
    expect(flag(services.vminsert!, 'storageNode')!.split(',')).toEqual(
      storage.map((n) => `${n}:8400`),
    );
    expect(flag(services.vmselect!, 'storageNode')!.split(',')).toEqual(
      storage.map((n) => `${n}:8401`),
    );
    const rf = flag(services.vminsert!, 'replicationFactor');
    expect(Number(rf)).toBeLessThanOrEqual(storage.length);
    expect(flag(services.vmselect!, 'replicationFactor')).toBe(rf);
    // Replicated samples come back once per copy: vmselect must deduplicate them.
    if (Number(rf) > 1) expect(flag(services.vmselect!, 'dedup.minScrapeInterval')).toBe('1ms');
    for (const n of storage)
      expect(services[n]!.volumes).toEqual([`${n}-data:${flag(services[n]!, 'storageDataPath')}`]);
  });

  it('mounts files that exist and named volumes that are declared', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const [source] = v.split(':') as [string];
        if (source.startsWith('.'))
          expect({ name, source, exists: existsSync(join(dir, source)) }).toEqual({
            name,
            source,
            exists: true,
          });
        else expect(Object.keys(compose.volumes)).toContain(source);
      }
    }
    // The broker's entrypoint, config and ACL are in the mounted folder, under the names used.
    const mount = services.mosquitto!.volumes!.find((v) => v.startsWith('./mosquitto:'))!;
    const target = mount.split(':')[1]!;
    expect(services.mosquitto!.entrypoint!.at(-1)).toBe(`${target}/entrypoint.sh`);
    const conf = readFileSync(join(dir, 'mosquitto', 'mosquitto.conf'), 'utf8');
    expect(conf).toMatch(/^allow_anonymous false$/m);
    const acl = /^acl_file (\S+)$/m.exec(conf)![1]!;
    expect(statSync(join(dir, 'mosquitto', acl.slice(target.length + 1))).isFile()).toBe(true);
    expect(services.mosquitto!.ports).toEqual([`1883:${/^listener (\d+)$/m.exec(conf)![1]}`]);
  });

  it('provisions the fleet datasource and dashboard where Grafana reads them', () => {
    const grafana = services.grafana!;
    const provider = parse(
      readFileSync(join(dir, 'grafana/provisioning/dashboards/fleet.yaml'), 'utf8'),
    ) as { providers: { options: { path: string } }[] };
    const mount = grafana.volumes!.find((v) => v.startsWith('./grafana/dashboards:'))!;
    expect(mount.split(':')[1]).toBe(provider.providers[0]!.options.path);
    expect(grafana.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(
      `${provider.providers[0]!.options.path}/fleet.json`,
    );
    const ds = parse(
      readFileSync(join(dir, 'grafana/provisioning/datasources/victoriametrics.yaml'), 'utf8'),
    ) as { datasources: { uid: string; type: string; url: string }[] };
    expect(ds.datasources.map((d) => ({ uid: d.uid, type: d.type }))).toEqual([FLEET_DATASOURCE]);
    // The datasource's URL comes from Grafana's environment, and it is vmselect's Prometheus API.
    const variable = /^\$\{(\w+)\}$/.exec(ds.datasources[0]!.url)![1]!;
    expect(grafana.environment![variable]).toBe(
      `http://vmselect:${flag(services.vmselect!, 'httpListenAddr')?.split(':')[1] ?? '8481'}/select/0/prometheus`,
    );
  });

  it('ships the dashboard the code generates (src/grafana/fleet), not a hand-edited one', () => {
    const shipped = JSON.parse(
      readFileSync(join(dir, 'grafana/dashboards/fleet.json'), 'utf8'),
    ) as unknown;
    expect(shipped).toEqual(buildFleetDashboard());
  });

  it('has a site example that is a valid site config pointing at the published ports', async () => {
    const r = await loadSiteConfig(join(dir, 'site-example.yaml'), {
      FLEET_WRITE_TOKEN: 'test-token-0123456789abcdef',
      FLEET_MQTT_PASSWORD: 'test-password-0123456789',
    });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    const site = r.config;
    if (site.historian.type !== 'influxdb-v2') throw new Error('expected influxdb-v2');
    const write = new URL(site.historian.url);
    expect(write.pathname).toBe('/insert/0/influx');
    expect(services.vminsert!.ports).toEqual([`${write.port}:8480`]);
    const sp = site.northbound?.sparkplug;
    expect(sp).toBeDefined();
    expect(services.mosquitto!.ports![0]!.split(':')[0]).toBe(new URL(sp!.url).port);
    // The broker's ACL lets a site publish as its own edge node id, its user name.
    expect(sp!.username).toBe(sp!.edgeNodeId ?? site.site.id);
    const acl = readFileSync(join(dir, 'mosquitto', 'acl'), 'utf8');
    const groups = new Set(
      [...acl.matchAll(/^pattern \w+ spBv1\.0\/([^/+]+)\//gm)]
        .map((m) => m[1])
        .filter((g) => g !== 'STATE'),
    );
    expect([...groups]).toEqual([sp!.groupId]);
  });
});
