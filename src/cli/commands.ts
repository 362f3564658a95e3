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
import type { FileUser } from '../config/referenced-files';
import { createLogger, type LogLevel, type Logger } from '../log';
import { ChildProcessComponent } from '../runtime/child-process';
import type { Component } from '../runtime/component';
import { Supervisor } from '../runtime/supervisor';
import { projectRoot } from '../util/project-root';
import { runUntilStopped } from './lifecycle';
import { ensureDemoTokens } from '../api/demo-tokens';
import { databaseBackend } from '../historian/backends/database';
import { replay, replayFiles } from '../historian/replay';
import { writeDashboards } from '../grafana/write';
import { loadSimulatorsComponent } from '../../simulators';
import {
  PORT_OPTIONS,
  apiListener,
  northboundListeners,
  movePorts,
  portHint,
  portProblems,
  simulatorListeners,
  type Listener,
  type PortKind,
  type PortMoves,
} from './ports';

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

/**
 * Loads and validates a config, printing every problem; undefined when it is invalid. With
 * `checkFiles`, the files and folders the site names that those processes open are checked too.
 */
export async function loadOrReport(
  file: string,
  io: Io,
  checkFiles?: readonly FileUser[],
): Promise<SiteConfig | undefined> {
  const result = await loadSiteConfig(file, io.env, checkFiles ? { checkFiles } : {});
  if (result.ok) return result.config;
  const n = result.problems.length;
  io.err(`${file}: ${n} problem${n === 1 ? '' : 's'}:\n${formatProblems(file, result.problems)}`);
  return undefined;
}

/** Everything `run` (and `sim`, for a site with a simulation) would open, files included. */
export async function validateCommand(file: string, io: Io): Promise<number> {
  const site = await loadOrReport(file, io, ['heatbridge', 'simulators']);
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
  // A missing tokens file or PKI folder is said here, as `config validate` says it, not as a
  // component's stack trace at start.
  const site = await loadOrReport(file, io, ['heatbridge']);
  if (!site) return 1;
  const log = loggerFor(site, flags);
  log.info({ config: file, site: site.site.id }, 'starting HeatBridge');
  const app = buildApp(site, { log });
  const listeners = [apiListener(site), ...northboundListeners(site)];
  const option = (kind: PortKind): string =>
    kind === 'northbound'
      ? `choose another port in the northbound section of ${file}`
      : `choose another port with api.port in ${file}`;
  return runUntilStopped(app.supervisor, log, {
    runningFields: apiUrl(app),
    preflight: () => portProblems(listeners, option),
    hint: portHint(listeners, option),
  });
}

/** The port options `demo` and `sim` share, as given on the command line. */
export interface PortFlags {
  portOffset?: number;
  opcuaPort?: number;
  modbusPort?: number;
  adminPort?: number;
}

/** The same flags for the simulators' child process, so it moves its ports as the demo did. */
function portArgs(flags: PortFlags): string[] {
  const args: string[] = [];
  if (flags.portOffset !== undefined) args.push('--port-offset', String(flags.portOffset));
  if (flags.opcuaPort !== undefined) args.push('--opcua-port', String(flags.opcuaPort));
  if (flags.modbusPort !== undefined) args.push('--modbus-port', String(flags.modbusPort));
  if (flags.adminPort !== undefined) args.push('--admin-port', String(flags.adminPort));
  return args;
}

/** The site with the ports the flags move; a port moved out of range is said, undefined. */
function movedOrReport(site: SiteConfig, moves: PortMoves, io: Io): SiteConfig | undefined {
  try {
    return movePorts(site, moves);
  } catch (err) {
    io.err((err as Error).message);
    return undefined;
  }
}

/** How to move a port, as `demo` or `sim` (`command`) offers it. */
const moveOption =
  (command: 'demo' | 'sim') =>
  (kind: PortKind): string =>
    `move it with ${PORT_OPTIONS[kind]} <port>, or all ${command === 'demo' ? "the demo's" : "the simulators'"} ports with --port-offset <n>`;

/** The simulators must start for the demo to be one: critical at start, unlike under `run`. */
function requiredAtStart(c: Component): Component {
  return {
    name: c.name,
    critical: true,
    ...(c.dependsOn ? { dependsOn: c.dependsOn } : {}),
    start: (ctx) => c.start(ctx),
    stop: () => c.stop(),
    details: () => c.details?.() ?? {},
  };
}

export function demoConfigPath(): string {
  return join(projectRoot(), 'config', 'demo.yaml');
}

export interface DemoFlags extends LogFlags, PortFlags {
  config?: string;
  /** The API's port: `--api-port`, or `--port` as before. */
  apiPort?: number;
  port?: number;
  /** The northbound servers (the SCADA's OPC UA and Modbus TCP): the lowest moves here. */
  northboundPort?: number;
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
  const apiPort = flags.apiPort ?? flags.port;
  const site = movedOrReport(
    loaded,
    { ...flags, ...(apiPort !== undefined ? { apiPort } : {}) },
    io,
  );
  if (!site) return 2;
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
  simArgs.push(...portArgs(flags));
  // The files both processes open (the tokens file now exists), as `config validate` checks them.
  if (!(await loadOrReport(file, io, ['heatbridge', 'simulators']))) return 1;
  const simulators = new ChildProcessComponent({
    name: 'simulators',
    module: join(projectRoot(), 'bin', 'heatbridge.js'),
    args: simArgs,
  });
  const app = buildApp(site, { log, extraComponents: [requiredAtStart(simulators)] });
  const listeners: Listener[] = [
    apiListener(site),
    ...northboundListeners(site),
    ...simulatorListeners(site),
  ];
  return runUntilStopped(app.supervisor, log, {
    runningFields: apiUrl(app),
    preflight: () => portProblems(listeners, moveOption('demo')),
    hint: portHint(listeners, moveOption('demo')),
  });
}

export interface SimFlags extends LogFlags, PortFlags {
  config: string;
  speed?: number;
  seed?: number;
}

/** The plant simulators of a site, until stopped. */
export async function simCommand(flags: SimFlags, io: Io): Promise<number> {
  const loaded = await loadOrReport(flags.config, io, ['simulators']);
  if (!loaded) return 1;
  if (!loaded.simulation) {
    io.err(`${flags.config}: has no simulation section; nothing to simulate`);
    return 1;
  }
  const site = movedOrReport(loaded, flags, io);
  if (!site) return 2;
  const log = loggerFor(site, flags).child({ process: 'simulators' });
  // Loaded on demand (node-opcua): see simulators/index.ts.
  const { SimulatorsComponent } = loadSimulatorsComponent();
  const component = new SimulatorsComponent({
    site,
    ...(flags.speed !== undefined ? { speed: flags.speed } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
  });
  const supervisor = new Supervisor([component], { log });
  const managed = typeof process.send === 'function';
  const listeners = simulatorListeners(site);
  return runUntilStopped(supervisor, log, {
    name: 'simulators',
    managedChild: managed,
    preflight: () => portProblems(listeners, moveOption('sim')),
    hint: portHint(listeners, moveOption('sim')),
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
