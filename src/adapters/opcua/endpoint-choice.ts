import {
  MessageSecurityMode,
  OPCUAClient,
  SecurityPolicy,
  UserTokenType,
  type OPCUACertificateManager,
} from 'node-opcua';
import {
  OPCUA_SECURITY_MODES,
  OPCUA_SECURITY_POLICIES,
  type OpcuaDeviceConfig,
} from '../../config/opcua';

type Policy = OpcuaDeviceConfig['securityPolicy'];
type Mode = OpcuaDeviceConfig['securityMode'];

/** One endpoint a server offers, in the words of a site config. */
export interface OfferedEndpoint {
  url: string;
  /** The policy's name (`Basic256Sha256`), also for policies HeatBridge does not use. */
  policy: string;
  mode: string;
  /** The server's own ranking: higher is more secure. */
  securityLevel: number;
  /** Sign-ins it accepts: Anonymous, UserName, Certificate, IssuedToken. */
  userTokens: string[];
  serverCertificate?: Buffer;
  applicationUri?: string;
}

export interface Usable extends OfferedEndpoint {
  policy: Policy;
  mode: Mode;
}

/** A client for one look at a server (the commissioning tools): one attempt, no retries. */
export function toolClient(
  certificates: OPCUACertificateManager,
  at: { policy: Policy; mode: Mode },
): OPCUAClient {
  return OPCUAClient.create({
    applicationName: 'HeatBridge',
    applicationUri: 'urn:heatbridge:controller',
    clientCertificateManager: certificates,
    securityPolicy: SecurityPolicy[at.policy],
    securityMode: MessageSecurityMode[at.mode],
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 0 },
    transportTimeout: 10_000,
  });
}

/**
 * The endpoints a server offers, asked over an unsecured channel (GetEndpoints is open to every
 * client, as OPC UA's discovery requires), before choosing how to connect.
 */
export async function offeredEndpoints(
  endpoint: string,
  certificates: OPCUACertificateManager,
): Promise<OfferedEndpoint[]> {
  const client = toolClient(certificates, { policy: 'None', mode: 'None' });
  await client.connect(endpoint);
  try {
    const endpoints = await client.getEndpoints({ endpointUrl: endpoint });
    return endpoints.map((e) => ({
      url: e.endpointUrl ?? endpoint,
      policy: (e.securityPolicyUri ?? '').replace(/^.*#/, '') || 'None',
      mode: MessageSecurityMode[e.securityMode] ?? String(e.securityMode),
      securityLevel: e.securityLevel,
      userTokens: [...new Set((e.userIdentityTokens ?? []).map((t) => UserTokenType[t.tokenType]))],
      ...(e.serverCertificate && e.serverCertificate.length > 0
        ? { serverCertificate: e.serverCertificate }
        : {}),
      ...(e.server?.applicationUri ? { applicationUri: e.server.applicationUri } : {}),
    }));
  } finally {
    await client.disconnect();
  }
}

const usable = (e: OfferedEndpoint): e is Usable =>
  (OPCUA_SECURITY_POLICIES as readonly string[]).includes(e.policy) &&
  (OPCUA_SECURITY_MODES as readonly string[]).includes(e.mode);

const MODE_RANK: Record<Mode, number> = { None: 0, Sign: 1, SignAndEncrypt: 2 };

/**
 * The endpoints HeatBridge can use for this sign-in, most secure first: as asked when a policy
 * and mode are given, otherwise every one it supports, by the server's security level (then
 * SignAndEncrypt before Sign, then the newer policy).
 */
export function usableEndpoints(
  offered: readonly OfferedEndpoint[],
  want: { policy?: Policy; mode?: Mode; userToken: 'Anonymous' | 'UserName' },
): Usable[] {
  return offered
    .filter(usable)
    .filter((e) => e.userTokens.includes(want.userToken))
    .filter((e) => want.policy === undefined || e.policy === want.policy)
    .filter((e) => want.mode === undefined || e.mode === want.mode)
    .sort(
      (a, b) =>
        b.securityLevel - a.securityLevel ||
        MODE_RANK[b.mode] - MODE_RANK[a.mode] ||
        OPCUA_SECURITY_POLICIES.indexOf(b.policy) - OPCUA_SECURITY_POLICIES.indexOf(a.policy),
    );
}

/**
 * Why no endpoint fits, with what the server does offer (policy, mode, URL, sign-ins), instead of
 * node-opcua's "Cannot find an Endpoint matching security mode: 3".
 */
export function noEndpointMessage(
  offered: readonly OfferedEndpoint[],
  want: { policy?: Policy; mode?: Mode; userToken: 'Anonymous' | 'UserName' },
): string {
  const asked = [
    want.policy ?? 'any policy HeatBridge supports',
    want.mode ?? 'any mode',
    `${want.userToken === 'UserName' ? 'user name' : 'anonymous'} sign-in`,
  ].join(', ');
  const lines = offered.map(
    (e) =>
      `  ${e.policy} ${e.mode}  ${e.url}  sign-in: ${e.userTokens.join(', ') || 'none'}` +
      (usable(e) ? '' : '  (not supported by HeatBridge)'),
  );
  return `the server offers no endpoint for ${asked}; it offers:\n${lines.join('\n') || '  nothing'}`;
}
