import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildApp } from '../app';
import {
  buildPointDefs,
  formatProblems,
  loadSiteConfig,
  siteJsonSchema,
  type Env,
  type SiteConfig,
} from '../config';
import { createLogger, type LogLevel, type Logger } from '../log';
import { projectRoot } from '../util/project-root';
import { runUntilStopped } from './lifecycle';

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Env;
}

export interface LogFlags {
  logLevel?: LogLevel;
  logFormat?: 'pretty' | 'json';
}

/** Loads and validates a config, printing every problem; undefined when it is invalid. */
async function loadOrReport(file: string, io: Io): Promise<SiteConfig | undefined> {
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

export async function runCommand(file: string, flags: LogFlags, io: Io): Promise<number> {
  const site = await loadOrReport(file, io);
  if (!site) return 1;
  const log = loggerFor(site, flags);
  log.info({ config: file, site: site.site.id }, 'starting HeatBridge');
  return runUntilStopped(buildApp(site, { log }), log);
}

export function demoConfigPath(): string {
  return join(projectRoot(), 'config', 'demo.yaml');
}

export interface DemoFlags extends LogFlags {
  config?: string;
  port?: number;
}

/** The demo site with everything it needs, in one command. */
export async function demoCommand(flags: DemoFlags, io: Io): Promise<number> {
  const file = flags.config ?? demoConfigPath();
  const loaded = await loadOrReport(file, io);
  if (!loaded) return 1;
  const site: SiteConfig =
    flags.port === undefined ? loaded : { ...loaded, api: { ...loaded.api, port: flags.port } };
  const log = loggerFor(site, flags);
  log.info({ config: file, site: site.site.id }, 'starting the HeatBridge demo');
  return runUntilStopped(buildApp(site, { log }), log);
}
