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

/** What an engineer asked for: a policy and mode, or neither (the most secure), and a sign-in. */
export interface EndpointWish {
  policy?: Policy;
  mode?: Mode;
  userToken: 'Anonymous' | 'UserName';
}

/**
 * Our own order of strength; the server's securityLevel is its own opinion (a server may rate Sign
 * above SignAndEncrypt, or a policy we rank lower highest), so it only breaks ties. Policies by
 * their cryptography, not their age: Aes256_Sha256_RsaPss (PSS signatures, OAEP-SHA256),
 * Basic256Sha256 (AES-256), Aes128_Sha256_RsaOaep (AES-128, for small devices).
 */
const MODE_RANK: Record<Mode, number> = { None: 0, Sign: 1, SignAndEncrypt: 2 };
const POLICY_RANK: Record<Policy, number> = {
  None: 0,
  Aes128_Sha256_RsaOaep: 1,
  Basic256Sha256: 2,
  Aes256_Sha256_RsaPss: 3,
};

/** Supported, takes the sign-in, and is the policy and mode asked for (each when asked). */
const fits = (e: OfferedEndpoint, want: EndpointWish): e is Usable =>
  usable(e) &&
  e.userTokens.includes(want.userToken) &&
  (want.policy === undefined || e.policy === want.policy) &&
  (want.mode === undefined || e.mode === want.mode);

/**
 * A password goes without security only when mode None was asked for by name: on a None endpoint
 * it crosses the network in clear, so taking one by ourselves (because it is the only one that
 * takes a user name) would leak it.
 */
const clearPassword = (e: Usable, want: EndpointWish): boolean =>
  want.userToken === 'UserName' && e.mode === 'None' && want.mode !== 'None';

/**
 * The endpoints HeatBridge can use for this sign-in, most secure first: as asked when a policy
 * and mode are given, otherwise every one it supports, SignAndEncrypt before Sign before None,
 * then the stronger policy, then the server's security level. With a user name, none without
 * security unless mode None is asked for.
 */
export function usableEndpoints(offered: readonly OfferedEndpoint[], want: EndpointWish): Usable[] {
  return offered
    .filter((e) => fits(e, want))
    .filter((e) => !clearPassword(e, want))
    .sort(
      (a, b) =>
        MODE_RANK[b.mode] - MODE_RANK[a.mode] ||
        POLICY_RANK[b.policy] - POLICY_RANK[a.policy] ||
        b.securityLevel - a.securityLevel,
    );
}

/**
 * Why no endpoint fits, with what the server does offer (policy, mode, URL, sign-ins), instead of
 * node-opcua's "Cannot find an Endpoint matching security mode: 3"; when the only fit would send
 * the password in clear, that, and how to ask for it anyway.
 */
export function noEndpointMessage(offered: readonly OfferedEndpoint[], want: EndpointWish): string {
  const lines = offered.map(
    (e) =>
      `  ${e.policy} ${e.mode}  ${e.url}  sign-in: ${e.userTokens.join(', ') || 'none'}` +
      (usable(e) ? '' : '  (not supported by HeatBridge)'),
  );
  const offers = `it offers:\n${lines.join('\n') || '  nothing'}`;
  if (offered.some((e) => fits(e, want) && clearPassword(e, want)))
    return (
      'the server takes a user name only without security (mode None), where the password ' +
      'would cross the network in clear; HeatBridge does not choose that by itself: pass ' +
      `--security-mode None if that is really wanted; ${offers}`
    );
  const asked = [
    want.policy ?? 'any policy HeatBridge supports',
    want.mode ?? 'any mode',
    `${want.userToken === 'UserName' ? 'user name' : 'anonymous'} sign-in`,
  ].join(', ');
  return `the server offers no endpoint for ${asked}; ${offers}`;
}
