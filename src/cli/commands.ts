import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildApp, type HeatBridgeApp } from '../app';
import {
  buildPointDefs,
  formatProblems,
  loadSiteConfig,
  siteJsonSchema,
  type Env,
  type SiteConfig,
} from '../config';
import { createLogger, type LogLevel, type Logger } from '../log';
import { ChildProcessComponent } from '../runtime/child-process';
import { Supervisor } from '../runtime/supervisor';
import { projectRoot } from '../util/project-root';
import { runUntilStopped } from './lifecycle';
import { ensureDemoTokens } from '../api/demo-tokens';
import { databaseBackend } from '../historian/backends/database';
import { replay, replayFiles } from '../historian/replay';
import { writeDashboards } from '../grafana/write';
import { loadSimulatorsComponent } from '../../simulators';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Env;
  /** Redraws a one-line progress indicator in place (a terminal); absent on pipes and in tests. */
  progress?: (line: string, final: boolean) => void;
}

export interface LogFlags {
  logLevel?: LogLevel;
  logFormat?: 'pretty' | 'json';
}

/** Loads and validates a config, printing every problem; undefined when it is invalid. */
export async function loadOrReport(file: string, io: Io): Promise<SiteConfig | undefined> {
  const result = await loadSiteConfig(file, io.env);
  if (result.ok) return result.config;
  const n = result.problems.length;
  io.err(`${file}: ${n} problem${n === 1 ? '' : 's'}:\n${formatProblems(file, result.problems)}`);
  return undefined;
}

export async function validateCommand(file: string, io: Io): Promise<number> {
  const site = await loadOrReport(file, io);
  if (!site) return 1;
  const devices = Object.keys(site.devices).length;
  const points = buildPointDefs(site).size;
  const controllers = site.control.controllers.length;
  io.out(`${file}: valid (${devices} devices, ${points} points, ${controllers} controllers)`);
  return 0;
}

export async function grafanaCommand(file: string, dir: string, io: Io): Promise<number> {
  const site = await loadOrReport(file, io);
  if (!site) return 1;
  let written: string[];
  try {
    written = await writeDashboards(site, dir);
  } catch (err) {
    io.err(`grafana: ${(err as Error).message}`);
    return 1;
  }
  for (const f of written) io.err(`wrote ${f}`);
  return 0;
}

export async function schemaCommand(outFile: string | undefined, io: Io): Promise<number> {
  const text = `${JSON.stringify(siteJsonSchema(), null, 2)}\n`;
  if (outFile) {
    await writeFile(outFile, text);
    io.err(`wrote ${outFile}`);
  } else {
    io.out(text.trimEnd());
  }
  return 0;
}

function loggerFor(site: SiteConfig | undefined, flags: LogFlags): Logger {
  return createLogger({
    level: flags.logLevel ?? site?.logging.level ?? 'info',
    pretty: flags.logFormat ? flags.logFormat === 'pretty' : Boolean(process.stdout.isTTY),
  });
}

const apiUrl = (app: HeatBridgeApp) => (): Record<string, unknown> => {
  const { address, port } = app.api.address();
  return { url: `http://${address}:${port}/` };
};

export async function runCommand(file: string, flags: LogFlags, io: Io): Promise<number> {
  const site = await loadOrReport(file, io);
  if (!site) return 1;
  const log = loggerFor(site, flags);
  log.info({ config: file, site: site.site.id }, 'starting HeatBridge');
  const app = buildApp(site, { log });
  return runUntilStopped(app.supervisor, log, { runningFields: apiUrl(app) });
}

export function demoConfigPath(): string {
  return join(projectRoot(), 'config', 'demo.yaml');
}

export interface DemoFlags extends LogFlags {
  config?: string;
  port?: number;
  speed?: number;
}

/**
 * The demo site with everything it needs, in one command: the plant simulators as a managed
 * child process (so the plant, like a real one, does not share HeatBridge's fate), and
 * HeatBridge itself.
 */
export async function demoCommand(flags: DemoFlags, io: Io): Promise<number> {
  const file = flags.config ?? demoConfigPath();
  const loaded = await loadOrReport(file, io);
  if (!loaded) return 1;
  const site: SiteConfig =
    flags.port === undefined ? loaded : { ...loaded, api: { ...loaded.api, port: flags.port } };
  const log = loggerFor(site, flags);
  log.info({ config: file, site: site.site.id }, 'starting the HeatBridge demo');
  if (site.api.tokensFile) {
    const credentials = ensureDemoTokens(site.api.tokensFile);
    // Where the tokens are, not the tokens: secrets stay out of terminals and logs.
    if (credentials)
      io.out(`demo API tokens created: sign in on the web page with a token from ${credentials}`);
    else
      io.out(
        `demo API tokens: ${site.api.tokensFile} (created earlier; the tokens are in demo-credentials.txt beside it)`,
      );
  }
  const simArgs = [
    'sim',
    '--config',
    file,
    '--log-format',
    flags.logFormat ?? (process.stdout.isTTY ? 'pretty' : 'json'),
  ];
  if (flags.logLevel) simArgs.push('--log-level', flags.logLevel);
  if (flags.speed !== undefined) simArgs.push('--speed', String(flags.speed));
  const simulators = new ChildProcessComponent({
    name: 'simulators',
    module: join(projectRoot(), 'bin', 'heatbridge.js'),
    args: simArgs,
  });
  const app = buildApp(site, { log, extraComponents: [simulators] });
  return runUntilStopped(app.supervisor, log, { runningFields: apiUrl(app) });
}

export interface SimFlags extends LogFlags {
  config: string;
  speed?: number;
  seed?: number;
  adminPort?: number;
}

/** The plant simulators of a site, until stopped. */
export async function simCommand(flags: SimFlags, io: Io): Promise<number> {
  const site = await loadOrReport(flags.config, io);
  if (!site) return 1;
  if (!site.simulation) {
    io.err(`${flags.config}: has no simulation section; nothing to simulate`);
    return 1;
  }
  const log = loggerFor(site, flags).child({ process: 'simulators' });
  // Loaded on demand (node-opcua): see simulators/index.ts.
  const { SimulatorsComponent } = loadSimulatorsComponent();
  const component = new SimulatorsComponent({
    site,
    ...(flags.speed !== undefined ? { speed: flags.speed } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    ...(flags.adminPort !== undefined ? { adminPort: flags.adminPort } : {}),
  });
  const supervisor = new Supervisor([component], { log });
  const managed = typeof process.send === 'function';
  return runUntilStopped(supervisor, log, {
    name: 'simulators',
    managedChild: managed,
    runningFields: () => component.details(),
    onRunning: () => process.send?.({ type: 'ready', details: component.endpoints() }),
  });
}

export interface AdminFlags {
  admin: string;
}

async function adminRequest(
  flags: AdminFlags,
  method: string,
  path: string,
  io: Io,
  body?: unknown,
): Promise<{ ok: boolean; data: unknown }> {
  const url = new URL(path, flags.admin);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    io.err(`cannot reach the simulators' admin API at ${flags.admin}: ${(err as Error).message}`);
    return { ok: false, data: undefined };
  }
  const text = await res.text();
  const data: unknown = text ? JSON.parse(text) : undefined;
  if (!res.ok) io.err(`${method} ${url.pathname}: HTTP ${res.status} ${text}`);
  return { ok: res.ok, data };
}

export async function faultListCommand(flags: AdminFlags, io: Io): Promise<number> {
  const r = await adminRequest(flags, 'GET', '/faults', io);
  if (!r.ok) return 1;
  const faults = r.data as { id: number; kind: string }[];
  io.out(faults.length === 0 ? 'no faults' : faults.map((f) => JSON.stringify(f)).join('\n'));
  return 0;
}

export async function faultAddCommand(
  flags: AdminFlags & { device?: string; point?: string; delayMs?: number; bias?: number },
  kind: string,
  io: Io,
): Promise<number> {
  const spec: Record<string, unknown> = { kind };
  for (const key of ['device', 'point', 'delayMs', 'bias'] as const) {
    if (flags[key] !== undefined) spec[key] = flags[key];
  }
  const r = await adminRequest(flags, 'POST', '/faults', io, spec);
  if (!r.ok) return 1;
  io.out(JSON.stringify(r.data));
  return 0;
}

export async function faultClearCommand(
  flags: AdminFlags,
  id: string | undefined,
  io: Io,
): Promise<number> {
  const r = await adminRequest(flags, 'DELETE', id === undefined ? '/faults' : `/faults/${id}`, io);
  if (!r.ok) return 1;
  io.out(id === undefined ? 'all faults cleared' : `fault ${id} cleared`);
  return 0;
}

export async function simStateCommand(flags: AdminFlags, io: Io): Promise<number> {
  const r = await adminRequest(flags, 'GET', '/state', io);
  if (!r.ok) return 1;
  io.out(JSON.stringify(r.data, null, 2));
  return 0;
}

export interface ReplayFlags extends LogFlags {
  config: string;
}

/** Pushes a folder of line-protocol files (a spool, the file historian) into the configured database. */
export async function historianReplayCommand(
  dir: string,
  flags: ReplayFlags,
  io: Io,
): Promise<number> {
  const site = await loadOrReport(flags.config, io);
  if (!site) return 1;
  if (site.historian.type === 'file') {
    io.err(
      `${flags.config}: the historian is the file historian; replay needs an InfluxDB (type influxdb-v1 or influxdb-v2)`,
    );
    return 1;
  }
  const log = loggerFor(site, { ...flags, logFormat: flags.logFormat ?? 'pretty' }).child({
    command: 'replay',
  });
  const files = replayFiles(dir);
  if (files.length === 0) {
    io.err(`${dir}: no .lp files to replay`);
    return 1;
  }
  const backend = databaseBackend(site.historian, log);
  try {
    const result = await replay(dir, backend, {
      batchSize: site.historian.batchSize,
      log,
      progress: (r, file) =>
        io.err(`${r.files}/${files.length} files, ${r.sent} lines sent (${file})`),
    });
    io.out(
      `replayed ${result.lines} lines from ${result.files} files: ${result.sent} sent, ${result.refused} refused by the database, ${result.invalid} not line protocol`,
    );
    return result.refused + result.invalid > 0 ? 1 : 0;
  } catch (err) {
    io.err(`replay stopped: ${(err as Error).message}`);
    return 1;
  } finally {
    await backend.close();
  }
}
