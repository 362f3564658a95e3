import { describe, expect, it } from '@jest/globals';
import { planReads } from '../../../../src/adapters/modbus/planner';
import { modbusDevice } from '../../../../src/adapters/modbus/points';
import { mergeSnapshots, shardDevice } from '../../../../src/adapters/modbus/shards';
import type { ConnectionStats } from '../../../../src/adapters/modbus/connection';
import { parseSiteConfig } from '../../../../src/config';

function device(points: string[], extra = ''): ReturnType<typeof modbusDevice> {
  const parsed = parseSiteConfig(
    `site: { id: s, name: S }
devices:
  m:
    protocol: modbus
    host: 127.0.0.1
${extra}    points:
${points.map((p) => `      - ${p}`).join('\n')}
`,
    {},
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const cfg = parsed.config.devices.m!;
  if (cfg.protocol !== 'modbus') throw new Error('modbus');
  return modbusDevice('m', cfg);
}

const holding = (n: number, from = 0): string[] =>
  Array.from(
    { length: n },
    (_, i) =>
      `{ name: r${from + i}, table: holding, register: ${from + i}, type: uint16, unit: count }`,
  );

describe('a device split over several connections (shardDevice)', () => {
  it('gives each connection a contiguous run of about the same number of registers', () => {
    const d = device(holding(1000));
    const shards = shardDevice(d, 4);
    expect(shards.map((s) => s.points.length)).toEqual([250, 250, 250, 250]);
    expect(shards.map((s) => [s.points[0]!.register, s.points.at(-1)!.register])).toEqual([
      [0, 249],
      [250, 499],
      [500, 749],
      [750, 999],
    ]);
    // Every point once, and each share still reads in merged blocks (2 reads of up to 125).
    expect(new Set(shards.flatMap((s) => s.points.map((p) => p.key))).size).toBe(1000);
    for (const s of shards)
      expect(planReads(s.points, { maxGap: 8, maxRegisters: 125 })).toHaveLength(2);
  });

  it('counts registers, not points, and keeps a point whole', () => {
    // Ten float32 (2 registers each) then ten uint16: 30 registers, 15 per connection.
    const d = device([
      ...Array.from(
        { length: 10 },
        (_, i) => `{ name: f${i}, table: input, register: ${i * 2}, type: float32, unit: kW }`,
      ),
      ...holding(10),
    ]);
    const [a, b] = shardDevice(d, 2);
    const registers = (s: typeof a): number => s!.points.reduce((n, p) => n + p.count, 0);
    expect(registers(a)).toBe(16);
    expect(registers(b)).toBe(14);
  });

  it('puts points that are only written on the first connection, and leaves one connection as it is', () => {
    const d = device([
      ...holding(4),
      "{ name: sp, table: holding, register: 100, type: uint16, unit: '%', access: w, bounds: { min: 0, max: 100 } }",
    ]);
    const shards = shardDevice(d, 2);
    expect(shards[0]!.points.map((p) => p.name)).toEqual(['r0', 'r1', 'sp']);
    expect(shards[1]!.points.map((p) => p.name)).toEqual(['r2', 'r3']);
    expect(shardDevice(d, 1)).toEqual([d]);
  });

  it('leaves a connection empty when there are fewer points than connections', () => {
    const shards = shardDevice(device(holding(2)), 3);
    expect(shards.map((s) => s.points.length)).toEqual([1, 1, 0]);
  });
});

describe('the adapter details of several connections (mergeSnapshots)', () => {
  const snap = (
    over: Partial<
      ConnectionStats & { connected: boolean; failing: string[]; overloaded: string[] }
    >,
  ): ConnectionStats & { connected: boolean; failing: string[]; overloaded: string[] } => ({
    requests: 10,
    roundTrips: 9,
    roundTripSeconds: 0.5,
    roundTripBuckets: { bounds: [0.001, 0.01], counts: [1, 2, 3] },
    timeouts: 1,
    exceptions: 0,
    connectionErrors: 0,
    reconnects: 0,
    queueDepth: 1,
    framingErrors: 0,
    skippedPolls: { m: 2 },
    connected: true,
    failing: [],
    overloaded: [],
    ...over,
  });

  it('sums the counters and buckets, and is connected only when every connection is', () => {
    const merged = mergeSnapshots([
      snap({}),
      snap({ connected: false, failing: ['m 0+125: timeout'], overloaded: ['m'], timeouts: 4 }),
    ]);
    expect(merged).toMatchObject({
      connections: 2,
      connectedCount: 1,
      connected: false,
      requests: 20,
      roundTrips: 18,
      roundTripSeconds: 1,
      roundTripBuckets: { bounds: [0.001, 0.01], counts: [2, 4, 6] },
      timeouts: 5,
      queueDepth: 2,
      skippedPolls: { m: 4 },
      failing: ['m 0+125: timeout'],
      overloaded: ['m'],
    });
  });

  it('gives one connection’s details as they are', () => {
    const one = snap({});
    expect(mergeSnapshots([one])).toEqual(one);
  });
});
