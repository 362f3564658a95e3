import { describe, expect, it } from '@jest/globals';
import { createServer, type Socket } from 'node:net';
import { createModbusAdapters, type ModbusAdapter } from '../../../src/adapters/modbus/adapter';
import { parseSiteConfig } from '../../../src/config';
import type { Sample } from '../../../src/domain/sample';
import { stopAfterEach } from '../../helpers/cleanup';
import { eventually, startComponent } from '../../helpers/components';
import { startPymodbusServer } from '../../helpers/peers';
import { freePort } from '../../helpers/ports';

const stopLater = stopAfterEach();

/** Register i of unit 1 holds this (both servers below). */
const valueOf = (i: number): number => (i * 37 + 11) % 65536;

function site(port: number, registers: number, extra: string): string {
  const points = Array.from(
    { length: registers },
    (_, i) => `      - { name: r${i}, table: holding, register: ${i}, type: uint16, unit: count }`,
  ).join('\n');
  return `site: { id: s, name: S }
devices:
  dev:
    protocol: modbus
    host: 127.0.0.1
    port: ${port}
    pollIntervalMs: 200
    timeoutMs: 2000
${extra}
    points:
${points}
`;
}

async function adapterFor(yaml: string): Promise<{ adapter: ModbusAdapter; samples: Sample[] }> {
  const parsed = parseSiteConfig(yaml, {});
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const [adapter] = createModbusAdapters(parsed.config);
  const samples: Sample[] = [];
  adapter!.samples$.subscribe((s) => samples.push(s));
  stopLater(await startComponent(adapter!));
  return { adapter: adapter!, samples };
}

/**
 * A Modbus TCP server for FC 3 that shows how requests arrive: it records the size of every chunk
 * it reads and answers each batch of requests that came together in reverse order, so the
 * client must match replies by transaction id.
 */
async function reorderingServer(): Promise<{
  port: number;
  chunks: number[];
  stop(): Promise<void>;
}> {
  const chunks: number[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffer = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      chunks.push(data.length);
      buffer = Buffer.concat([buffer, data]);
      const replies: Buffer[] = [];
      while (buffer.length >= 12) {
        const tid = buffer.readUInt16BE(0);
        const unit = buffer.readUInt8(6);
        const start = buffer.readUInt16BE(8);
        const count = buffer.readUInt16BE(10);
        buffer = buffer.subarray(12);
        const reply = Buffer.alloc(9 + count * 2);
        reply.writeUInt16BE(tid, 0);
        reply.writeUInt16BE(0, 2);
        reply.writeUInt16BE(3 + count * 2, 4);
        reply.writeUInt8(unit, 6);
        reply.writeUInt8(3, 7);
        reply.writeUInt8(count * 2, 8);
        for (let i = 0; i < count; i++) reply.writeUInt16BE(valueOf(start + i), 9 + i * 2);
        replies.push(reply);
      }
      for (const r of replies.reverse()) socket.write(r);
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    chunks,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The newest good value of each point once every point has one. */
async function polled(samples: Sample[], registers: number): Promise<Map<string, number>> {
  const latest = new Map<string, number>();
  await eventually(
    () => {
      for (const s of samples) if (s.quality === 'good') latest.set(s.id, s.value as number);
      return latest.size === registers;
    },
    15_000,
    `a good value of all ${registers} points`,
  );
  return latest;
}

describe('Modbus TCP with several requests in flight (maxInFlight)', () => {
  it('sends a poll’s requests together and matches replies that come back in another order', async () => {
    const server = await reorderingServer();
    stopLater(server);
    // 1,000 registers: 8 reads of 125, all in flight at once.
    const { adapter, samples } = await adapterFor(site(server.port, 1000, '    maxInFlight: 8'));
    const latest = await polled(samples, 1000);
    for (let i = 0; i < 1000; i++) expect(latest.get(`dev/r${i}`)).toBe(valueOf(i));
    // The eight requests of a poll (12 bytes each) reached the server in one piece.
    expect(server.chunks).toContain(8 * 12);
    expect(adapter.details()).toMatchObject({ timeouts: 0, framingErrors: 0 });
  });

  it('one at a time by default: the server sees one request per read', async () => {
    const server = await reorderingServer();
    stopLater(server);
    const { samples } = await adapterFor(site(server.port, 250, ''));
    await polled(samples, 250);
    expect(new Set(server.chunks)).toEqual(new Set([12]));
  });

  it('reads pymodbus (an independent server) right with 16 requests in flight', async () => {
    const port = await freePort();
    const server = await startPymodbusServer({
      transport: 'tcp',
      port,
      words: [
        {
          unit: 1,
          table: 'holding',
          address: 0,
          values: Array.from({ length: 2000 }, (_, i) => valueOf(i)),
        },
      ],
    });
    stopLater(server);
    const { adapter, samples } = await adapterFor(site(port, 2000, '    maxInFlight: 16'));
    const latest = await polled(samples, 2000);
    let right = 0;
    for (let i = 0; i < 2000; i++) if (latest.get(`dev/r${i}`) === valueOf(i)) right += 1;
    expect(right).toBe(2000);
    expect(adapter.details()).toMatchObject({ timeouts: 0, framingErrors: 0, exceptions: 0 });
  });

  it('is refused on RTU transports, whose frames carry no transaction id', () => {
    const r = parseSiteConfig(site(502, 1, '    transport: rtu-over-tcp\n    maxInFlight: 4'), {});
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(JSON.stringify(r.problems)).toMatch(/maxInFlight above 1 needs transport tcp/);
  });
});
