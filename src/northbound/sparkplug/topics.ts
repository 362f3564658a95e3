/**
 * The Sparkplug B topic namespace (Sparkplug 3.0 §4):
 * `spBv1.0/<group>/<type>/<edge node>[/<device>]`, and a host application's
 * `spBv1.0/STATE/<host id>`.
 */
export const NAMESPACE = 'spBv1.0';

export type NodeMessage = 'NBIRTH' | 'NDEATH' | 'NDATA' | 'NCMD';
export type DeviceMessage = 'DBIRTH' | 'DDEATH' | 'DDATA' | 'DCMD';

export interface EdgeIds {
  groupId: string;
  edgeNodeId: string;
}

export function nodeTopic(ids: EdgeIds, type: NodeMessage): string {
  return `${NAMESPACE}/${ids.groupId}/${type}/${ids.edgeNodeId}`;
}

export function deviceTopic(ids: EdgeIds, type: DeviceMessage, deviceId: string): string {
  return `${NAMESPACE}/${ids.groupId}/${type}/${ids.edgeNodeId}/${deviceId}`;
}

export function stateTopic(hostId: string): string {
  return `${NAMESPACE}/STATE/${hostId}`;
}

/** What an incoming topic addressed to this edge node is: a node or a device command. */
export function parseCommandTopic(
  ids: EdgeIds,
  topic: string,
): { kind: 'NCMD' } | { kind: 'DCMD'; deviceId: string } | undefined {
  const parts = topic.split('/');
  if (parts[0] !== NAMESPACE || parts[1] !== ids.groupId || parts[3] !== ids.edgeNodeId)
    return undefined;
  if (parts[2] === 'NCMD' && parts.length === 4) return { kind: 'NCMD' };
  if (parts[2] === 'DCMD' && parts.length === 5) return { kind: 'DCMD', deviceId: parts[4]! };
  return undefined;
}

/**
 * A primary host application's STATE payload (Sparkplug 3.0: retained JSON
 * `{ "online": bool, "timestamp": ms }`). Undefined when it is not one.
 */
export function parseHostState(
  payload: Buffer,
): { online: boolean; timestamp: number } | undefined {
  try {
    const v = JSON.parse(payload.toString('utf8')) as unknown;
    if (typeof v !== 'object' || v === null) return undefined;
    const { online, timestamp } = v as Record<string, unknown>;
    if (typeof online !== 'boolean') return undefined;
    return { online, timestamp: typeof timestamp === 'number' ? timestamp : 0 };
  } catch {
    return undefined;
  }
}
