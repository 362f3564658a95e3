import type { HistogramBuckets } from '../../util/latency-histogram';
import type { ConnectionStats } from './connection';
import type { ModbusDeviceRuntime, ModbusPoint } from './points';

/**
 * A device's points split over `n` connections (`connections` in the site file): each gets a
 * contiguous run of the readable points, in register order per unit and table, of about the same
 * number of registers, so each connection's reads stay merged blocks. Points that are only
 * written go with the first. Pure: the adapter builds one device per connection from it.
 */
export function shardDevice(device: ModbusDeviceRuntime, n: number): ModbusDeviceRuntime[] {
  if (n <= 1) return [device];
  const readable = device.points
    .filter((p) => p.readable)
    .sort(
      (a, b) => a.unitId - b.unitId || a.table.localeCompare(b.table) || a.register - b.register,
    );
  const total = readable.reduce((sum, p) => sum + p.count, 0);
  const shards: ModbusPoint[][] = Array.from({ length: n }, () => []);
  let done = 0;
  for (const p of readable) {
    // The share this point starts in: registers read before it, over the registers per share.
    const i = Math.min(n - 1, Math.floor((done * n) / Math.max(total, 1)));
    shards[i]!.push(p);
    done += p.count;
  }
  shards[0]!.push(...device.points.filter((p) => !p.readable));
  return shards.map((points) => ({ ...device, points }));
}

type Snapshot = ConnectionStats & { connected: boolean; failing: string[]; overloaded: string[] };

/**
 * One adapter's health details from its connections' snapshots: counters summed, connected only
 * when every connection is, the lists joined, and `connections` the number of them. One
 * connection's snapshot is given as it is (the details every site had before `connections`).
 */
export function mergeSnapshots(snaps: readonly Snapshot[]): Record<string, unknown> {
  if (snaps.length === 1) return { ...snaps[0]! };
  const sum = (f: (s: Snapshot) => number): number => snaps.reduce((a, s) => a + f(s), 0);
  const skippedPolls: Record<string, number> = {};
  for (const s of snaps)
    for (const [d, n] of Object.entries(s.skippedPolls))
      skippedPolls[d] = (skippedPolls[d] ?? 0) + n;
  const first = snaps[0]!.roundTripBuckets;
  const buckets: HistogramBuckets = {
    bounds: [...first.bounds],
    counts: first.counts.map((_, i) => sum((s) => s.roundTripBuckets.counts[i] ?? 0)),
  };
  return {
    connections: snaps.length,
    connectedCount: snaps.filter((s) => s.connected).length,
    connected: snaps.every((s) => s.connected),
    requests: sum((s) => s.requests),
    roundTrips: sum((s) => s.roundTrips),
    roundTripSeconds: sum((s) => s.roundTripSeconds),
    roundTripBuckets: buckets,
    timeouts: sum((s) => s.timeouts),
    exceptions: sum((s) => s.exceptions),
    connectionErrors: sum((s) => s.connectionErrors),
    reconnects: sum((s) => s.reconnects),
    queueDepth: sum((s) => s.queueDepth),
    framingErrors: sum((s) => s.framingErrors),
    skippedPolls,
    failing: snaps.flatMap((s) => s.failing),
    overloaded: [...new Set(snaps.flatMap((s) => s.overloaded))],
  };
}
