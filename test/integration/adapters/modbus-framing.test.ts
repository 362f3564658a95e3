import { describe, expect, it } from '@jest/globals';
import { EMPTY } from 'rxjs';
import { createModbusAdapters, type ModbusAdapter } from '../../../src/adapters/modbus/adapter';
import { Metrics } from '../../../src/api/metrics';
import { parseSiteConfig } from '../../../src/config';
import type { Sample } from '../../../src/domain/sample';
import { stopAfterEach } from '../../helpers/cleanup';
import { eventually, startComponent, type Running } from '../../helpers/components';
import { freePort } from '../../helpers/ports';
import {
  BAD_VALUE,
  startFaultyTcpServer,
  type FaultyTcpServer,
  type TcpFault,
} from '../../peers/faulty-modbus-tcp';

const stopLater = stopAfterEach();

/** Issue 18: one bad reply must never blind a Modbus TCP connection. */
const FAST = `pollIntervalMs: 300
    timeoutMs: 150
    reconnect: { initialDelayMs: 10, maxDelayMs: 100 }`;

async function setUp(
  framing: 'mbap' | 'rtu' = 'mbap',
  timing = FAST,
): Promise<{
  server: FaultyTcpServer;
  running: Running<ModbusAdapter>;
  samples: Sample[];
}> {
  const server = await startFaultyTcpServer(await freePort(), framing);
  stopLater(server);
  const parsed = parseSiteConfig(
    `site: { id: s, name: S }
devices:
  dev:
    protocol: modbus
    transport: ${framing === 'rtu' ? 'rtu-over-tcp' : 'tcp'}
    host: 127.0.0.1
    port: ${server.port}
    ${timing}
    points:
      - { name: seq, table: holding, register: 0, type: uint16, unit: count }
`,
    {},
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const [adapter] = createModbusAdapters(parsed.config);
  const samples: Sample[] = [];
  adapter!.samples$.subscribe((s) => samples.push(s));
  const running = await startComponent(adapter!);
  stopLater(running);
  await eventually(() => samples.some((s) => s.quality === 'good'), 10_000, 'a first good value');
  return { server, running, samples };
}

const good = (samples: Sample[]): number[] =>
  samples.filter((s) => s.quality === 'good').map((s) => s.value as number);

interface Case {
  fault: TcpFault;
  times: number;
  /** The adapter has to drop the connection and open a new one. */
  reconnects: boolean;
  framing: boolean;
}

const CASES: Case[] = [
  { fault: 'garbage', times: 1, reconnects: true, framing: true },
  { fault: 'wrong-tid', times: 1, reconnects: false, framing: false },
  { fault: 'wrong-tid', times: 4, reconnects: true, framing: false },
  { fault: 'wrong-protocol', times: 1, reconnects: true, framing: true },
  { fault: 'wrong-unit', times: 1, reconnects: true, framing: true },
  { fault: 'wrong-function', times: 1, reconnects: true, framing: true },
  { fault: 'length-too-long', times: 1, reconnects: true, framing: true },
  { fault: 'length-too-short', times: 1, reconnects: true, framing: true },
  { fault: 'truncated', times: 1, reconnects: true, framing: true },
  { fault: 'huge-length', times: 1, reconnects: true, framing: true },
  { fault: 'exception', times: 1, reconnects: false, framing: false },
  { fault: 'silence', times: 1, reconnects: false, framing: false },
  // Three timeouts in a row (the default reconnectAfterTimeouts) drop the connection.
  { fault: 'silence', times: 5, reconnects: true, framing: false },
  { fault: 'close', times: 1, reconnects: true, framing: false },
];

describe('Modbus TCP against a misbehaving server: every fault is survived', () => {
  it.each(CASES)(
    '$fault ×$times: a good value from the first or second request answered correctly',
    async ({ fault, times, reconnects, framing }) => {
      const { server, running, samples } = await setUp();
      const connectionsBefore = server.connections;
      server.inject(fault, times);
      await eventually(() => server.pending() === 0, 10_000, 'the faults to be served');
      // The last faulty request; every request after it is answered correctly, and its value is
      // its own number, so the first good value after it says how many requests recovery took.
      const lastFault = server.served.filter((r) => r.fault !== undefined).at(-1)!.seq;
      await eventually(
        () => good(samples).some((v) => v > lastFault && v !== BAD_VALUE),
        10_000,
        `a good value after request ${lastFault}`,
      );
      const first = good(samples).find((v) => v > lastFault && v !== BAD_VALUE)!;
      expect(first - lastFault).toBeLessThanOrEqual(2);
      // The faulty reply was never taken as the answer.
      expect(good(samples)).not.toContain(BAD_VALUE);
      const details = running.component.details() as { framingErrors: number; timeouts: number };
      expect(server.connections > connectionsBefore).toBe(reconnects);
      expect(details.framingErrors > 0).toBe(framing);
      if (reconnects) {
        const warnings = running
          .lines()
          .filter((l) => l.msg === 'Modbus connection lost; reconnecting');
        expect(warnings.length).toBe(1); // one warning saying why, not one per symptom
        if (framing) expect(String(warnings[0]!.reason)).toMatch(/^framing error: /);
      }
    },
  );

  it('counts framing errors in the details and as a Prometheus counter', async () => {
    const { server, running, samples } = await setUp();
    server.inject('garbage', 2);
    await eventually(() => server.pending() === 0, 10_000, 'the faults to be served');
    const lastFault = server.served.at(-1)!.seq;
    await eventually(() => good(samples).some((v) => v > lastFault), 10_000, 'recovery');
    const adapter = running.component;
    expect(adapter.details()).toMatchObject({ framingErrors: 2, connected: true });
    const metrics = new Metrics({
      components: () => [
        { name: adapter.name, state: 'running', since: '', details: adapter.details() },
      ],
      // The running adapter labels its series itself.
      adapters: [adapter],
      latest: () => undefined,
      controlSamples$: EMPTY,
      sseClients: () => 0,
    });
    try {
      expect(await metrics.registry.metrics()).toContain(
        'heatbridge_adapter_framing_errors_total{protocol="modbus",connection="dev"} 2',
      );
    } finally {
      metrics.close();
    }
  });
});

/**
 * Polls that emitted a sample of the point in (from, to): a poll emits all of its samples within a
 * few milliseconds, and polls are a poll interval (1 s here) apart, so gaps over 200 ms separate
 * polls. This counts polls; it does not time them.
 */
function pollsBetween(samples: Sample[], from: number, to: number): number {
  const ts = samples.map((s) => s.ts).filter((t) => t > from && t < to);
  return ts.filter((t, i) => i === 0 || t - ts[i - 1]! > 200).length;
}

describe('with the default poll and reconnect settings', () => {
  it('garbage: the poll right after the faulty one has a good value again (no backoff wait)', async () => {
    // Defaults: reconnect 1 s doubling, a 1 s poll. A dropped connection that waited out the
    // backoff would miss the next poll and be blind for a second poll period.
    const { server, samples } = await setUp('mbap', 'pollIntervalMs: 1000');
    server.inject('garbage');
    await eventually(() => server.pending() === 0, 10_000, 'the fault to be served');
    const lastFault = server.served.at(-1)!.seq;
    await eventually(
      () => good(samples).some((v) => v > lastFault),
      10_000,
      `a good value after request ${lastFault}`,
    );
    const before = samples.filter((s) => s.quality === 'good' && (s.value as number) < lastFault);
    const after = samples.find((s) => s.quality === 'good' && (s.value as number) > lastFault)!;
    // Only the faulty poll itself lies between the last good value before and the first after.
    expect(pollsBetween(samples, before.at(-1)!.ts, after.ts)).toBe(1);
    expect(good(samples)).not.toContain(BAD_VALUE);
  });
});

describe('a device that garbles reply after reply', () => {
  it('one warning for the episode of drops, the repeats counted at debug, each reconnect made', async () => {
    const { server, running, samples } = await setUp();
    const connectionsBefore = server.connections;
    // Each garbage reply comes on a new connection, since the previous one was dropped for it.
    server.inject('garbage', 4);
    await eventually(() => server.pending() === 0, 10_000, 'the faults to be served');
    const lastFault = server.served.at(-1)!.seq;
    await eventually(() => good(samples).some((v) => v > lastFault), 10_000, 'recovery');
    expect(server.connections - connectionsBefore).toBe(4);
    const lost = running.lines().filter((l) => String(l.msg).startsWith('Modbus connection lost'));
    expect(lost.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(lost.at(-1)).toMatchObject({ count: 4 });
    expect(running.component.details()).toMatchObject({ framingErrors: 4 });
  });
});

describe('RTU over TCP (a serial gateway) against a misbehaving one', () => {
  it.each([
    { fault: 'garbage' as const, reconnects: true },
    { fault: 'truncated' as const, reconnects: true },
    { fault: 'bad-crc' as const, reconnects: true },
    { fault: 'exception' as const, reconnects: false },
    { fault: 'silence' as const, reconnects: false },
  ])('$fault: a good value from the first or second request answered correctly', async (c) => {
    const { server, running, samples } = await setUp('rtu');
    const connectionsBefore = server.connections;
    server.inject(c.fault);
    await eventually(() => server.pending() === 0, 10_000, 'the fault to be served');
    const lastFault = server.served.at(-1)!.seq;
    await eventually(
      () => good(samples).some((v) => v > lastFault && v !== BAD_VALUE),
      10_000,
      `a good value after request ${lastFault}`,
    );
    expect(good(samples).find((v) => v > lastFault)! - lastFault).toBeLessThanOrEqual(2);
    expect(good(samples)).not.toContain(BAD_VALUE);
    expect(server.connections > connectionsBefore).toBe(c.reconnects);
    const details = running.component.details() as { framingErrors: number };
    expect(details.framingErrors > 0).toBe(c.reconnects);
  });
});

describe('a second reply to a request that was answered already', () => {
  it.each(['mbap', 'rtu'] as const)(
    '%s framing: it is never taken as the answer to the next request',
    async (framing) => {
      const { server, samples } = await setUp(framing);
      server.inject('duplicate');
      await eventually(() => server.pending() === 0, 10_000, 'the request to be answered');
      const answered = server.served.at(-1)!.seq;
      await eventually(() => good(samples).includes(answered), 10_000, 'its first answer');
      // Now, between that answer and the next request, a second one comes (with another value).
      server.releaseHeld();
      await eventually(
        () => good(samples).some((v) => v > answered && v !== BAD_VALUE),
        10_000,
        `a good value after request ${answered}`,
      );
      expect(good(samples)).not.toContain(BAD_VALUE);
      expect(good(samples).find((v) => v > answered)! - answered).toBeLessThanOrEqual(2);
    },
  );
});
