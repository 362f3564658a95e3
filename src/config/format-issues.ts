import type { z } from 'zod';
import { visibleText } from '../util/unsafe-text';

/** One thing wrong with a config file, in words for the person who edits it. */
export interface ConfigProblem {
  /** `devices.hp1.points[3].register`, or `(file)` for problems with the file itself. */
  path: string;
  message: string;
  /** 1-based line in the YAML file, where it can be located. */
  line?: number;
}

export type IssuePath = readonly PropertyKey[];

/** A problem before it is located in the file: the path as segments. */
export interface PathProblem {
  segments: IssuePath;
  message: string;
}

/**
 * `['devices','hp1','points',3,'register']` → `devices.hp1.points[3].register`. A control or
 * bidirectional character in a key is shown as `<U+XXXX>`: the path is printed to a terminal.
 */
export function formatPath(path: IssuePath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += (out === '' ? '' : '.') + visibleText(String(seg));
  }
  return out === '' ? '(root)' : out;
}

function describeType(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  switch (typeof input) {
    case 'string':
      return 'a string';
    case 'number':
      return Number.isInteger(input) ? `the number ${input}` : `the number ${input}`;
    case 'boolean':
      return `${input}`;
    case 'object':
      return 'a mapping';
    default:
      return typeof input;
  }
}

const ARTICLE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  record: 'a mapping',
};

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** The closest known key to a misspelt one, if it is close enough to be a plausible typo. */
export function suggest(unknown: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = levenshtein(unknown.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(unknown.length / 3))
    ? best
    : undefined;
}

/**
 * Turns zod issues into problems. Messages written into the schemas (`expected an integer ≥ 0`)
 * are kept; zod's generic ones are rewritten. Input values are only echoed for enumerations and
 * numbers, never for strings that could be secrets.
 *
 * `knownKeys(path)` lists the keys allowed at an object path, for "did you mean" hints.
 */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  knownKeys: (path: IssuePath) => readonly string[] = () => [],
): PathProblem[] {
  const problems: PathProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      // One problem per key, each at the key's own path so it can be located in the file.
      for (const key of issue.keys) {
        const hint = suggest(key, knownKeys(issue.path));
        problems.push({
          segments: [...issue.path, key],
          message: `unknown key "${visibleText(key)}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
        });
      }
      continue;
    }
    if (issue.code === 'invalid_key') {
      problems.push({
        segments: issue.path,
        message: `invalid name "${String(issue.path[issue.path.length - 1])}": ${firstMessage(issue.issues)}`,
      });
      continue;
    }
    problems.push({ segments: issue.path, message: messageOf(issue) });
  }
  return problems;
}

function firstMessage(issues: readonly z.core.$ZodIssue[]): string {
  const first = issues[0];
  return first ? messageOf(first) : 'invalid';
}

function isGeneric(message: string): boolean {
  return /^(Invalid|Too small|Too big|Unrecognized)/.test(message);
}

function messageOf(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  if (issue.code === 'invalid_type' && input === undefined) {
    // A required key that is missing: say so, whatever the custom message says about its type.
    const expected = isGeneric(issue.message) ? (ARTICLE[issue.expected] ?? issue.expected) : null;
    return expected ? `required: expected ${expected}` : `required: ${issue.message}`;
  }
  if (!isGeneric(issue.message)) {
    // Echo the value for numbers and for enumerations (a typo is easier to spot when shown);
    // never for other strings, which could be secrets.
    const shown =
      typeof input === 'number'
        ? `, got ${input}`
        : issue.code === 'invalid_value' && typeof input === 'string'
          ? `, got "${input}"`
          : '';
    return issue.code === 'custom' ? issue.message : `${issue.message}${shown}`;
  }
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${ARTICLE[issue.expected] ?? issue.expected}, got ${describeType(input)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => String(v)).join(', ')}${
        typeof input === 'string' || typeof input === 'number' ? `, got "${String(input)}"` : ''
      }`;
    case 'too_small':
      if (issue.origin === 'array') return `expected at least ${String(issue.minimum)} item(s)`;
      if (issue.origin === 'string') return 'must not be empty';
      return `expected a number ${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}${
        typeof input === 'number' ? `, got ${input}` : ''
      }`;
    case 'too_big':
      if (issue.origin === 'array') return `expected at most ${String(issue.maximum)} item(s)`;
      if (issue.origin === 'string') return `expected at most ${String(issue.maximum)} characters`;
      return `expected a number ${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)}${
        typeof input === 'number' ? `, got ${input}` : ''
      }`;
    case 'invalid_format':
      return `expected ${issue.format === 'regex' ? 'text matching ' + String((issue as { pattern?: string }).pattern) : `a valid ${issue.format}`}`;
    case 'invalid_union':
      if ('discriminator' in issue && issue.discriminator) {
        return `expected ${String(issue.discriminator)}: one of ${(issue as { options?: unknown[] }).options?.map(String).join(', ') ?? '?'}`;
      }
      return 'does not match any of the allowed forms';
    default:
      return issue.message;
  }
}
