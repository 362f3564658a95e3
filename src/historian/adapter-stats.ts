import type { LineRecord } from './line-protocol';

/** How often each field adapter's counters are recorded (measurement `adapter`). */
export const ADAPTER_STATS_EVERY_MS = 10_000;

/** Counter names in the adapters' `details()` and the fields they become. */
const FIELDS: [field: string, from: string[]][] = [
  ['requests', ['requests']],
  ['timeouts', ['timeouts']],
  ['exceptions', ['exceptions']],
  ['connection_errors', ['connectionErrors', 'connectionLosses']],
  ['reconnects', ['reconnects', 'connects']],
  ['queue_depth', ['queueDepth']],
  ['notifications', ['notifications']],
  ['writes', ['writes']],
];

const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

/**
 * One field adapter's connection state and counters as a record of measurement `adapter`
 * (docs/historian.md), so a dashboard can show errors per adapter over time next to the data
 * they cost. The counters count since start; `errors` sums timeouts, exception replies and lost
 * or refused connections, whichever the protocol has. Undefined for a component that is not a
 * field adapter.
 */
export function adapterStatsRecord(
  site: string,
  adapter: { name: string; details?(): Record<string, unknown> },
  time: number,
): LineRecord | undefined {
  const protocol = adapter.name.split(' ')[0];
  if (protocol !== 'modbus' && protocol !== 'opcua') return undefined;
  const d = adapter.details?.() ?? {};
  const fields: Record<string, number> = {};
  if (typeof d.connected === 'boolean') fields.connected = d.connected ? 1 : 0;
  for (const [field, from] of FIELDS) {
    const v = from.map((k) => num(d[k])).find((x) => x !== undefined);
    if (v !== undefined) fields[field] = v;
  }
  fields.errors =
    (fields.timeouts ?? 0) + (fields.exceptions ?? 0) + (fields.connection_errors ?? 0);
  return { measurement: 'adapter', tags: { site, adapter: adapter.name, protocol }, fields, time };
}
