import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { ROLES, type Role } from '../config/api';
import { hashToken } from './auth';

/** A new random API token: 192 bits, URL-safe. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The demo's tokens: when its tokens file does not exist yet, one random token per role. The
 * tokens file gets their hashes only; the tokens themselves go to `demo-credentials.txt` beside
 * it (readable by the owner only), for whoever runs the demo to sign in with. Never logged.
 * Returns the credentials file, or undefined when the tokens file was there already.
 */
export function ensureDemoTokens(tokensFile: string): string | undefined {
  if (existsSync(tokensFile)) return undefined;
  mkdirSync(dirname(tokensFile), { recursive: true });
  const tokens = ROLES.map((role: Role) => ({ name: `demo-${role}`, role, token: newToken() }));
  writeFileSync(
    tokensFile,
    `# Created by \`heatbridge demo\`: SHA-256 of each token; the tokens are in demo-credentials.txt.\n${stringify(
      {
        tokens: tokens.map((t) => ({ name: t.name, role: t.role, sha256: hashToken(t.token) })),
      },
    )}`,
    { mode: 0o600 },
  );
  const credentials = join(dirname(tokensFile), 'demo-credentials.txt');
  writeFileSync(
    credentials,
    `HeatBridge demo API tokens (sign in on the web page with one of them):\n${tokens
      .map((t) => `${t.role.padEnd(9)} ${t.token}`)
      .join('\n')}\n`,
    { mode: 0o600 },
  );
  chmodSync(credentials, 0o600);
  return credentials;
}
