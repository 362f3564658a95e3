import { z } from 'zod';
import { ALWAYS, durationMs, enumOf, finiteNumber, intAtLeast, isOneOf } from './common';
import { basePointFields } from './points';
import { secretSchema, type Env } from './secret';
import { reconnectSchema } from './reconnect';

export const OPCUA_SECURITY_POLICIES = [
  'None',
  'Basic256Sha256',
  'Aes128_Sha256_RsaOaep',
  'Aes256_Sha256_RsaPss',
] as const;
export const OPCUA_SECURITY_MODES = ['None', 'Sign', 'SignAndEncrypt'] as const;

const deadbandSchema = z.strictObject({
  type: enumOf(['absolute', 'percent'] as const, 'a deadband type'),
  value: finiteNumber.min(0, { error: 'expected a number ≥ 0' }),
});

export const opcuaPointSchema = z
  .strictObject({
    ...basePointFields,
    /** NodeId in OPC UA string form: `ns=2;s=Hall1.CDU.SupplyTemp` or `ns=2;i=1042`. */
    nodeId: z.string().min(1).optional(),
    /** Browse path from the Objects folder, e.g. `/2:Hall1/2:CDU/2:SupplyTemperature`. */
    browsePath: z
      .string()
      .regex(/^\//, { error: 'expected a browse path starting with /' })
      .optional(),
    samplingIntervalMs: durationMs(0).optional(),
    deadband: deadbandSchema.optional(),
  })
  .refine((p) => (p.nodeId === undefined) !== (p.browsePath === undefined), {
    error: 'expected exactly one of nodeId or browsePath',
    path: ['nodeId'],
    ...ALWAYS,
  });

export function opcuaAuthSchema(env: Env) {
  return z.discriminatedUnion(
    'type',
    [
      z.strictObject({ type: z.literal('anonymous') }),
      z.strictObject({
        type: z.literal('username'),
        username: z.string().min(1),
        password: secretSchema(env),
      }),
      z.strictObject({
        type: z.literal('certificate'),
        certificateFile: z.string().min(1),
        privateKeyFile: z.string().min(1),
      }),
    ],
    { error: 'expected type: anonymous, username or certificate' },
  );
}

export function opcuaDeviceSchema(env: Env) {
  return z
    .strictObject({
      protocol: z.literal('opcua'),
      description: z.string().optional(),
      enabled: z.boolean().default(true),
      endpoint: z
        .string({ error: 'expected an endpoint URL opc.tcp://host:port/path' })
        .regex(/^opc\.tcp:\/\/[^\s/]+(:\d+)?(\/.*)?$/, {
          error: 'expected an endpoint URL opc.tcp://host:port/path',
        }),
      /** Secure by default: a device that does not say otherwise is signed and encrypted. */
      securityPolicy: enumOf(OPCUA_SECURITY_POLICIES, 'a security policy').default(
        'Basic256Sha256',
      ),
      securityMode: enumOf(OPCUA_SECURITY_MODES, 'a security mode').default('SignAndEncrypt'),
      /** Accept an unknown server certificate once and remember it. Off: unknown is rejected. */
      trustOnFirstUse: z.boolean().default(false),
      /** Our client PKI (own certificate, trusted/ and rejected/ server certificates). */
      pkiDir: z.string().min(1).default('data/pki/opcua-client'),
      auth: opcuaAuthSchema(env).default({ type: 'anonymous' }),
      /** subscription: monitored items; polling: periodic reads, for servers without subscriptions. */
      mode: enumOf(['subscription', 'polling'] as const, 'a mode').default('subscription'),
      publishingIntervalMs: durationMs(10).default(1000),
      samplingIntervalMs: durationMs(0).default(1000),
      queueSize: intAtLeast(1).default(1),
      /** Polling mode: how often all points are read. */
      pollIntervalMs: durationMs(10).default(1000),
      requestTimeoutMs: durationMs(100).default(5000),
      reconnect: reconnectSchema.default({ initialDelayMs: 1000, maxDelayMs: 30000 }),
      points: z.array(opcuaPointSchema).min(1, { error: 'expected at least one point' }),
    })
    .refine(
      (d) => {
        // Defaults are applied only to a valid device, so read them here for a partial one too.
        const policy: unknown = d.securityPolicy ?? 'Basic256Sha256';
        const mode: unknown = d.securityMode ?? 'SignAndEncrypt';
        if (!isOneOf(OPCUA_SECURITY_POLICIES, policy) || !isOneOf(OPCUA_SECURITY_MODES, mode)) {
          return true; // already reported by the field itself
        }
        return (policy === 'None') === (mode === 'None');
      },
      {
        error: 'securityPolicy None goes with securityMode None, and only with it',
        path: ['securityMode'],
        ...ALWAYS,
      },
    );
}

export type OpcuaDeviceConfig = z.output<ReturnType<typeof opcuaDeviceSchema>>;
export type OpcuaPointConfig = z.output<typeof opcuaPointSchema>;

/**
 * Keep-alive count of HeatBridge's subscriptions: the server sends at least a keep-alive every
 * `publishingIntervalMs × count`, about every 3 s (never fewer than 3 intervals).
 */
export function opcuaKeepAliveCount(publishingIntervalMs: number): number {
  return Math.max(3, Math.ceil(3000 / publishingIntervalMs));
}

/**
 * How often a point of this device is confirmed current. Polling: every poll. Subscriptions: a
 * changed value comes within its sampling and publishing interval, an unchanged one (deadband) is
 * confirmed by the next keep-alive, so the keep-alive interval is the longest gap.
 */
export function opcuaExpectedPeriodMs(
  device: Pick<
    OpcuaDeviceConfig,
    'mode' | 'pollIntervalMs' | 'publishingIntervalMs' | 'samplingIntervalMs'
  >,
  point: Pick<OpcuaPointConfig, 'samplingIntervalMs'>,
): number {
  if (device.mode === 'polling') return device.pollIntervalMs;
  const sampling = point.samplingIntervalMs ?? device.samplingIntervalMs;
  const keepAlive = device.publishingIntervalMs * opcuaKeepAliveCount(device.publishingIntervalMs);
  return Math.max(device.publishingIntervalMs, sampling, keepAlive);
}

/**
 * How often a device that is down is probed (a TCP connect to the endpoint's host and port) while
 * reconnect attempts back off: half the period its values come at (publishing or poll interval),
 * between 100 ms and 1 s. A server that comes back is found within that, and the session that
 * follows delivers within another period: values resume within about two periods of the server
 * answering again, however long the backoff has grown.
 */
export function opcuaProbeIntervalMs(
  device: Pick<OpcuaDeviceConfig, 'mode' | 'pollIntervalMs' | 'publishingIntervalMs'>,
): number {
  const period = device.mode === 'polling' ? device.pollIntervalMs : device.publishingIntervalMs;
  return Math.min(1000, Math.max(100, Math.round(period / 2)));
}
