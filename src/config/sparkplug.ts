import { z } from 'zod';
import { durationMs, intBetween } from './common';
import { reconnectSchema } from './reconnect';
import { secretSchema, type Env } from './secret';

/**
 * The MQTT Sparkplug B publisher (issue 24; docs/sparkplug.md): HeatBridge as a Sparkplug edge
 * node, every HeatBridge device a Sparkplug device, data stored on disk while the broker (or the
 * primary host application) is away and sent afterwards as historical data.
 */

/** A Sparkplug id (group, edge node, host): no MQTT topic separators or wildcards. */
const sparkplugId = z.string({ error: 'expected a Sparkplug id' }).regex(/^[^/+#\s]{1,128}$/, {
  error: 'expected a Sparkplug id: 1 to 128 characters, no "/", "+", "#" or spaces',
});

/** `scheme://user:pass@host`: the user info (up to the last `@` of the authority). */
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i;

const brokerUrl = z
  .string({ error: 'expected a broker URL such as mqtt://host:1883 or mqtts://host:8883' })
  // Credentials in the URL would be logged with it: they go in `username` and `password`.
  .refine((url) => !USERINFO.test(url), {
    error:
      'no user name or password in the broker URL (it is logged): set `username`, and `password` as a secret ({ env: NAME })',
  })
  .regex(/^mqtts?:\/\/[^/\s]+$/, {
    error: 'expected a broker URL such as mqtt://host:1883 or mqtts://host:8883 (no path)',
  });

/** The broker URL for a log line: any user info removed (the schema refuses it; in case). */
export function brokerUrlForLog(url: string): string {
  return url.replace(USERINFO, '$1');
}

export const SPARKPLUG_DEFAULTS = {
  groupId: 'heatbridge',
  publishIntervalMs: 1000,
  dataQos: 1,
  stateFile: 'data/sparkplug-state.json',
  spool: { dir: 'data/sparkplug-spool', maxBytes: 256 * 1024 * 1024 },
  reconnect: { initialDelayMs: 1000, maxDelayMs: 30_000 },
  keepaliveMs: 30_000,
  connectTimeoutMs: 10_000,
} as const;

export function sparkplugSchema(env: Env) {
  return z.strictObject({
    /** The broker: `mqtt://host:1883`, or `mqtts://host:8883` for TLS. */
    url: brokerUrl,
    /** The Sparkplug group id (first topic level after `spBv1.0`). */
    groupId: sparkplugId.default(SPARKPLUG_DEFAULTS.groupId),
    /** The edge node id; the site's id when absent. */
    edgeNodeId: sparkplugId.optional(),
    /** The MQTT client id; `heatbridge-<groupId>-<edgeNodeId>` when absent. */
    clientId: z.string().min(1).max(128).optional(),
    username: z.string().min(1).optional(),
    password: secretSchema(env).optional(),
    /** TLS (`mqtts://`): a CA file (PEM) to trust besides the system's. */
    caFile: z.string().min(1).optional(),
    /**
     * A primary host application's id (Sparkplug 3.0): data is published only while its
     * `spBv1.0/STATE/<id>` says online; otherwise it is stored on disk.
     */
    primaryHostId: sparkplugId.optional(),
    /** Changes are collected this long and sent as one DDATA per device. */
    publishIntervalMs: durationMs(50, 60_000).default(SPARKPLUG_DEFAULTS.publishIntervalMs),
    /**
     * QoS of live DDATA. 1 (default): a DDATA counts as sent only when the broker acknowledged
     * it, otherwise it goes to the spool. 0 (what the Sparkplug spec asks): what sat in the TCP
     * buffers when the broker died is lost. Replayed historical data always uses QoS 1.
     */
    dataQos: z
      .union([z.literal(0), z.literal(1)], { error: 'expected 0 or 1' })
      .default(SPARKPLUG_DEFAULTS.dataQos),
    /** Where bdSeq is kept across restarts. */
    stateFile: z.string().min(1).default(SPARKPLUG_DEFAULTS.stateFile),
    /** The store-and-forward spool (its own, not the historian's). */
    spool: z
      .strictObject({
        dir: z.string().min(1).default(SPARKPLUG_DEFAULTS.spool.dir),
        maxBytes: intBetween(1024 * 1024, 1024 ** 4, 'a size in bytes from 1 MiB to 1 TiB').default(
          SPARKPLUG_DEFAULTS.spool.maxBytes,
        ),
      })
      .default({ ...SPARKPLUG_DEFAULTS.spool }),
    /** Waits between connection attempts (capped exponential backoff with jitter). */
    reconnect: reconnectSchema.default({ ...SPARKPLUG_DEFAULTS.reconnect }),
    keepaliveMs: durationMs(1000, 3_600_000).default(SPARKPLUG_DEFAULTS.keepaliveMs),
    connectTimeoutMs: durationMs(100, 120_000).default(SPARKPLUG_DEFAULTS.connectTimeoutMs),
    /** The site's KPIs as node metrics (NBIRTH, then NDATA when they change). */
    kpis: z.boolean().default(true),
  });
}

export type SparkplugConfig = z.output<ReturnType<typeof sparkplugSchema>>;
