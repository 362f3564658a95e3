import { describe, expect, it } from '@jest/globals';
import { createModbusAdapters, type ModbusAdapter } from '../../../src/adapters/modbus/adapter';
import { parseSiteConfig } from '../../../src/config';
import type { PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import { stopAfterEach } from '../../helpers/cleanup';
import { eventually, startComponent } from '../../helpers/components';
import { pymodbus, startPymodbusUnits } from '../../helpers/peers';
import { startFc3Server } from '../../helpers/fc3-server';
import { freePort } from '../../helpers/ports';
import { holdingRegisterPoints } from '../../helpers/register-points';

const stopLater = stopAfterEach();

/** Register i of unit 1 holds this (both servers below). */
const valueOf = (i: number): number => (i * 37 + 11) % 65536;

function site(port: number, registers: number, extra: string, more = ''): string {
  const points = holdingRegisterPoints(registers);
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
${more}`;
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

/** The newest good value of each point once every point has one. */
async function polled(samples: Sample[], registers: number): Promise<Map<string, number>> {
  const latest = new Map<string, number>();
  await eventually(
    () => {
      for (const s of samples) if (s.quality === 'good') latest.set(s.id, s.value as number);
      return latest.size >= registers;
    },
    15_000,
    `a good value of all ${registers} points`,
  );
  return latest;
}

describe('Modbus TCP with several requests in flight (maxInFlight)', () => {
  it('sends a poll’s requests together and matches replies that come back in another order', async () => {
    const server = await startFc3Server(valueOf, { reverse: true });
    stopLater(server);
    // 1,000 registers: 8 reads of 125, all in flight at once.
    const { adapter, samples } = await adapterFor(site(server.port, 1000, '    maxInFlight: 8'));
    const latest = await polled(samples, 1000);
    for (let i = 0; i < 1000; i++) expect(latest.get(`dev/r${i}`)).toBe(valueOf(i));
    // The eight requests of a poll (12 bytes each) reached the server in one piece.
    expect(server.chunks).toContain(8 * 12);
    expect(adapter.details()).toMatchObject({ timeouts: 0, framingErrors: 0 });
  });

  it('one at a time, decodes an answer once the next read is on the wire', async () => {
    const server = await startFc3Server(valueOf);
    stopLater(server);
    // 375 registers: three reads of 125 per poll, every 200 ms.
    const parsed = parseSiteConfig(site(server.port, 375, ''), {});
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const [adapter] = createModbusAdapters(parsed.config);
    // Requests sent so far, when each read's samples come out.
    const sentAtDecode: number[] = [];
    adapter!.batches$.subscribe(() => sentAtDecode.push(adapter!.details().requests as number));
    stopLater(await startComponent(adapter!));
    await eventually(() => sentAtDecode.length >= 3, 10_000, 'the first poll’s three reads');
    // The first read's answer was decoded after the second read went out, the second's after
    // the third; the last one's at once (nothing more to send in that poll).
    expect(sentAtDecode.slice(0, 3)).toEqual([2, 3, 3]);
    expect(new Set(server.chunks)).toEqual(new Set([12])); // still one request at a time
  });

  it('keeps each point’s last good value in the samples that say the device is gone', async () => {
    const server = await startFc3Server(valueOf);
    const { samples } = await adapterFor(site(server.port, 250, ''));
    await polled(samples, 250);
    const from = samples.length;
    await server.stop();
    const notCurrent = new Map<string, Sample>();
    await eventually(
      () => {
        for (const s of samples.slice(from)) if (s.quality !== 'good') notCurrent.set(s.id, s);
        return notCurrent.size >= 250;
      },
      10_000,
      'every point stale or bad',
    );
    for (let i = 0; i < 250; i++) expect(notCurrent.get(`dev/r${i}`)!.value).toBe(valueOf(i));
  });

  it('one at a time by default: the server sees one request per read', async () => {
    const server = await startFc3Server(valueOf, { reverse: true });
    stopLater(server);
    const { samples } = await adapterFor(site(server.port, 250, ''));
    await polled(samples, 250);
    expect(new Set(server.chunks)).toEqual(new Set([12]));
  });

  it('reads pymodbus (an independent server) right with 16 requests in flight', async () => {
    const port = await freePort();
    const server = await startPymodbusUnits(port, 1, 2000, valueOf);
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

describe('a Modbus TCP device over several connections (connections)', () => {
  it('opens that many connections and polls a separate share of the registers on each', async () => {
    const server = await startFc3Server(valueOf);
    stopLater(server);
    // 1,000 registers over 4 connections: 250 each, two reads (125 + 125) per poll on each.
    const { adapter, samples } = await adapterFor(site(server.port, 1000, '    connections: 4'));
    const latest = await polled(samples, 1000);
    for (let i = 0; i < 1000; i++) expect(latest.get(`dev/r${i}`)).toBe(valueOf(i));
    expect(server.reads).toHaveLength(4);
    const shares = server.reads.map((starts) => [...new Set(starts)].sort((a, b) => a - b));
    expect(shares.sort((a, b) => a[0]! - b[0]!)).toEqual([
      [0, 125],
      [250, 375],
      [500, 625],
      [750, 875],
    ]);
    expect(adapter.details()).toMatchObject({
      connections: 4,
      connectedCount: 4,
      connected: true,
      timeouts: 0,
    });
  });

  it('writes a point on the connection that polls it, and pymodbus (an independent server) holds the value', async () => {
    const port = await freePort();
    const server = await startPymodbusUnits(port, 1, 400, valueOf);
    stopLater(server);
    const setpoint = `      - { name: sp, table: holding, register: 390, type: uint16, unit: count, access: rw, bounds: { min: 0, max: 1000 } }\n`;
    const { adapter, samples } = await adapterFor(site(port, 300, '    connections: 3', setpoint));
    await polled(samples, 301);
    await adapter.write('dev/sp' as PointId, 123);
    const [read] = await pymodbus(port, [
      { op: 'read', unit: 1, table: 'holding', address: 390, count: 1 },
    ]);
    expect(read).toMatchObject({ registers: [123] });
    // And it is read back as well, on its connection's next poll.
    await eventually(
      () => samples.some((s) => s.id === 'dev/sp' && s.value === 123 && s.quality === 'good'),
      10_000,
      'dev/sp read back as 123',
    );
    expect(adapter.details()).toMatchObject({ connections: 3, connected: true, exceptions: 0 });
  });

  it('is refused on RTU transports, and where devices on one endpoint disagree', () => {
    const rtu = parseSiteConfig(
      site(502, 1, '    transport: rtu-over-tcp\n    connections: 2'),
      {},
    );
    expect(rtu.ok).toBe(false);
    if (!rtu.ok)
      expect(JSON.stringify(rtu.problems)).toMatch(/connections above 1 needs transport tcp/);
    const other = `  dev2:
    protocol: modbus
    host: 127.0.0.1
    port: 502
    unitId: 2
    points:
      - { name: x, table: holding, register: 0, type: uint16, unit: count }
`;
    const mixed = parseSiteConfig(site(502, 1, '    connections: 2', other), {});
    expect(mixed.ok).toBe(false);
    if (!mixed.ok)
      expect(JSON.stringify(mixed.problems)).toMatch(
        /devices on 127.0.0.1:502 share its connections: dev has connections 2, dev2 1/,
      );
  });
});
