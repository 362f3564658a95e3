import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from '@jest/globals';
import { createModbusAdapters, type ModbusAdapter } from '../../../src/adapters/modbus/adapter';
import { parseSiteConfig } from '../../../src/config';
import type { Sample } from '../../../src/domain/sample';
import { projectRoot } from '../../../src/util/project-root';
import { stopAfterEach } from '../../helpers/cleanup';
import { eventually, startComponent, type Running } from '../../helpers/components';
import { serialPair, SYSTEM_PYTHON } from '../../helpers/peers';

const stopLater = stopAfterEach();
const BAD_VALUE = 0xbeef; // what test/peers/faulty_rtu.py puts in a faulty reply

type RtuFault = 'garbage' | 'truncated' | 'bad-crc' | 'silence';

interface Responder {
  served: { seq: number; fault: RtuFault | null }[];
  inject(fault: RtuFault, times: number): void;
  stop(): Promise<void>;
}

/** test/peers/faulty_rtu.py on one end of the pair, once it has the line open. */
async function startResponder(tty: string): Promise<Responder> {
  const child = spawn(SYSTEM_PYTHON, [join(projectRoot(), 'test', 'peers', 'faulty_rtu.py'), tty], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const served: Responder['served'] = [];
  let ready = false;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const msg = JSON.parse(line) as { ready?: boolean; seq?: number; fault?: RtuFault | null };
    if (msg.ready) ready = true;
    else served.push({ seq: msg.seq!, fault: msg.fault ?? null });
  });
  const responder: Responder = {
    served,
    inject: (fault, times) => child.stdin.write(`${JSON.stringify({ fault, times })}\n`),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
  stopLater(responder);
  await eventually(() => ready, 10_000, 'the RTU responder to open its end');
  return responder;
}

async function setUp(): Promise<{
  responder: Responder;
  running: Running<ModbusAdapter>;
  samples: Sample[];
}> {
  const line = await serialPair(mkdtempSync(join(tmpdir(), 'hb-rtu-framing-')));
  stopLater(line);
  const responder = await startResponder(line.a);
  const parsed = parseSiteConfig(
    `site: { id: s, name: S }
devices:
  dev:
    protocol: modbus
    transport: rtu
    serial: { path: ${line.b}, baudRate: 19200, parity: none }
    pollIntervalMs: 300
    timeoutMs: 150
    reconnect: { initialDelayMs: 10, maxDelayMs: 100 }
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
  return { responder, running, samples };
}

const good = (samples: Sample[]): number[] =>
  samples.filter((s) => s.quality === 'good').map((s) => s.value as number);

describe('Modbus RTU on a serial line against a misbehaving responder', () => {
  it.each([
    { fault: 'garbage' as const, times: 1, framing: true },
    { fault: 'truncated' as const, times: 1, framing: true },
    { fault: 'bad-crc' as const, times: 1, framing: true },
    { fault: 'silence' as const, times: 1, framing: false },
    { fault: 'silence' as const, times: 4, framing: false },
  ])(
    '$fault ×$times: a good value from the first or second request answered correctly',
    async ({ fault, times, framing }) => {
      const { responder, running, samples } = await setUp();
      const before = responder.served.length;
      responder.inject(fault, times);
      await eventually(
        () => responder.served.filter((r, i) => i >= before && r.fault !== null).length === times,
        10_000,
        'the faults to be served',
      );
      const lastFault = responder.served.filter((r) => r.fault !== null).at(-1)!.seq;
      await eventually(
        () => good(samples).some((v) => v > lastFault && v !== BAD_VALUE),
        10_000,
        `a good value after request ${lastFault}`,
      );
      const first = good(samples).find((v) => v > lastFault && v !== BAD_VALUE)!;
      expect(first - lastFault).toBeLessThanOrEqual(2);
      expect(good(samples)).not.toContain(BAD_VALUE);
      const details = running.component.details() as { framingErrors: number };
      expect(details.framingErrors > 0).toBe(framing);
    },
  );
});
