import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseSiteConfig } from '../../../src/config';

/** Table-driven schema cases: see test/cases/config/README.md for the file format. */
const casesDir = join(__dirname, '..', '..', 'cases', 'config');

interface Expectation {
  path: string;
  line?: number;
  text: string;
}

function header(text: string): { env: Record<string, string>; expect: Expectation[] } {
  const env: Record<string, string> = {};
  const expect: Expectation[] = [];
  for (const line of text.split('\n')) {
    const e = /^# expect: ([^@]+?)(?:@(\d+))?: (.+)$/.exec(line);
    if (e) expect.push({ path: e[1]!, line: e[2] ? Number(e[2]) : undefined, text: e[3]! });
    const v = /^# env: ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (v) env[v[1]!] = v[2]!;
  }
  return { env, expect };
}

const files = (kind: string): string[] =>
  readdirSync(join(casesDir, kind))
    .filter((f) => f.endsWith('.yaml'))
    .sort();

describe('valid site configs', () => {
  it.each(files('valid'))('%s validates', (file) => {
    const text = readFileSync(join(casesDir, 'valid', file), 'utf8');
    const result = parseSiteConfig(text, header(text).env);
    expect(result.ok ? [] : result.problems).toEqual([]);
  });
});

describe('invalid site configs', () => {
  it.each(files('invalid'))('%s reports exactly its expected problems', (file) => {
    const text = readFileSync(join(casesDir, 'invalid', file), 'utf8');
    const { env, expect: expected } = header(text);
    expect(expected.length).toBeGreaterThan(0);
    const result = parseSiteConfig(text, env);
    if (result.ok) throw new Error(`${file} validated but should not`);
    for (const e of expected) {
      const match = result.problems.find((p) => p.path === e.path && p.message.includes(e.text));
      expect({ expected: e, found: match ?? result.problems }).toEqual({
        expected: e,
        found: expect.objectContaining({ path: e.path, ...(e.line ? { line: e.line } : {}) }),
      });
    }
    // Nothing beyond what the case lists: no cascade of confusing follow-up errors.
    expect(result.problems).toHaveLength(expected.length);
  });
});
