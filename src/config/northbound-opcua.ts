import { z } from 'zod';
import { durationMs, finiteNumber, hostSchema, intAtLeast, portSchema } from './common';
import type { Env } from './secret';

/** The secure policies the northbound server offers (as our OPC UA client uses them). */
export const NORTHBOUND_SECURITY_POLICIES = [
  'Basic256Sha256',
  'Aes128_Sha256_RsaOaep',
  'Aes256_Sha256_RsaPss',
] as const;
export const NORTHBOUND_SECURITY_MODES = ['Sign', 'SignAndEncrypt'] as const;

const NONE_HINT =
  'None is not offered through this list: set allowInsecure: true to add an unencrypted endpoint beside the secure ones';

/** A list of secure choices; `None` gets a message that says how to ask for it explicitly. */
function secureList<const T extends readonly [string, ...string[]]>(values: T, what: string) {
  return z
    .array(z.string(), { error: `expected a list of ${what}s` })
    .min(1, { error: `expected at least one ${what}` })
    .superRefine((list, ctx) => {
      list.forEach((v, i) => {
        if (v === 'None') ctx.addIssue({ code: 'custom', path: [i], message: NONE_HINT });
        else if (!(values as readonly string[]).includes(v))
          ctx.addIssue({
            code: 'custom',
            path: [i],
            message: `expected ${what}: ${values.join(', ')}`,
          });
      });
    })
    .transform((list) => list as T[number][]);
}

const euRangeSchema = z
  .strictObject({ low: finiteNumber, high: finiteNumber })
  .refine((r) => r.low < r.high, { error: 'low must be below high', path: ['high'] });

/**
 * The northbound OPC UA server (issue 24): the utility's SCADA browses every point of the site,
 * the KPIs, the plant modes and the active alarms, and writes its requests (when
 * `northbound.requests` is configured). Secure by default: signed and encrypted endpoints only,
 * no client certificate trusted until an operator moves it from `<pkiDir>/rejected` to
 * `<pkiDir>/trusted/certs`, users are the API's tokens (user name = the token's name, password =
 * the token), no anonymous sessions. See docs/northbound-opcua.md.
 */
export function northboundOpcuaSchema(_env: Env) {
  return z.strictObject({
    /** The address to listen on: loopback unless the SCADA is elsewhere (then its LAN address). */
    host: hostSchema.default('127.0.0.1'),
    /** 4840 is taken by the demo's hall simulator; 4841 by default here. */
    port: portSchema.default(4841),
    /** The endpoint's path: opc.tcp://host:port/heatbridge. */
    resourcePath: z
      .string()
      .regex(/^(\/[A-Za-z0-9._~-]+)*$/, { error: 'expected a path such as /heatbridge' })
      .default('/heatbridge'),
    /**
     * The hostname advertised in the endpoint URLs and written into the server certificate;
     * `host` by default. Set it when clients reach the server by a name (a DNS name of this
     * machine) rather than by the address it binds.
     */
    hostname: z.string().min(1).optional(),
    /** The server's PKI: own certificate, trusted/ and rejected/ client certificates. */
    pkiDir: z.string().min(1).default('data/pki/opcua-server'),
    securityPolicies: secureList(NORTHBOUND_SECURITY_POLICIES, 'a security policy').default([
      ...NORTHBOUND_SECURITY_POLICIES,
    ]),
    securityModes: secureList(NORTHBOUND_SECURITY_MODES, 'a security mode').default([
      ...NORTHBOUND_SECURITY_MODES,
    ]),
    /**
     * Also offer an endpoint without signing or encryption (security policy None), for reading:
     * requests written over it are refused (BadSecurityModeInsufficient), since the session's
     * authentication token crosses it in clear. User passwords stay encrypted with the server
     * certificate even there. Off unless set.
     */
    allowInsecure: z.boolean().default(false),
    /** Anonymous sessions, for reading only (never writing). Off unless set. */
    allowAnonymous: z.boolean().default(false),
    /** Most sessions at once. */
    maxSessions: intAtLeast(1).default(20),
    /**
     * The fastest rate a client may sample a variable at (OPC UA MinimumSamplingInterval). Values
     * are pushed as samples arrive; this bounds how often a subscription checks them.
     */
    minimumSamplingIntervalMs: durationMs(0, 60_000).default(100),
    /**
     * How often KPIs, modes, request expiry, alarms and the staleness of values are refreshed;
     * the control cycle (`control.cycleMs`) by default.
     */
    refreshMs: durationMs(100, 600_000).optional(),
    /**
     * EURange of points that have no bounds (point id → range). A point with bounds takes them
     * (an entry for it is not used); a numeric point with neither is a BaseAnalogType
     * (EngineeringUnits, no EURange). Entries not used are warned about at start.
     */
    euRanges: z.record(z.string().min(1), euRangeSchema).default({}),
  });
}

export type NorthboundOpcuaConfig = z.output<ReturnType<typeof northboundOpcuaSchema>>;
