import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { hashToken, TokenStore } from '../../../src/api/auth';
import { ensureDemoTokens } from '../../../src/api/demo-tokens';
import { hashTokenCommand, newTokenCommand } from '../../../src/cli/api-tools';

const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s), env: {} },
  };
};

describe('API token tools', () => {
  it('new-token prints a token and an entry that lets exactly that token in', () => {
    const t = io();
    expect(newTokenCommand({ name: 'olli', role: 'operator' }, t.io)).toBe(0);
    const token = /: (\S+)$/.exec(t.out[0]!)![1]!;
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(t.out[2]).toBe(`  - { name: olli, role: operator, sha256: ${hashToken(token)} }`);
  });

  it('hash-token hashes a token from standard input, and refuses an empty one', async () => {
    const t = io();
    expect(await hashTokenCommand(t.io, Readable.from(['abc\n']))).toBe(0);
    expect(t.out).toEqual([hashToken('abc')]);
    const e = io();
    expect(await hashTokenCommand(e.io, Readable.from(['  \n']))).toBe(1);
    expect(e.err[0]).toMatch(/no token on standard input/);
  });

  it('the demo gets one random token per role: hashes in its tokens file, tokens beside it, owner-only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-demo-tokens-'));
    const file = join(dir, 'demo-tokens.yaml');
    const credentials = ensureDemoTokens(file)!;
    expect(credentials).toBe(join(dir, 'demo-credentials.txt'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(credentials).mode & 0o777).toBe(0o600);
    const tokens = Object.fromEntries(
      readFileSync(credentials, 'utf8')
        .split('\n')
        .slice(1)
        .filter(Boolean)
        .map((l) => l.split(/\s+/) as [string, string]),
    );
    expect(Object.keys(tokens)).toEqual(['viewer', 'operator', 'engineer', 'utility']);
    const text = readFileSync(file, 'utf8');
    for (const t of Object.values(tokens)) expect(text).not.toContain(t);
    const store = TokenStore.fromConfig({ tokens: [], tokensFile: file });
    expect(store.lookup(tokens.operator!)).toEqual({ name: 'demo-operator', role: 'operator' });
    // Created once: a second start keeps them.
    expect(ensureDemoTokens(file)).toBeUndefined();
  });
});
