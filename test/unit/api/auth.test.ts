import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailedLoginLimiter, hashToken, hasRole, TokenStore } from '../../../src/api/auth';
import { apiSchema } from '../../../src/config/api';

const tmp = mkdtempSync(join(tmpdir(), 'hb-auth-'));

describe('API tokens', () => {
  it('hashes with SHA-256 (what the config and the tokens file store)', () => {
    expect(hashToken('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('finds a token from the environment and one stored as a hash, and no other', () => {
    const cfg = apiSchema({ OPS: 'operator-secret-0123456' }).parse({
      tokens: [
        { name: 'olli', role: 'operator', token: { env: 'OPS' } },
        { name: 'vera', role: 'viewer', sha256: hashToken('viewer-secret') },
      ],
    });
    const store = TokenStore.fromConfig(cfg);
    expect(store.lookup('operator-secret-0123456')).toEqual({ name: 'olli', role: 'operator' });
    expect(store.lookup('viewer-secret')).toEqual({ name: 'vera', role: 'viewer' });
    expect(store.lookup('operator-secret-012345')).toBeUndefined();
    expect(store.lookup('')).toBeUndefined();
    // The plain token is not kept: only digests.
    expect(JSON.stringify(store)).not.toContain('operator-secret');
  });

  it('reads the tokens file, and names its problems', () => {
    const good = join(tmp, 'tokens.yaml');
    writeFileSync(good, `tokens:\n  - { name: eng, role: engineer, sha256: ${hashToken('e')} }\n`);
    expect(TokenStore.fromConfig({ tokens: [], tokensFile: good }).lookup('e')).toEqual({
      name: 'eng',
      role: 'engineer',
    });
    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, 'tokens:\n  - { name: eng, role: admin, sha256: abc }\n');
    expect(() => TokenStore.fromConfig({ tokens: [], tokensFile: bad })).toThrow(
      /bad\.yaml: tokens\.0\.role: expected a role/,
    );
    expect(() =>
      TokenStore.fromConfig({ tokens: [], tokensFile: join(tmp, 'missing.yaml') }),
    ).toThrow(/missing\.yaml: ENOENT/);
    const dup = join(tmp, 'dup.yaml');
    writeFileSync(dup, `tokens:\n  - { name: vera, role: viewer, sha256: ${hashToken('x')} }\n`);
    const cfg = apiSchema({}).parse({
      tokens: [{ name: 'vera', role: 'viewer', sha256: hashToken('y') }],
      tokensFile: dup,
    });
    expect(() => TokenStore.fromConfig(cfg)).toThrow(/"vera" is used twice/);
  });

  it('refuses config entries with neither or both of token and sha256, and duplicate names', () => {
    const r = apiSchema({}).safeParse({
      tokens: [
        { name: 'a', role: 'viewer' },
        { name: 'b', role: 'viewer', token: 't', sha256: hashToken('t') },
        { name: 'c', role: 'viewer', sha256: 'ABC' },
        { name: 'd', role: 'viewer', token: 'a-long-enough-token-0001' },
        { name: 'd', role: 'viewer', token: 'a-long-enough-token-0002' },
        { name: 'e', role: 'viewer', token: 'short' },
      ],
    });
    expect(r.success).toBe(false);
    const issues = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues).toEqual(
      expect.arrayContaining([
        'tokens.0: expected exactly one of token and sha256',
        'tokens.1: expected exactly one of token and sha256',
        'tokens.2.sha256: expected the SHA-256 of the token as 64 lower-case hex digits',
        'tokens.4.name: duplicate token name "d" (first at tokens[3])',
        'tokens.5.token: a token needs at least 20 characters (heatbridge api new-token makes one)',
      ]),
    );
  });

  it.each([
    ['viewer', 'viewer', true],
    ['viewer', 'operator', false],
    ['operator', 'viewer', true],
    ['operator', 'operator', true],
    ['operator', 'engineer', false],
    ['engineer', 'operator', true],
  ] as const)('%s has the rights of %s: %s', (role, needed, ok) => {
    expect(hasRole(role, needed)).toBe(ok);
  });
});

describe('failed login limiter', () => {
  it('blocks an address after max failures within the window, until the oldest ages out', () => {
    const l = new FailedLoginLimiter(3, 60_000);
    for (const t of [0, 1000, 2000]) {
      expect(l.blockedFor('a', t)).toBe(0);
      l.fail('a', t);
    }
    expect(l.blockedFor('a', 3000)).toBe(57_000);
    expect(l.blockedFor('b', 3000)).toBe(0); // others are not affected
    expect(l.blockedFor('a', 60_000)).toBe(0); // the first failure left the window
  });
});
