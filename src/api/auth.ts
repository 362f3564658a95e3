import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ROLES, tokensFileSchema, type ApiConfig, type Role } from '../config/api';

/** Who made a request. */
export interface Principal {
  name: string;
  role: Role;
}

/** The SHA-256 of a token, hex: what is stored and compared; the token itself is not kept. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The rights each role holds: viewer < operator < engineer, each with the ones before it; the
 * utility's system beside them, a viewer's reads and publishing plans (which engineers may too).
 */
const GRANTS: Record<Role, readonly Role[]> = {
  viewer: ['viewer'],
  operator: ['viewer', 'operator'],
  engineer: ['viewer', 'operator', 'engineer', 'utility'],
  utility: ['viewer', 'utility'],
};

/** Does `role` hold the rights of `needed`? */
export function hasRole(role: Role, needed: Role): boolean {
  return GRANTS[role].includes(needed);
}

/**
 * Who holds `needed`, as a refusal says it: "operator or more" along the chain, "engineer or
 * utility" for publishing plans.
 */
export function holdersOf(needed: Role): string {
  if (needed !== 'utility') return `${needed} or more`;
  return ROLES.filter((r) => hasRole(r, needed)).join(' or ');
}

interface StoredToken {
  name: string;
  role: Role;
  digest: Buffer;
}

/**
 * The API's tokens, hashed. Built from the config's entries (a token from the environment is
 * hashed here and its plain text dropped) and the tokens file. Lookups compare digests in
 * constant time, against every entry, so response time says nothing about a near miss.
 */
export class TokenStore {
  private readonly tokens: StoredToken[] = [];

  constructor(entries: readonly { name: string; role: Role; sha256: string }[]) {
    for (const e of entries)
      this.tokens.push({ name: e.name, role: e.role, digest: Buffer.from(e.sha256, 'hex') });
  }

  /** From the API config, with the tokens file when there is one (problems thrown with its path). */
  static fromConfig(cfg: Pick<ApiConfig, 'tokens' | 'tokensFile'>): TokenStore {
    const entries = cfg.tokens.map((t) => ({
      name: t.name,
      role: t.role,
      sha256: t.sha256 ?? hashToken(t.token!.reveal()),
    }));
    if (cfg.tokensFile) entries.push(...readTokensFile(cfg.tokensFile));
    const names = new Set<string>();
    for (const e of entries) {
      if (names.has(e.name)) throw new Error(`API token name "${e.name}" is used twice`);
      names.add(e.name);
    }
    return new TokenStore(entries);
  }

  get size(): number {
    return this.tokens.length;
  }

  /** The principal a bearer token belongs to, or undefined. */
  lookup(token: string): Principal | undefined {
    const digest = createHash('sha256').update(token, 'utf8').digest();
    let found: StoredToken | undefined;
    for (const t of this.tokens) {
      if (timingSafeEqual(t.digest, digest) && !found) found = t;
    }
    return found ? { name: found.name, role: found.role } : undefined;
  }
}

function readTokensFile(file: string): { name: string; role: Role; sha256: string }[] {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`API tokens file ${file}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = tokensFileSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new Error(
      `API tokens file ${file}: ${first.path.join('.') || '(top)'}: ${first.message}`,
    );
  }
  return parsed.data.tokens;
}

/**
 * Failed token checks per client address: after `max` failures within `windowMs` the address is
 * refused (429) until the window has passed, so tokens cannot be guessed at speed.
 */
export class FailedLoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Milliseconds until this client may try again; 0 when it may now. */
  blockedFor(client: string, now: number): number {
    const recent = this.recent(client, now);
    if (recent.length < this.max) return 0;
    return recent[0]! + this.windowMs - now;
  }

  fail(client: string, now: number): void {
    const recent = this.recent(client, now);
    recent.push(now);
    this.failures.set(client, recent);
    // Bounded memory: forget the oldest clients if an attacker cycles addresses.
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  private recent(client: string, now: number): number[] {
    const list = (this.failures.get(client) ?? []).filter((t) => now - t < this.windowMs);
    if (list.length === 0) this.failures.delete(client);
    return list;
  }
}
