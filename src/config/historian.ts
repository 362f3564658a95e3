import { z } from 'zod';
import { durationMs, intBetween } from './common';
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

const batchFields = {
  batchSize: intBetween(1, 5000, 'a batch size from 1 to 5000 lines').default(5000),
  flushIntervalMs: durationMs(10, 60000).default(1000),
  spool: spoolSchema.default({ dir: 'data/spool', maxBytes: 1024 ** 3 }),
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
      }),
      z.strictObject({
        type: z.literal('influxdb-v1'),
        url,
        database: z.string().min(1),
        username: z.string().min(1).optional(),
        password: secretSchema(env).optional(),
        ...batchFields,
      }),
      z.strictObject({
        type: z.literal('influxdb-v2'),
        url,
        org: z.string().min(1),
        bucket: z.string().min(1),
        token: secretSchema(env),
        ...batchFields,
      }),
    ],
    { error: 'expected type: file, influxdb-v1 or influxdb-v2' },
  );
}

export type HistorianConfig = z.output<ReturnType<typeof historianSchema>>;
