import {
  OPCUAClient,
  type ClientSession,
  type ClientSubscription,
  type OPCUACertificateManager,
} from 'node-opcua';
import { opcuaKeepAliveCount, type OpcuaDeviceConfig } from '../../config/opcua';
import { securityModeOf, securityPolicyOf } from './security';

/** Everything of one connection; thrown away whole when the connection is lost. */
export interface Connection {
  client: OPCUAClient;
  certificates: OPCUACertificateManager;
  session?: ClientSession;
  subscriptions: ClientSubscription[];
  timers: NodeJS.Timeout[];
  /** Resolves the reason the connection ended, once. */
  lost: Promise<string>;
  /** Ends the connection with a reason; later calls are ignored. */
  fail: (reason: string) => void;
}

export interface Liveness {
  /** Publishing intervals per keep-alive of our subscriptions. */
  keepAliveCount: number;
  /** No publish response for this long: the server is gone (hung, or the network cut). */
  silenceMs: number;
}

export function livenessOf(cfg: Pick<OpcuaDeviceConfig, 'publishingIntervalMs'>): Liveness {
  const keepAliveCount = opcuaKeepAliveCount(cfg.publishingIntervalMs);
  return { keepAliveCount, silenceMs: cfg.publishingIntervalMs * keepAliveCount * 2 + 1000 };
}

/** A client for one connection attempt, with its own certificate manager. */
export function newClient(
  cfg: OpcuaDeviceConfig,
  certificates: OPCUACertificateManager,
  applicationUri: string,
  { silenceMs }: Liveness,
): OPCUAClient {
  return OPCUAClient.create({
    applicationName: 'HeatBridge',
    applicationUri,
    clientCertificateManager: certificates,
    securityPolicy: securityPolicyOf(cfg),
    securityMode: securityModeOf(cfg),
    endpointMustExist: false,
    // We reconnect ourselves (see OpcuaAdapter); node-opcua must not try on its own.
    connectionStrategy: { maxRetry: 0, initialDelay: 1000, maxDelay: 2000 },
    keepSessionAlive: true,
    requestedSessionTimeout: Math.max(30_000, silenceMs * 2),
    defaultTransactionTimeout: cfg.requestTimeoutMs,
    // The socket idle timeout: a hung server is noticed without waiting for TCP.
    transportTimeout: silenceMs + 5000,
  });
}

/** A connection for a client, not yet connected: `fail` ends it with the first reason given. */
export function newConnection(
  client: OPCUAClient,
  certificates: OPCUACertificateManager,
): Connection {
  let resolve!: (reason: string) => void;
  const lost = new Promise<string>((r) => (resolve = r));
  let ended = false;
  return {
    client,
    certificates,
    subscriptions: [],
    timers: [],
    lost,
    fail: (reason) => {
      if (ended) return;
      ended = true;
      resolve(reason);
    },
  };
}
