import ModbusRTU from 'modbus-serial';
import { createModbusAdapters } from '../src/adapters/modbus/adapter';
import { parseSiteConfig } from '../src/config';
import { memoryLogger } from '../test/helpers/logger';
import { startPymodbusUnits } from '../test/helpers/peers';
import { freePort } from '../test/helpers/ports';
import { holdingRegisterPoints } from '../test/helpers/register-points';
import { cpuCores, rateOver, round, type Bench } from './lib';

/** Requests in flight for the pipelined run: all 8 reads of a unit's poll at once. */
const PIPELINE = 8;
/** Connections for the run with several (`connections`), one request in flight on each. */
const CONNECTIONS = 4;

/**
 * Modbus acquisition from an independent server (Debian's python3-pymodbus): points per second
 * decoded into samples by HeatBridge's adapter — merged reads of 125 registers, one queue on the
 * connection, `units` devices polled every 10 ms so the queue never runs dry — against a bare
 * modbus-serial loop reading the same register blocks back to back and decoding each register.
 */
export const modbusBench: Bench = async ({ quick, progress }) => {
  const t0 = performance.now();
  const units = quick ? 2 : 8;
  // Per unit: 32 reads of 125. Polled every 10 ms (the shortest interval), 8 units then offer
  // 3.2 million points/s, far above what pymodbus answers: the schedule never caps the adapter.
  // (With 1,000 registers it offered 800,000, and the adapter measured 745,000 whatever it did.)
  const registers = 4000;
  const durationMs = quick ? 3000 : 20_000;
  const port = await freePort();
  const server = await startPymodbusUnits(
    port,
    units,
    registers,
    (i, u) => (i * 7 + u - 1) % 65536,
  );
  try {
    progress(`bare modbus-serial loop, ${units} units × ${registers} registers`);
    const client = new ModbusRTU();
    await client.connectTCP('127.0.0.1', { port });
    client.setTimeout(1000);
    let bareCount = 0;
    let running = true;
    let checksum = 0;
    const loop = (async () => {
      while (running) {
        for (let u = 1; u <= units && running; u++) {
          client.setID(u);
          for (let a = 0; a < registers; a += 125) {
            const r = await client.readHoldingRegisters(a, 125);
            // Decoded as the adapter does, one value per register.
            for (let i = 0; i < 125; i++) checksum += r.buffer.readUInt16BE(i * 2);
            bareCount += 125;
          }
        }
      }
    })();
    const bareCpu = process.cpuUsage();
    const bareT = performance.now();
    const bare = await rateOver(() => bareCount, 2000, durationMs, progress);
    const bareCores = cpuCores(bareCpu, bareT);
    running = false;
    await loop;
    await new Promise<void>((r) => client.close(() => r()));

    const one = await adapterRate(1);
    const pipelined = await adapterRate(PIPELINE);
    const connected = await adapterRate(1, CONNECTIONS);
    const { rate, cores } = one;
    const ratio = rate / bare;
    return {
      name: 'modbus',
      title: 'Modbus acquisition',
      figures: {
        units,
        registers: units * registers,
        points_per_s: round(rate, 0),
        cores: round(cores),
        [`points_per_s_${PIPELINE}_in_flight`]: round(pipelined.rate, 0),
        [`cores_${PIPELINE}_in_flight`]: round(pipelined.cores),
        [`points_per_s_${CONNECTIONS}_connections`]: round(connected.rate, 0),
        [`cores_${CONNECTIONS}_connections`]: round(connected.cores),
      },
      ceiling: {
        what: 'bare modbus-serial read loop, same blocks',
        figures: { points_per_s: round(bare, 0), cores: round(bareCores) },
      },
      ratio: round(ratio, 3),
      targets: [
        { what: 'ratio ≥ 0.8 (one request in flight, as the bare loop)', met: ratio >= 0.8 },
        {
          what: `≥ 150,000 points/s on one connection with ${PIPELINE} requests in flight`,
          met: pipelined.rate >= 150_000,
        },
      ],
      notes: [
        `pymodbus answers about ${round(bare / 125, 0)} reads of 125 registers per second here (checksum ${checksum % 997})`,
      ],
      durationS: round((performance.now() - t0) / 1000, 1),
    };

    /** HeatBridge's adapter on the same server: points/s and cores. */
    async function adapterRate(
      maxInFlight: number,
      connections = 1,
    ): Promise<{ rate: number; cores: number }> {
      progress(`HeatBridge adapter, maxInFlight ${maxInFlight}, connections ${connections}`);
      const devices = Array.from({ length: units }, (_, u) => {
        const points = holdingRegisterPoints(registers);
        return `  u${u + 1}:\n    protocol: modbus\n    host: 127.0.0.1\n    port: ${port}\n    unitId: ${u + 1}\n    pollIntervalMs: 10\n    maxInFlight: ${maxInFlight}\n    connections: ${connections}\n    points:\n${points}`;
      });
      const parsed = parseSiteConfig(
        `site: { id: bench, name: bench }\ndevices:\n${devices.join('\n')}\n`,
        {},
      );
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems.slice(0, 3)));
      const adapters = createModbusAdapters(parsed.config);
      let samples = 0;
      // As the historian and the latest values take them: a read at a time.
      const subs = adapters.map((a) => a.batches$.subscribe((b) => (samples += b.length)));
      for (const a of adapters) await a.start({ log: memoryLogger().log, report: () => undefined });
      const cpu = process.cpuUsage();
      const t = performance.now();
      const rate = await rateOver(() => samples, 2000, durationMs, progress);
      const cores = cpuCores(cpu, t);
      for (const s of subs) s.unsubscribe();
      for (const a of adapters) await a.stop();
      return { rate, cores };
    }
  } finally {
    await server.stop();
  }
};
