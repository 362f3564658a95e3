import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { formatIssues, formatPath, type ConfigProblem } from './format-issues';
import type { Env } from './secret';
import { schemaKeysAt } from './schema-keys';
import { siteSchema, type SiteConfig } from './site';
import { lineOfPath } from './yaml-locate';

export type ConfigResult =
  { ok: true; config: SiteConfig } | { ok: false; problems: ConfigProblem[] };

/**
 * Parses and validates a site config from YAML text. Never throws for bad input: every problem
 * (YAML syntax, schema, cross-checks, missing environment variables) comes back at once, each with
 * its path and, where it can be located, its line.
 */
export function parseSiteConfig(text: string, env: Env): ConfigResult {
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
  const schema = siteSchema(env);
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return { ok: true, config: result.data };

  const problems = formatIssues(result.error.issues, (path) => schemaKeysAt(schema, data, path));
  return {
    ok: false,
    problems: problems.map((p) => ({
      path: formatPath(p.segments),
      message: p.message,
      line: lineOfPath(doc, lines, p.segments),
    })),
  };
}

/** The yaml library's first message line, without its own position suffix (we print ours). */
function syntaxMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

export async function loadSiteConfig(file: string, env: Env): Promise<ConfigResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(err);
    return { ok: false, problems: [{ path: '(file)', message: `cannot read ${file}: ${why}` }] };
  }
  return parseSiteConfig(text, env);
}

/** `file:12: devices.hp1.points[3].register: expected an integer ≥ 0` lines, sorted by line. */
export function formatProblems(file: string, problems: readonly ConfigProblem[]): string {
  return [...problems]
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
    .map((p) => `${file}${p.line ? `:${p.line}` : ''}: ${p.path}: ${p.message}`)
    .join('\n');
}
