import { constants } from 'node:fs';
import type { Stats } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { tokensFileSchema } from './api';
import { formatPath, type IssuePath, type PathProblem } from './format-issues';
import type { SiteConfig } from './site';

/** Which process opens a file: HeatBridge itself (`run`), or the plant simulators (`sim`). */
export type FileUser = 'heatbridge' | 'simulators';

/**
 * A file or folder a site names. `read`: it must exist and be readable (HeatBridge does not
 * make it). `folder`: HeatBridge creates it, so it must be a writable folder or creatable (its
 * nearest existing parent a writable folder). `writable`: a file HeatBridge writes, creating it
 * and its folder when missing.
 */
export interface ReferencedFile {
  path: IssuePath;
  file: string;
  need: 'read' | 'folder' | 'writable';
  usedBy: FileUser;
  /** What to do when it is missing, for the person who edits the site file. */
  hint?: string;
  /** A check of its content once read: the problem, or undefined. */
  content?: (text: string) => string | undefined;
}

/** Every file and folder the site names, with defaults filled in (as `run` would open them). */
export function referencedFiles(site: SiteConfig): ReferencedFile[] {
  const files: ReferencedFile[] = [];
  const add = (f: ReferencedFile): void => {
    files.push(f);
  };
  if (site.api.tokensFile)
    add({
      path: ['api', 'tokensFile'],
      file: site.api.tokensFile,
      need: 'read',
      usedBy: 'heatbridge',
      hint: 'create it with the entries `heatbridge api new-token` prints, or remove the key (`heatbridge demo` creates the demo site’s)',
      content: tokensFileProblem,
    });
  add({
    path: ['api', 'auditFile'],
    file: site.api.auditFile,
    need: 'writable',
    usedBy: 'heatbridge',
  });
  add({
    path: ['alarms', 'stateFile'],
    file: site.alarms.stateFile,
    need: 'writable',
    usedBy: 'heatbridge',
  });
  add({
    path: ['energyCounters', 'stateFile'],
    file: site.energyCounters.stateFile,
    need: 'writable',
    usedBy: 'heatbridge',
  });
  const u = site.utility;
  if (u) {
    const sources = [
      ['plan', u.plan],
      ['electricityPrices', u.electricityPrices],
    ] as const;
    for (const [key, source] of sources) {
      if (source?.file)
        add({
          path: ['utility', key, 'file'],
          file: source.file,
          need: 'read',
          usedBy: 'heatbridge',
        });
      if (source?.poll?.caFile)
        add({
          path: ['utility', key, 'poll', 'caFile'],
          file: source.poll.caFile,
          need: 'read',
          usedBy: 'heatbridge',
        });
    }
    add({
      path: ['utility', 'plan', 'stateFile'],
      file: u.plan.stateFile,
      need: 'writable',
      usedBy: 'heatbridge',
    });
    if (u.value?.stateFile)
      add({
        path: ['utility', 'value', 'stateFile'],
        file: u.value.stateFile,
        need: 'writable',
        usedBy: 'heatbridge',
      });
  }
  const hs = site.heatSignal;
  if (hs) {
    // The demo's forecast is the simulators' to write (simulation.forecastFile), not to exist yet.
    if (hs.outdoorForecast?.file && hs.outdoorForecast.file !== site.simulation?.forecastFile)
      add({
        path: ['heatSignal', 'outdoorForecast', 'file'],
        file: hs.outdoorForecast.file,
        need: 'read',
        usedBy: 'heatbridge',
        hint: 'the hourly outdoor-temperature forecast, CSV time,temperature_c (docs/heat-led-compute.md)',
      });
    if (hs.outdoorForecast?.poll?.caFile)
      add({
        path: ['heatSignal', 'outdoorForecast', 'poll', 'caFile'],
        file: hs.outdoorForecast.poll.caFile,
        need: 'read',
        usedBy: 'heatbridge',
      });
    add({
      path: ['heatSignal', 'stateFile'],
      file: hs.stateFile,
      need: 'writable',
      usedBy: 'heatbridge',
    });
  }
  if (site.simulation?.forecastFile)
    add({
      path: ['simulation', 'forecastFile'],
      file: site.simulation.forecastFile,
      need: 'writable',
      usedBy: 'simulators',
    });
  const h = site.historian;
  if (h.type === 'file')
    add({ path: ['historian', 'dir'], file: h.dir, need: 'folder', usedBy: 'heatbridge' });
  else
    add({
      path: ['historian', 'spool', 'dir'],
      file: h.spool.dir,
      need: 'folder',
      usedBy: 'heatbridge',
    });
  for (const [name, d] of Object.entries(site.devices)) {
    if (d.protocol !== 'opcua' || !d.enabled) continue;
    add({
      path: ['devices', name, 'pkiDir'],
      file: d.pkiDir,
      need: 'folder',
      usedBy: 'heatbridge',
    });
    if (d.auth.type === 'certificate') {
      const hint = 'the user certificate and its private key (PEM) for signing in to the server';
      add({
        path: ['devices', name, 'auth', 'certificateFile'],
        file: d.auth.certificateFile,
        need: 'read',
        usedBy: 'heatbridge',
        hint,
      });
      add({
        path: ['devices', name, 'auth', 'privateKeyFile'],
        file: d.auth.privateKeyFile,
        need: 'read',
        usedBy: 'heatbridge',
        hint,
      });
    }
  }
  const n = site.notifications;
  if (n) {
    add({
      path: ['notifications', 'spoolDir'],
      file: n.spoolDir,
      need: 'folder',
      usedBy: 'heatbridge',
    });
    for (const [name, t] of Object.entries(n.targets)) {
      if (t.type === 'email' && t.caFile)
        add({
          path: ['notifications', 'targets', name, 'caFile'],
          file: t.caFile,
          need: 'read',
          usedBy: 'heatbridge',
          hint: 'the PEM file of the CA that signed the mail server’s certificate',
        });
    }
  }
  const sim = site.simulation;
  if (sim) {
    if (sim.weather)
      add({
        path: ['simulation', 'weather'],
        file: sim.weather,
        need: 'read',
        usedBy: 'simulators',
        hint: 'hourly outdoor temperatures as CSV time_utc,temperature_c; remove the key for the bundled Helsinki 2021 year',
      });
    add({
      path: ['simulation', 'opcua', 'pkiDir'],
      file: sim.opcua.pkiDir,
      need: 'folder',
      usedBy: 'simulators',
    });
  }
  return files;
}

/**
 * What is wrong with the files and folders a site names, one problem each, said with what to
 * do: what `run` (or `sim`) would otherwise stop on at start, or fail on later. Relative paths
 * are relative to `cwd`, the folder HeatBridge runs in.
 */
export async function referencedFileProblems(
  site: SiteConfig,
  opts: { cwd?: string; usedBy?: readonly FileUser[] } = {},
): Promise<PathProblem[]> {
  const cwd = opts.cwd ?? process.cwd();
  const users = opts.usedBy ?? ['heatbridge', 'simulators'];
  const problems: PathProblem[] = [];
  for (const f of referencedFiles(site)) {
    if (!users.includes(f.usedBy)) continue;
    const message = await problemWith(f, cwd);
    if (message) problems.push({ segments: f.path, message });
  }
  return problems;
}

async function problemWith(f: ReferencedFile, cwd: string): Promise<string | undefined> {
  const full = resolve(cwd, f.file);
  // A relative path is shown with where it was looked for: a service's working folder is not
  // the engineer's shell's.
  const shown = full === f.file ? f.file : `${f.file} (${full})`;
  const info = await statOf(full);
  if (f.need === 'read') {
    if (failed(info)) return `${shown}: ${missing(info)}${f.hint ? `: ${f.hint}` : ''}`;
    if (!info.isFile()) return `${shown} is not a file`;
    const text = await readFile(full, 'utf8').then(
      (t) => ({ text: t }),
      (err: NodeJS.ErrnoException) => err,
    );
    if (!('text' in text)) return `${shown}: ${missing(text)}`;
    const wrong = f.content?.(text.text);
    return wrong ? `${shown}: ${wrong}` : undefined;
  }
  if (f.need === 'writable') {
    if (failed(info))
      return absent(info) ? folderProblem(dirname(full), shown) : `${shown}: ${missing(info)}`;
    if (!info.isFile()) return `${shown} is not a file`;
    return (await writable(full)) ? undefined : `${shown} is not writable: ${WRITABLE_HINT}`;
  }
  if (failed(info)) return absent(info) ? folderProblem(full, shown) : `${shown}: ${missing(info)}`;
  if (!info.isDirectory()) return `${shown} is not a folder`;
  return (await writable(full)) ? undefined : `${shown} is not writable: ${WRITABLE_HINT}`;
}

const WRITABLE_HINT = 'make it writable for the user HeatBridge runs as, or choose another path';

/** A folder HeatBridge will create: its nearest existing parent must be a writable folder. */
async function folderProblem(folder: string, shown: string): Promise<string | undefined> {
  let dir = folder;
  for (;;) {
    const info = await statOf(dir);
    if (!failed(info)) {
      if (!info.isDirectory()) return `${shown}: cannot be created, ${dir} is a file, not a folder`;
      if (await writable(dir)) return undefined;
      return `${shown}: cannot be created, ${dir} is not writable: ${WRITABLE_HINT}`;
    }
    if (!absent(info)) return `${shown}: ${missing(info)}`;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** The file's facts, or why there are none (an error from another realm under jest: no instanceof). */
const statOf = (path: string): Promise<Stats | NodeJS.ErrnoException> =>
  stat(path).catch((err: NodeJS.ErrnoException) => err);

const failed = (x: Stats | NodeJS.ErrnoException): x is NodeJS.ErrnoException =>
  typeof (x as Stats).isFile !== 'function';

/** Not there (or under a file): HeatBridge would try to create it. */
const absent = (err: NodeJS.ErrnoException): boolean =>
  err.code === 'ENOENT' || err.code === 'ENOTDIR';

const writable = (path: string): Promise<boolean> =>
  access(path, constants.W_OK).then(
    () => true,
    () => false,
  );

function missing(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT':
      return 'no such file';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'EACCES':
      return 'permission denied (not readable for the user HeatBridge runs as)';
    default:
      return err.message;
  }
}

/** The tokens file as the API reads it: YAML with `tokens: [{ name, role, sha256 }]`. */
function tokensFileProblem(text: string): string | undefined {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    return `not YAML: ${(err as Error).message.split('\n')[0]}`;
  }
  const parsed = tokensFileSchema.safeParse(raw);
  if (parsed.success) return undefined;
  const first = parsed.error.issues[0]!;
  return `${formatPath(first.path)}: ${first.message} (expected tokens: [{ name, role, sha256 }], as \`heatbridge api new-token\` prints)`;
}
