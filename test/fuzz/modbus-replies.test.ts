import { expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createModbusAdapters } from '../../src/adapters/modbus/adapter';
import { parseSiteConfig } from '../../src/config';
import type { Sample } from '../../src/domain/sample';
import { stopAfterEach } from '../helpers/cleanup';
import { eventually, startComponent } from '../helpers/components';
import { freePort } from '../helpers/ports';
import { startFaultyTcpServer } from '../peers/faulty-modbus-tcp';
import {
  failOnUnhandledRejections,
  fuzzParamsScaled,
  fuzzTimeoutMs,
  heapProbe,
} from './fuzz-config';

/**
 * Modbus TCP replies, fuzzed through the real path: a server on loopback answers one request
 * with arbitrary bytes (some behind a plausible MBAP header, so the "rest still coming" paths are
 * taken too), then correctly again. After every such reply the adapter delivers a good value from
 * the first or second request answered correctly (issue 18: one bad frame must never blind a
 * connection), and nothing throws or goes unhandled. Each run costs a poll or two on a real
 * socket, so the run count is a fifth of FUZZ_RUNS.
 */
failOnUnhandledRejections();
const stopLater = stopAfterEach();

const PARAMS = fuzzParamsScaled(0.2);

const reply = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc
    .record({
      tid: fc.integer({ min: 0, max: 0xffff }),
      length: fc.integer({ min: 0, max: 0xffff }),
      rest: fc.uint8Array({ maxLength: 300 }),
    })
    .map(({ tid, length, rest }) => {
      const b = Buffer.alloc(6 + rest.length);
      b.writeUInt16BE(tid, 0);
      b.writeUInt16BE(0, 2);
      b.writeUInt16BE(length, 4);
      Buffer.from(rest).copy(b, 6);
      return new Uint8Array(b);
    }),
);

it(
  'after any reply bytes, a good value from the first or second request answered correctly',
  async () => {
    const server = await startFaultyTcpServer(await freePort());
    stopLater(server);
    const parsed = parseSiteConfig(
      `site: { id: s, name: S }
devices:
  dev:
    protocol: modbus
    host: 127.0.0.1
    port: ${server.port}
    pollIntervalMs: 150
    timeoutMs: 100
    reconnect: { initialDelayMs: 10, maxDelayMs: 50 }
    points:
      - { name: seq, table: holding, register: 0, type: uint16, unit: count }
`,
      {},
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const [adapter] = createModbusAdapters(parsed.config);
    const good: number[] = [];
    adapter!.samples$.subscribe((s: Sample) => {
      if (s.quality === 'good') good.push(s.value as number);
    });
    const running = await startComponent(adapter!);
    stopLater(running);
    await eventually(() => good.length > 0, 10_000, 'a first good value');
    const heap = heapProbe(PARAMS.numRuns);
    await fc.assert(
      fc.asyncProperty(reply, async (raw) => {
        heap.tick();
        server.inject({ raw });
        await eventually(() => server.pending() === 0, 10_000, 'the fuzzed reply to be served');
        const fuzzed = server.served.at(-1)!.seq;
        await eventually(
          () => good.some((v) => v === fuzzed + 1 || v === fuzzed + 2),
          10_000,
          `a good value from request ${fuzzed + 1} or ${fuzzed + 2}`,
        );
      }),
      PARAMS,
    );
    heap.print('modbus replies');
    expect(running.component.details()).toMatchObject({ connected: true });
  },
  fuzzTimeoutMs(PARAMS.numRuns, 1000),
);
