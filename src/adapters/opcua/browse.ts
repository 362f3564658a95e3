import {
  AttributeIds,
  BrowseDirection,
  DataType,
  NodeClass,
  NodeClassMask,
  UserTokenType,
  makeBrowsePath,
  type ClientSession,
  type DataValue,
  type EUInformation,
  type ExpandedNodeId,
  type NodeId,
  type OPCUACertificateManager,
  type Range,
  type ReferenceDescription,
} from 'node-opcua';
import type { OpcuaDeviceConfig } from '../../config/opcua';
import {
  noEndpointMessage,
  offeredEndpoints,
  toolClient,
  usableEndpoints,
  type EndpointWish,
  type OfferedEndpoint,
  type Usable,
} from './endpoint-choice';
import { qualityOfStatus } from './quality';
import { clientCertificateManager, describeConnectError } from './security';
import { builtInDataType } from './values';

export { routeOpcuaLogs } from '../../util/opcua-log';
export { describeConnectError } from './security';

export interface BrowsedVariable {
  nodeId: string;
  browsePath: string;
  dataType: string;
  /** What this sign-in may do with the value (UserAccessLevel): r, rw, w or -. */
  access: string;
  unit?: string;
  /** EURange, when the variable has one. */
  range?: { low: number; high: number };
}

export interface BrowseOptions {
  /** Both absent: the most secure endpoint the server offers that HeatBridge can use. */
  securityPolicy?: OpcuaDeviceConfig['securityPolicy'];
  securityMode?: OpcuaDeviceConfig['securityMode'];
  pkiDir: string;
  trustOnFirstUse: boolean;
  user?: { username: string; password: string };
  maxDepth: number;
  maxNodes: number;
  progress?: (browsed: number) => void;
}

export interface Browsed {
  variables: BrowsedVariable[];
  /** The endpoint browsed over. */
  security: Pick<Usable, 'policy' | 'mode'>;
  /** Why it is not the most secure one the server offers, when it is not. */
  note?: string;
}

/** A connect failure with what the engineer needs to fix it (see describeConnectError). */
export class BrowseError extends Error {}

const HAS_PROPERTY = 'ns=0;i=46';

const isTrustProblem = (err: unknown): boolean =>
  /BadCertificateUntrusted|BadSecurityChecksFailed/.test(String(err));

/**
 * Walks the address space from the Objects folder (hierarchical references, depth-limited) and
 * lists every variable with the browse path a site config can use, its data type, access,
 * engineering unit and range. Uses the same PKI rules as the adapter: an unknown server
 * certificate is refused unless trust on first use is asked for.
 *
 * Without a policy and mode it asks the server what it offers and takes the most secure endpoint
 * HeatBridge supports, by our order of mode and policy (the server's security level only breaks
 * ties). With a user name it never takes one without security by itself (the password would
 * cross the network in clear): it refuses, saying what the server offers, unless mode None is
 * asked for. If that fails only because one side does not trust the other yet (the
 * usual state before commissioning) and the server also offers an anonymous endpoint without
 * security, it browses there and says why in `note`, with the file to move: listing an address
 * space sends no secret, and the engineer gets both the point list and the way to the secure
 * endpoint. Never with a user name (the password would go over an unverified channel), and
 * never when a policy or mode was asked for.
 */
export async function browseVariables(endpoint: string, opts: BrowseOptions): Promise<Browsed> {
  const certificates = clientCertificateManager(opts);
  try {
    await certificates.initialize();
    const want: EndpointWish = {
      ...(opts.securityPolicy ? { policy: opts.securityPolicy } : {}),
      ...(opts.securityMode ? { mode: opts.securityMode } : {}),
      userToken: opts.user ? 'UserName' : 'Anonymous',
    };
    const offered = await offeredEndpoints(endpoint, certificates);
    const candidates = usableEndpoints(offered, want);
    const best = candidates[0];
    if (!best) throw new BrowseError(noEndpointMessage(offered, want));
    const auto = opts.securityPolicy === undefined && opts.securityMode === undefined;
    try {
      return { variables: await browseOver(endpoint, best, certificates, opts), security: best };
    } catch (err) {
      const fallback = candidates.find((e) => e.policy === 'None');
      if (!auto || opts.user || !fallback || best.policy === 'None' || !isTrustProblem(err))
        throw new BrowseError(connectError(err, best, opts));
      const variables = await browseOver(endpoint, fallback, certificates, opts);
      return {
        variables,
        security: fallback,
        note: `browsed without security: ${best.policy} ${best.mode} failed: ${connectError(err, best, opts)}`,
      };
    }
  } finally {
    await certificates.dispose();
  }
}

function connectError(err: unknown, at: OfferedEndpoint, opts: BrowseOptions): string {
  return describeConnectError(
    err,
    opts,
    {
      ...(at.serverCertificate ? { certificate: at.serverCertificate } : {}),
      ...(at.applicationUri ? { applicationUri: at.applicationUri } : {}),
    },
    '(or use --trust-on-first-use)',
  );
}

async function browseOver(
  endpoint: string,
  at: Usable,
  certificates: OPCUACertificateManager,
  opts: BrowseOptions,
): Promise<BrowsedVariable[]> {
  const client = toolClient(certificates, at);
  try {
    await client.connect(endpoint);
    const session = await client.createSession(
      opts.user
        ? {
            type: UserTokenType.UserName,
            userName: opts.user.username,
            password: opts.user.password,
          }
        : undefined,
    );
    try {
      return await walk(session, opts);
    } finally {
      await session.close();
    }
  } finally {
    await client.disconnect();
  }
}

async function walk(session: ClientSession, opts: BrowseOptions): Promise<BrowsedVariable[]> {
  const found: BrowsedVariable[] = [];
  const seen = new Set<string>();
  let browsed = 0;
  const queue: { nodeId: NodeId | string; path: string; depth: number }[] = [
    { nodeId: 'ObjectsFolder', path: '', depth: 0 },
  ];
  while (queue.length > 0 && browsed < opts.maxNodes) {
    const batch = queue.splice(0, 50);
    const results = await session.browse(
      batch.map((b) => ({
        nodeId: b.nodeId,
        browseDirection: BrowseDirection.Forward,
        referenceTypeId: 'HierarchicalReferences',
        includeSubtypes: true,
        nodeClassMask: NodeClassMask.Object | NodeClassMask.Variable,
        resultMask: 63,
      })),
    );
    const variables: { ref: ReferenceDescription; path: string }[] = [];
    results.forEach((res, k) => {
      for (const ref of res.references ?? []) {
        const id = ref.nodeId.toString();
        // Properties (EURange, EngineeringUnits) describe a variable; they are not plant points.
        if (ref.referenceTypeId.toString() === HAS_PROPERTY) continue;
        // The standard objects beside the plant's (Server, Aliases, Locations) are not either.
        if (batch[k]!.depth === 0 && ref.nodeId.namespace === 0) continue;
        if (seen.has(id)) continue;
        seen.add(id);
        browsed += 1;
        if (browsed % 200 === 0) opts.progress?.(browsed);
        const path = `${batch[k]!.path}/${ref.browseName.namespaceIndex}:${ref.browseName.name}`;
        if ((ref.nodeClass as number) === (NodeClass.Variable as number))
          variables.push({ ref, path });
        if (batch[k]!.depth + 1 < opts.maxDepth)
          queue.push({ nodeId: ref.nodeId, path, depth: batch[k]!.depth + 1 });
      }
    });
    // A few requests per batch of variables, not several per variable.
    for (let i = 0; i < variables.length; i += 200)
      found.push(...(await describe(session, variables.slice(i, i + 200))));
  }
  return found;
}

const good = (dv: DataValue | undefined): dv is DataValue =>
  dv !== undefined && qualityOfStatus(dv.statusCode) === 'good';

/** r, rw, w or - from an AccessLevel byte (CurrentRead = 1, CurrentWrite = 2). */
export function accessText(level: number): string {
  const text = `${level & 1 ? 'r' : ''}${level & 2 ? 'w' : ''}`;
  return text === '' ? '-' : text;
}

async function describe(
  session: ClientSession,
  vars: readonly { ref: ReferenceDescription; path: string }[],
): Promise<BrowsedVariable[]> {
  const ids = vars.map((v) => v.ref.nodeId);
  const attributes = await session.read(
    ids.flatMap((nodeId) => [
      { nodeId, attributeId: AttributeIds.DataType },
      { nodeId, attributeId: AttributeIds.AccessLevel },
      { nodeId, attributeId: AttributeIds.UserAccessLevel },
    ]),
  );
  const properties = await session.translateBrowsePath(
    ids.flatMap((nodeId) => [
      makeBrowsePath(nodeId, '.EngineeringUnits'),
      makeBrowsePath(nodeId, '.EURange'),
    ]),
  );
  const targets = properties.map((p) =>
    qualityOfStatus(p.statusCode) === 'good' ? p.targets?.[0]?.targetId : undefined,
  );
  const present = targets.filter((t): t is ExpandedNodeId => t !== undefined);
  const values =
    present.length > 0
      ? await session.read(present.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })))
      : [];
  const valueOf = new Map(present.map((t, i) => [t.toString(), values[i]]));
  const propertyValue = (k: number): unknown => {
    const target = targets[k];
    const dv = target ? valueOf.get(target.toString()) : undefined;
    return good(dv) ? (dv.value.value as unknown) : undefined;
  };
  return vars.map((v, i) => {
    const [dt, level, userLevel] = attributes.slice(3 * i, 3 * i + 3);
    let dataType = 'unknown';
    if (good(dt)) {
      const id = dt.value.value as NodeId;
      const builtIn = builtInDataType(id);
      dataType = builtIn !== undefined ? DataType[builtIn] : id.toString();
    }
    const access = good(userLevel) ? userLevel : good(level) ? level : undefined;
    const unit = (propertyValue(2 * i) as EUInformation | undefined)?.displayName?.text;
    const range = propertyValue(2 * i + 1) as Range | undefined;
    return {
      nodeId: v.ref.nodeId.toString(),
      browsePath: v.path,
      dataType,
      access: access ? accessText(access.value.value as number) : '?',
      ...(unit ? { unit } : {}),
      ...(range && typeof range.low === 'number'
        ? { range: { low: range.low, high: range.high } }
        : {}),
    };
  });
}
