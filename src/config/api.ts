import { z } from 'zod';
import { durationMs, hostSchema, intAtLeast, intBetween, nameSchema, portSchema } from './common';
import { secretSchema, type Env } from './secret';

/**
 * Who may do what through the API. viewer < operator < engineer: each may do everything the ones
 * before it may. `utility` stands beside that chain: the district-heating utility's system reads
 * what a viewer reads and publishes day-ahead plans, nothing else (engineers may publish plans
 * too). What each role holds is src/api/auth.ts's GRANTS.
 */
export const ROLES = ['viewer', 'operator', 'engineer', 'utility'] as const;
export type Role = (typeof ROLES)[number];

const roleSchema = z.enum(ROLES, {
  error: 'expected a role: viewer, operator, engineer or utility',
});

/** A SHA-256 digest in hex: how a token is stored when it is not read from the environment. */
export const sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, {
  error: 'expected the SHA-256 of the token as 64 lower-case hex digits',
});

export const MIN_TOKEN_LENGTH = 20;

/**
 * One API token. Either `token` (from the environment, preferred, or literal; hashed on load and
 * never kept in plain) or `sha256`, the hex SHA-256 of the token, so a config file can carry it
 * without carrying the token itself (`heatbridge api hash-token` prints it).
 */
export function tokenEntrySchema(env: Env) {
  return z
    .strictObject({
      name: nameSchema,
      role: roleSchema,
      token: secretSchema(env).optional(),
      sha256: sha256HexSchema.optional(),
    })
    .superRefine((t, ctx) => {
      const n = (t.token === undefined ? 0 : 1) + (t.sha256 === undefined ? 0 : 1);
      if (n !== 1) {
        ctx.addIssue({ code: 'custom', message: 'expected exactly one of token and sha256' });
      }
      // A short token can be guessed, rate limit or not (`heatbridge api new-token` makes 43).
      if (t.token && t.token.reveal().length < MIN_TOKEN_LENGTH) {
        ctx.addIssue({
          code: 'custom',
          path: ['token'],
          message: `a token needs at least ${MIN_TOKEN_LENGTH} characters (heatbridge api new-token makes one)`,
        });
      }
    });
}

/** The tokens file: the same entries, with `sha256` only (no plain token in a file). */
export const tokensFileSchema = z.strictObject({
  tokens: z.array(z.strictObject({ name: nameSchema, role: roleSchema, sha256: sha256HexSchema })),
});

export function apiSchema(env: Env) {
  return z
    .strictObject({
      /** Loopback by default: exposing the control API to a network is a deliberate choice. */
      host: hostSchema.default('127.0.0.1'),
      port: portSchema.default(8080),
      /**
       * Reads (GET) without a token, e.g. for a control-room wall screen. State-changing calls
       * always need a token whose role may make them.
       */
      openReads: z.boolean().default(false),
      tokens: z.array(tokenEntrySchema(env)).default([]),
      /** A YAML or JSON file `{ tokens: [{ name, role, sha256 }] }`, read when the API starts. */
      tokensFile: z.string().min(1).optional(),
      /** Failed token checks per client address and window before it is refused with 429. */
      failedLogins: z
        .strictObject({
          max: intAtLeast(1).default(10),
          windowMs: durationMs(1000).default(60_000),
        })
        .default({ max: 10, windowMs: 60_000 }),
      /** Browser origins allowed to call the API (CORS). Empty: same origin only. */
      corsOrigins: z.array(z.string().url({ error: 'expected an origin URL' })).default([]),
      /**
       * Reverse proxies in front of the API whose X-Forwarded-For is believed (Express's
       * "trust proxy": true, a hop count, or addresses/subnets). Off: the socket's address is
       * the client (for the failed-login limit, stream limits and logs).
       */
      trustProxy: z.union([z.boolean(), intAtLeast(0), z.array(z.string().min(1))]).default(false),
      /** Live-update streams (SSE) open at once, in all and per client address. */
      streams: z
        .strictObject({
          max: intBetween(1, 10_000).default(100),
          perAddress: intBetween(1, 10_000).default(10),
        })
        .default({ max: 100, perAddress: 10 }),
      /** Largest request body, bytes. */
      maxBodyBytes: intBetween(256, 1_048_576).default(16_384),
      /** The audit log: every state-changing call, one JSON line each. */
      auditFile: z.string().min(1).default('data/audit.jsonl'),
    })
    .superRefine((api, ctx) => {
      const names = new Map<string, number>();
      (Array.isArray(api.tokens) ? api.tokens : []).forEach((t, i) => {
        const first = names.get(t.name);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['tokens', i, 'name'],
            message: `duplicate token name "${t.name}" (first at tokens[${first}])`,
          });
        } else names.set(t.name, i);
      });
    });
}

export type ApiConfig = z.output<ReturnType<typeof apiSchema>>;

export const API_DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  openReads: false,
  tokens: [],
  failedLogins: { max: 10, windowMs: 60_000 },
  corsOrigins: [],
  trustProxy: false,
  streams: { max: 100, perAddress: 10 },
  maxBodyBytes: 16_384,
  auditFile: 'data/audit.jsonl',
} as const satisfies Partial<ApiConfig>;
