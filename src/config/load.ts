import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import {
  formatIssues,
  formatPath,
  type ConfigProblem,
  type IssuePath,
  type PathProblem,
} from './format-issues';
import { referencedFileProblems, type FileUser } from './referenced-files';
import type { Env } from './secret';
import { schemaKeysAt } from './schema-keys';
import { siteSchema, type SiteConfig } from './site';
import { lineOfPath } from './yaml-locate';
import { describeCodePoint, findUnsafeChars, isBidiControl } from '../util/unsafe-text';

export type ConfigResult =
  { ok: true; config: SiteConfig } | { ok: false; problems: ConfigProblem[] };

/**
 * Parses and validates a site config from YAML text. Never throws for bad input: every problem
 * (YAML syntax, schema, cross-checks, missing environment variables) comes back at once, each with
 * its path and, where it can be located, its line.
 */
export function parseSiteConfig(
  text: string,
  env: Env,
  /** The `extends` base, already read (loadSiteConfig): this file's keys are merged over it. */
  base?: Record<string, unknown>,
): ConfigResult {
  const refused = refusedCharacters(text);
  if (refused.length > 0) return { ok: false, problems: refused };
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    uniqueKeys: true,
    // YAML merge keys (<<: *anchor) let a site reuse one device's register map for its twins.
    merge: true,
  });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        path: '(file)',
        line: e.linePos?.[0].line,
        message: `YAML syntax error: ${syntaxMessage(e.message)}${
          e.linePos ? ` (column ${e.linePos[0].col})` : ''
        }`,
      })),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // Only an alias bomb (billions of laughs) gets here: refuse it rather than expand it.
    return {
      ok: false,
      problems: [{ path: '(file)', message: `cannot expand the YAML: ${(err as Error).message}` }],
    };
  }
  if (data === null || data === undefined) {
    return { ok: false, problems: [{ path: '(file)', message: 'the file is empty' }] };
  }
  // Each problem with the line of the file it stands on.
  const located = (problems: readonly PathProblem[]) => ({
    ok: false as const,
    problems: problems.map((p) => ({
      path: formatPath(p.segments),
      message: p.message,
      line: lineOfPath(doc, lines, p.segments),
    })),
  });
  const escaped = refusedInValues(data);
  if (escaped.length > 0) return located(escaped);
  if (base) data = mergeConfig(base, data);
  const schema = siteSchema(env);
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return { ok: true, config: result.data };

  return located(formatIssues(result.error.issues, (path) => schemaKeysAt(schema, data, path)));
}

/** At most this many refused characters are listed: a binary file would have thousands. */
const MAX_REFUSED_LISTED = 10;

/**
 * Control characters (tab, LF and the CR of CRLF aside) and bidirectional controls in the text,
 * one problem each with its line and column. YAML accepts most of them inside scalars, so a NUL
 * or an escape sequence would reach a name, a unit or an alarm message; a bidirectional override
 * makes the file display differently from what HeatBridge reads (Trojan Source).
 */
export function refusedCharacters(text: string): ConfigProblem[] {
  const found = findUnsafeChars(text, { tab: true, lineBreaks: true }, MAX_REFUSED_LISTED + 1);
  const problems: ConfigProblem[] = found.slice(0, MAX_REFUSED_LISTED).map((c) => ({
    path: '(file)',
    line: c.line,
    message: `refused character ${describeCodePoint(c.codePoint)} at column ${c.column}: ${
      isBidiControl(c.codePoint)
        ? 'it makes text display differently from what it is; remove it'
        : c.codePoint === 0x0d
          ? 'a carriage return not followed by a line feed; use LF or CRLF line ends'
          : 'a site file holds printable text, tabs and line breaks only; remove it'
    }`,
  }));
  if (found.length > MAX_REFUSED_LISTED) {
    problems.push({
      path: '(file)',
      line: found[MAX_REFUSED_LISTED]!.line,
      message: `more refused characters follow (only the first ${MAX_REFUSED_LISTED} are listed); is this a text file?`,
    });
  }
  return problems;
}

/**
 * The same characters written as YAML escapes (`"\x00"`, `"\u202E"`) in keys and values: the text
 * is clean but the value is not. Line feeds and tabs are kept (block scalars hold them).
 */
function refusedInValues(data: unknown): PathProblem[] {
  const problems: PathProblem[] = [];
  const check = (s: string, segments: IssuePath, what: string): void => {
    const c = findUnsafeChars(s, { tab: true, lineBreaks: true }, 1)[0];
    if (c && problems.length < MAX_REFUSED_LISTED) {
      problems.push({
        segments,
        message: `refused character ${describeCodePoint(c.codePoint)} in the ${what} (written as an escape?); remove it`,
      });
    }
  };
  const seen = new Set<object>(); // aliases can share (and, recursively, contain) a node
  const walk = (v: unknown, segments: IssuePath): void => {
    if (typeof v === 'string') check(v, segments, 'value');
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...segments, i]));
    else {
      for (const [k, item] of Object.entries(v)) {
        check(k, [...segments, k], 'key');
        walk(item, [...segments, k]);
      }
    }
  };
  walk(data, []);
  return problems;
}

/** The yaml library's first message line, without its own position suffix (we print ours). */
function syntaxMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

export interface LoadOptions {
  /**
   * Also check the files and folders the site names (tokens file, PKI folders, weather file…)
   * that these processes open: what `config validate` and `run` do, so a missing file is
   * reported with its config path before anything starts rather than stopping a component.
   */
  checkFiles?: readonly FileUser[];
}

export async function loadSiteConfig(
  file: string,
  env: Env,
  opts: LoadOptions = {},
): Promise<ConfigResult> {
  const text = await readText(file);
  if (typeof text !== 'string') return text;
  const refused = refusedCharacters(text);
  if (refused.length > 0) return { ok: false, problems: refused };
  const base = await loadBase(file, text, [resolve(file)]);
  if (base && 'problems' in base) return { ok: false, problems: base.problems };
  const result = parseSiteConfig(text, env, base?.data);
  if (!result.ok || !opts.checkFiles) return result;
  const files = await referencedFileProblems(result.config, { usedBy: opts.checkFiles });
  if (files.length === 0) return result;
  // Located in this file (a key from an `extends` base, or a default, at its nearest parent).
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, merge: true });
  return {
    ok: false,
    problems: files.map((p) => ({
      path: formatPath(p.segments),
      message: p.message,
      line: lineOfPath(doc, lines, p.segments),
    })),
  };
}

async function readText(file: string): Promise<string | { ok: false; problems: ConfigProblem[] }> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(err);
    return { ok: false, problems: [{ path: '(file)', message: `cannot read ${file}: ${why}` }] };
  }
}

/**
 * The merged data of the files `text` (of `file`) extends, if it names one. Problems in a base
 * file are reported with that file's name; a cycle or a chain deeper than 4 files is refused.
 */
async function loadBase(
  file: string,
  text: string,
  chain: string[],
): Promise<{ data: Record<string, unknown> } | { problems: ConfigProblem[] } | undefined> {
  let ext: unknown;
  try {
    ext = (parseDocument(text).toJS({ maxAliasCount: 100 }) as { extends?: unknown } | null)
      ?.extends;
  } catch {
    return undefined; // parseSiteConfig reports it
  }
  if (ext === undefined) return undefined;
  const fail = (message: string) => ({ problems: [{ path: 'extends', message }] });
  if (typeof ext !== 'string') return fail('expected the path of a site file');
  const baseFile = resolve(dirname(file), ext);
  if (chain.includes(baseFile)) return fail(`${ext} extends itself (a cycle)`);
  if (chain.length >= 4) return fail('more than 4 files extend each other');
  const baseText = await readText(baseFile);
  if (typeof baseText !== 'string') return fail(baseText.problems[0]!.message);
  const refused = refusedCharacters(baseText)[0];
  if (refused) return fail(`${ext}:${refused.line}: ${refused.message}`);
  const doc = parseDocument(baseText, { uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) return fail(`${ext}: YAML syntax error: ${doc.errors[0]!.message}`);
  const data = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (!isObject(data)) return fail(`${ext} is not a site file`);
  const further = await loadBase(baseFile, baseText, [...chain, baseFile]);
  if (further && 'problems' in further) return further;
  return { data: further ? (mergeConfig(further.data, data) as Record<string, unknown>) : data };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `over` applied to `base` as a JSON Merge Patch (RFC 7386): objects merged key by key, lists
 * and values replaced, and `null` removes a key (a file historian's `dir` when the extending
 * file switches to InfluxDB).
 */
export function mergeConfig(base: unknown, over: unknown): unknown {
  if (!isObject(over)) return over;
  const out: Record<string, unknown> = isObject(base) ? { ...base } : {};
  for (const [k, v] of Object.entries(over)) {
    if (k === 'extends') continue;
    if (v === null) delete out[k];
    else out[k] = mergeConfig(out[k], v);
  }
  return out;
}

/** `file:12: devices.hp1.points[3].register: expected an integer ≥ 0` lines, sorted by line. */
export function formatProblems(file: string, problems: readonly ConfigProblem[]): string {
  return [...problems]
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
    .map((p) => `${file}${p.line ? `:${p.line}` : ''}: ${p.path}: ${p.message}`)
    .join('\n');
}
