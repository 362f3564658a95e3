import { z } from 'zod';
import { durationMs, intBetween } from './common';
import { reconnectSchema } from './reconnect';
import { secretSchema, type Env } from './secret';

const url = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

/** Store-and-forward on local disk between HeatBridge and the database (DESIGN §6). */
const spoolSchema = z.strictObject({
  dir: z.string().min(1).default('data/spool'),
  /** Cap; beyond it the oldest lines are dropped and counted. */
  maxBytes: intBetween(1024 * 1024, 1024 ** 4, 'a size in bytes from 1 MiB to 1 TiB').default(
    1024 ** 3,
  ),
});

/** An InfluxQL duration (30d, 52w, 12h) or INF. */
const influxDuration = z
  .string()
  .regex(/^(INF|\d+(ns|u|µ|ms|s|m|h|d|w)(\d+(ns|u|µ|ms|s|m|h|d|w))*)$/, {
    error: 'expected an InfluxQL duration such as 30d or INF',
  });

/** Settings every historian has. */
const commonFields = {
  /** Samples are collected this long, then written to disk (the spool or the files) at once. */
  flushIntervalMs: durationMs(10, 10_000).default(200),
  /** Points recorded on change are still recorded at least this often. */
  onChangeMaxSilenceMs: durationMs(1000).default(15 * 60 * 1000),
};

const databaseFields = {
  ...commonFields,
  /** Lines per request (InfluxDB recommends 5,000 at most). */
  batchSize: intBetween(1, 5000, 'a batch size from 1 to 5000 lines').default(5000),
  timeoutMs: durationMs(100, 120_000).default(10_000),
  /**
   * Lines wait in the spool at most this long for a batch to fill before they are sent (0: each
   * flush goes out at once). Fewer, fuller requests cost the database and HeatBridge less: at
   * 10,000 points/s, two requests of 5,000 lines a second instead of five of 2,000 (issue 25).
   */
  sendDelayMs: durationMs(0, 60_000).default(1000),
  spool: spoolSchema.default({ dir: 'data/spool', maxBytes: 1024 ** 3 }),
  /**
   * Retries while the database is unreachable (with jitter: each wait is between half and all of
   * the delay). The cap is 5 s, not the adapters' 30 s: the spool makes a retry cheap (one refused
   * request), and the cap bounds how long after the database is back the first write goes out.
   */
  reconnect: reconnectSchema.default({ initialDelayMs: 1000, maxDelayMs: 5000 }),
};

export function historianSchema(env: Env) {
  return z.discriminatedUnion(
    'type',
    [
      /** Embedded default: InfluxDB line protocol in rotating local files. */
      z.strictObject({
        type: z.literal('file'),
        dir: z.string().min(1).default('data/historian'),
        rotateBytes: intBetween(1024, 1024 ** 3, 'a size in bytes').default(64 * 1024 * 1024),
        /** Files kept; the oldest are deleted beyond this. */
        maxFiles: intBetween(1, 100_000).default(100),
        ...commonFields,
      }),
      z.strictObject({
        type: z.literal('influxdb-v1'),
        url,
        database: z.string().min(1),
        username: z.string().min(1).optional(),
        password: secretSchema(env).optional(),
        /** Retention of raw data and of the 1-minute and 1-hour downsamples. */
        retention: z
          .strictObject({
            raw: influxDuration.default('30d'),
            minute: influxDuration.default('400d'),
            hour: influxDuration.default('INF'),
          })
          .default({ raw: '30d', minute: '400d', hour: 'INF' }),
        /** Continuous queries filling the 1-minute and 1-hour retention policies. */
        downsample: z.boolean().default(true),
        ...databaseFields,
      }),
      z.strictObject({
        type: z.literal('influxdb-v2'),
        url,
        org: z.string().min(1),
        bucket: z.string().min(1),
        token: secretSchema(env),
        ...databaseFields,
      }),
    ],
    { error: 'expected type: file, influxdb-v1 or influxdb-v2' },
  );
}

export type HistorianConfig = z.output<ReturnType<typeof historianSchema>>;
