import { decodePayload } from 'sparkplug-payload/lib/sparkplugbpayload';
import type { Logger } from '../../log';
import { parseCommandTopic, type EdgeIds } from './topics';

/**
 * What an NCMD or DCMD addressed to this edge node asks. HeatBridge obeys one command, NCMD
 * `Node Control/Rebirth` = true; a DCMD (a write) is refused (docs/sparkplug.md, "Writes").
 */
export type Command =
  | { kind: 'rebirth' }
  | { kind: 'write'; deviceId: string; metrics: string[] }
  | { kind: 'other' }
  | { kind: 'undecodable'; error: string };

/** The command in a message, or undefined when the topic is not a command to this node. */
export function readCommand(ids: EdgeIds, topic: string, payload: Buffer): Command | undefined {
  const cmd = parseCommandTopic(ids, topic);
  if (!cmd) return undefined;
  let metrics: { name?: string | null; value: unknown }[];
  try {
    metrics = decodePayload(payload).metrics ?? [];
  } catch (err) {
    return { kind: 'undecodable', error: (err as Error).message };
  }
  if (cmd.kind === 'DCMD')
    return { kind: 'write', deviceId: cmd.deviceId, metrics: metrics.map((m) => m.name ?? '?') };
  const rebirth = metrics.some((m) => m.name === 'Node Control/Rebirth' && m.value === true);
  return rebirth ? { kind: 'rebirth' } : { kind: 'other' };
}

/** Refused writes: a warning once per device and metric set (repeats at debug), counted. */
export class RefusedWrites {
  private readonly seen = new Set<string>();
  count = 0;

  constructor(private readonly log: Logger) {}

  record(deviceId: string, metrics: string[]): void {
    this.count += 1;
    const key = `${deviceId} ${metrics.join(',')}`;
    const first = !this.seen.has(key);
    if (first) this.seen.add(key);
    this.log[first ? 'warn' : 'debug'](
      { device: deviceId, metrics },
      'Sparkplug: DCMD refused (HeatBridge takes no writes over Sparkplug; see docs/sparkplug.md)',
    );
  }
}
