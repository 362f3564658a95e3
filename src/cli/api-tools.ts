import type { Role } from '../config/api';
import { hashToken } from '../api/auth';
import { newToken } from '../api/demo-tokens';
import type { Io } from './commands';

/** `heatbridge api new-token`: a random token, and the entry that lets it in (its hash only). */
export function newTokenCommand(flags: { name: string; role: Role }, io: Io): number {
  const token = newToken();
  io.out(`token (give it to ${flags.name}; it is not stored anywhere): ${token}`);
  io.out('entry for api.tokens or the tokens file:');
  io.out(`  - { name: ${flags.name}, role: ${flags.role}, sha256: ${hashToken(token)} }`);
  return 0;
}

/** `heatbridge api hash-token`: the SHA-256 of a token read from standard input (not argv: shell history). */
export async function hashTokenCommand(
  io: Io,
  input: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  let text = '';
  for await (const chunk of input) text += String(chunk);
  const token = text.trim();
  if (token.length === 0) {
    io.err('no token on standard input (e.g. `heatbridge api hash-token < token.txt`)');
    return 1;
  }
  io.out(hashToken(token));
  return 0;
}
