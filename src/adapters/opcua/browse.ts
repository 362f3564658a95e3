import {
  AttributeIds,
  BrowseDirection,
  DataType,
  NodeClass,
  NodeClassMask,
  OPCUAClient,
  UserTokenType,
  makeBrowsePath,
  type ClientSession,
  type EUInformation,
  type NodeId,
  type ReferenceDescription,
} from 'node-opcua';
import type { OpcuaDeviceConfig } from '../../config/opcua';
import { qualityOfStatus } from './quality';
import { clientCertificateManager, securityModeOf, securityPolicyOf } from './security';
import { builtInDataType } from './values';

export { routeOpcuaLogs } from '../../util/opcua-log';
export { describeConnectError } from './security';

export interface BrowsedVariable {
  nodeId: string;
  browsePath: string;
  dataType: string;
  unit?: string;
}

export interface BrowseOptions {
  securityPolicy: OpcuaDeviceConfig['securityPolicy'];
  securityMode: OpcuaDeviceConfig['securityMode'];
  pkiDir: string;
  trustOnFirstUse: boolean;
  user?: { username: string; password: string };
  maxDepth: number;
  maxNodes: number;
  progress?: (browsed: number) => void;
}

const HAS_PROPERTY = 'ns=0;i=46';

/**
 * Walks the address space from the Objects folder (hierarchical references, depth-limited) and
 * lists every variable with the browse path a site config can use, its data type and engineering
 * unit. Uses the same PKI rules as the adapter: an unknown server certificate is refused unless
 * trust on first use is asked for.
 */
export async function browseVariables(
  endpoint: string,
  opts: BrowseOptions,
): Promise<BrowsedVariable[]> {
  const certificates = clientCertificateManager(opts);
  const client = OPCUAClient.create({
    applicationName: 'HeatBridge',
    applicationUri: 'urn:heatbridge:controller',
    clientCertificateManager: certificates,
    securityPolicy: securityPolicyOf(opts),
    securityMode: securityModeOf(opts),
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 0 },
    transportTimeout: 10_000,
  });
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
    await certificates.dispose();
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
    for (const v of variables) found.push(await describe(session, v.ref.nodeId, v.path));
  }
  return found;
}

async function describe(
  session: ClientSession,
  nodeId: NodeId,
  browsePath: string,
): Promise<BrowsedVariable> {
  const [dt] = await session.read([{ nodeId, attributeId: AttributeIds.DataType }]);
  let dataType = 'unknown';
  if (dt && qualityOfStatus(dt.statusCode) === 'good') {
    const id = dt.value.value as NodeId;
    const builtIn = builtInDataType(id);
    dataType = builtIn !== undefined ? DataType[builtIn] : id.toString();
  }
  const [eu] = await session.translateBrowsePath([makeBrowsePath(nodeId, '.EngineeringUnits')]);
  let unit: string | undefined;
  const target = eu?.targets?.[0];
  if (eu && qualityOfStatus(eu.statusCode) === 'good' && target) {
    const value = (await session.read({ nodeId: target.targetId, attributeId: AttributeIds.Value }))
      .value.value as EUInformation | null;
    unit = value?.displayName?.text ?? undefined;
  }
  return { nodeId: nodeId.toString(), browsePath, dataType, ...(unit ? { unit } : {}) };
}
