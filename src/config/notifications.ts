import { z } from 'zod';
import { ALARM_PRIORITIES } from '../domain/alarm-priority';
import {
  ALWAYS,
  durationMs,
  enumOf,
  hostSchema,
  intBetween,
  nameSchema,
  portSchema,
} from './common';
import { secretSchema, type Env } from './secret';

/** The alarm events a rule may send (the alarm list's transitions). */
export const NOTIFY_EVENTS = ['raised', 'cleared', 'acknowledged', 'shelved', 'unshelved'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

const httpUrl = z
  .string({ error: 'expected an http:// or https:// URL' })
  .refine(isHttpUrl, { error: 'expected an http:// or https:// URL' });

const emailAddress = z.email({ error: 'expected an e-mail address' });

/** An HTTP header name (RFC 9110 token). */
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, {
  error: 'expected an HTTP header name (letters, digits, -)',
});

/**
 * A webhook: every notification is POSTed as JSON to `url`. The URL and header values may be secrets
 * (`{ env: NAME }`), e.g. `Authorization: { env: HOOK_TOKEN }`; no header value is ever logged.
 */
function webhookSchema(env: Env) {
  return z.strictObject({
    type: z.literal('webhook'),
    /** A secret too (`{ env: NAME }`): many services put their token in the URL's path. */
    url: secretSchema(env)
      .refine((s) => isHttpUrl(s.reveal()), { error: 'expected an http:// or https:// URL' })
      // fetch refuses such a URL, and its error message quotes it whole: password and all.
      .refine((s) => !hasCredentials(s.reveal()), {
        error:
          'a user name or password in the URL is not allowed: put it in headers (e.g. Authorization: { env: HOOK_TOKEN })',
      }),
    headers: z.record(headerName, secretSchema(env)).default({}),
    /** One attempt's limit; a receiver slower than this counts as down. */
    timeoutMs: durationMs(100, 120_000).default(10_000),
  });
}

/**
 * E-mail over SMTP. `security`: `starttls` (default: the server must offer STARTTLS, else
 * nothing is sent), `tls` (TLS from the first byte, port 465), `none` (a relay on the same host
 * or network that needs neither). The password is a secret, never logged.
 */
function emailSchema(env: Env) {
  return z
    .strictObject({
      type: z.literal('email'),
      host: hostSchema,
      port: portSchema.optional(),
      security: enumOf(['starttls', 'tls', 'none'] as const, 'an SMTP security').default(
        'starttls',
      ),
      /** A PEM file of the CA that signed the server's certificate (a private mail relay). */
      caFile: z.string().min(1).optional(),
      username: z.string().min(1).optional(),
      password: secretSchema(env).optional(),
      from: emailAddress,
      to: z.array(emailAddress, { error: 'expected a list of e-mail addresses' }).min(1, {
        error: 'expected at least one address in to',
      }),
      timeoutMs: durationMs(1000, 300_000).default(30_000),
    })
    .superRefine((e, ctx) => {
      if ((e.username === undefined) !== (e.password === undefined))
        ctx.addIssue({
          code: 'custom',
          path: [e.username === undefined ? 'username' : 'password'],
          message: 'expected both username and password, or neither',
        });
      // A password in clear over the network is as good as published.
      if (e.password !== undefined && e.security === 'none')
        ctx.addIssue({
          code: 'custom',
          path: ['security'],
          message: 'credentials need security starttls or tls: a password is never sent in clear',
        });
    }, ALWAYS);
}

const ruleSchema = z.strictObject({
  /** Alarms of these priorities… */
  priorities: z
    .array(enumOf(ALARM_PRIORITIES, 'a priority'))
    .min(1, { error: 'expected at least one priority' }),
  /** …on these events… */
  events: z
    .array(enumOf(NOTIFY_EVENTS, 'an alarm event'))
    .min(1, { error: 'expected at least one event' })
    .default(['raised', 'cleared']),
  /** …go to these targets (names under `targets`). */
  targets: z.array(nameSchema).min(1, { error: 'expected at least one target' }),
});

/**
 * Who hears about alarms when nobody is looking at the page (docs/alarms.md, Notifications).
 * Optional: without this section nothing is sent.
 */
export function notificationsSchema(env: Env) {
  const targetSchema = z.discriminatedUnion('type', [webhookSchema(env), emailSchema(env)], {
    error: 'expected type: webhook or email',
  });
  return z
    .strictObject({
      /** Where messages wait until their target took them: a restart loses none. */
      spoolDir: z.string().min(1).default('data/notifications'),
      /** Per target; over it the oldest waiting messages are dropped (and counted). */
      maxSpoolBytes: intBetween(
        65_536,
        1_073_741_824,
        'a size in bytes from 64 KiB to 1 GiB',
      ).default(16 * 1024 * 1024),
      /** Capped exponential backoff between attempts at a target that failed. */
      retry: z
        .strictObject({
          initialDelayMs: durationMs(10, 600_000).default(1000),
          maxDelayMs: durationMs(100, 3_600_000).default(300_000),
        })
        .default({ initialDelayMs: 1000, maxDelayMs: 300_000 }),
      /** The control-room page's address as people reach it (behind a proxy, say): linked in messages. */
      pageUrl: httpUrl.optional(),
      targets: z.record(nameSchema, targetSchema),
      rules: z.array(ruleSchema).min(1, { error: 'expected at least one rule' }),
    })
    .superRefine((n, ctx) => {
      const targets = typeof n.targets === 'object' && n.targets !== null ? n.targets : {};
      (Array.isArray(n.rules) ? n.rules : []).forEach((r, i) => {
        if (!Array.isArray(r?.targets)) return;
        r.targets.forEach((t, j) => {
          if (typeof t === 'string' && !(t in targets))
            ctx.addIssue({
              code: 'custom',
              path: ['rules', i, 'targets', j],
              message: `unknown target "${t}" (targets: ${Object.keys(targets).join(', ') || 'none'})`,
            });
        });
      });
    }, ALWAYS);
}

export type NotificationsConfig = z.output<ReturnType<typeof notificationsSchema>>;
export type NotifyTargetConfig = NotificationsConfig['targets'][string];
export type WebhookTargetConfig = Extract<NotifyTargetConfig, { type: 'webhook' }>;
export type EmailTargetConfig = Extract<NotifyTargetConfig, { type: 'email' }>;
export type NotifyRule = NotificationsConfig['rules'][number];

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

function hasCredentials(s: string): boolean {
  try {
    const u = new URL(s);
    return u.username !== '' || u.password !== '';
  } catch {
    return false;
  }
}
