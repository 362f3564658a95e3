import {
  AttributeIds,
  DataType,
  makeBrowsePath,
  type ClientSession,
  type DataValue,
  type EUInformation,
  type NodeId,
  type Range,
} from 'node-opcua';
import { UNECE_NAMESPACE, uneceCode, type NodeInfo } from './node-checks';
import { qualityOfStatus } from './quality';
import { builtInDataType } from './values';

/** Nodes per Read (and per TranslateBrowsePaths) request: within what servers commonly allow. */
const PER_REQUEST = 500;

/**
 * What the server says about each node (its DataType, ValueRank, EngineeringUnits and EURange), in
 * a few requests whatever the number of points: the two properties are found with one
 * TranslateBrowsePaths, then everything is read with one Read (per 500 nodes). What a server does
 * not have or does not say is left out; nothing here fails a connection but the session itself.
 */
export async function readNodeInfo(session: ClientSession, nodes: NodeId[]): Promise<NodeInfo[]> {
  const properties = ['EngineeringUnits', 'EURange'] as const;
  const paths = nodes.flatMap((n) => properties.map((p) => makeBrowsePath(n, `.${p}`)));
  const found: (NodeId | undefined)[] = [];
  for (const chunk of chunks(paths)) {
    const results = await session.translateBrowsePath(chunk);
    for (const r of results) {
      const target = r.targets?.[0];
      found.push(qualityOfStatus(r.statusCode) === 'good' && target ? target.targetId : undefined);
    }
  }
  // Per node: DataType, ValueRank, and the value of each property it has.
  const reads = nodes.flatMap((nodeId, k) => [
    { nodeId, attributeId: AttributeIds.DataType },
    { nodeId, attributeId: AttributeIds.ValueRank },
    ...properties.flatMap((_, p) => {
      const property = found[k * properties.length + p];
      return property ? [{ nodeId: property, attributeId: AttributeIds.Value }] : [];
    }),
  ]);
  const values: DataValue[] = [];
  for (const chunk of chunks(reads)) values.push(...(await session.read(chunk)));
  let at = 0;
  const next = (): DataValue | undefined => {
    const dv = values[at++];
    return dv && qualityOfStatus(dv.statusCode) === 'good' ? dv : undefined;
  };
  const infos: NodeInfo[] = [];
  for (const [k, nodeId] of nodes.entries()) {
    const info: NodeInfo = {};
    const type = next()?.value.value as NodeId | undefined;
    const rank = next()?.value.value as unknown;
    if (typeof rank === 'number') info.valueRank = rank;
    if (found[k * 2]) info.eu = euOf(next()?.value.value as EUInformation | null | undefined);
    if (found[k * 2 + 1]) {
      const range = next()?.value.value as Range | null | undefined;
      if (range && Number.isFinite(range.low) && Number.isFinite(range.high))
        info.euRange = { low: range.low, high: range.high };
    }
    if (type) {
      // A subtype (an enumeration, Duration, UtcTime…) is encoded as its built-in ancestor.
      const builtIn =
        builtInDataType(type) ?? (await session.getBuiltInDataType(nodeId).catch(() => undefined));
      // BaseDataType (Variant) and the abstract ones (Number…) say nothing: any value may come.
      if (builtIn !== undefined && builtIn !== DataType.Variant && builtIn !== DataType.Null)
        info.dataType = builtIn;
    }
    infos.push(info);
  }
  return infos;
}

function euOf(eu: EUInformation | null | undefined): NodeInfo['eu'] {
  if (!eu) return undefined;
  const symbol = eu.displayName?.text ?? undefined;
  const namespace = eu.namespaceUri ?? '';
  const code = namespace === UNECE_NAMESPACE || namespace === '' ? uneceCode(eu.unitId) : undefined;
  if (code === undefined && !symbol) return undefined;
  return { ...(code ? { code } : {}), ...(symbol !== undefined ? { symbol } : {}) };
}

function chunks<T>(all: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < all.length; i += PER_REQUEST) out.push(all.slice(i, i + PER_REQUEST));
  return out;
}
