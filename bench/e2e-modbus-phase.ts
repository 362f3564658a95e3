import { mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ModbusRTU from 'modbus-serial';
import { ModbusAdapter } from '../src/adapters/modbus/adapter';
import { buildApp } from '../src/app';
import { parseSiteConfig } from '../src/config';
import { tuneHeap } from '../src/runtime/heap-tuning';
import { memoryLogger } from '../test/helpers/logger';
import { freePort } from '../test/helpers/ports';
import { holdingRegisterPoints } from '../test/helpers/register-points';
import { measureProcess, sleep } from './lib';

/**
 * One phase of the end-to-end Modbus benchmark, in a process of its own (bench/e2e-modbus.ts
 * forks it, so one phase's heap and CPU never count for another): either HeatBridge as deployed
 * (adapter, samples, process image and stale detection, historian with its fsynced spool, gzip
 * writes to influxd) or the floor, a plain modbus-serial loop that posts line protocol to influxd
 * over HTTP. Both poll all `registers` holding registers of one pymodbus server every
 * `periodMs`, each register a point. Prints its figures as JSON on the IPC channel.
 */
export interface PhaseJob {
  kind: 'heatbridge' | 'floor';
  modbusPort: number;
  registers: number;
  periodMs: number;
  influxUrl: string;
  database: string;
  warmupMs: number;
  durationMs: number;
  /** HeatBridge's `maxInFlight` for the device (requests on the wire at once); default 1. */
  maxInFlight?: number;
}

export interface PhaseResult {
  cores: number;
  rssMaxMb: number;
  heapMaxMb: number;
  loopLagP99Ms: number;
  /** Points polled in the window (the adapter's own count, or the loop's). */
  polled: number;
  windowS: number;
  /** The window's start and end, epoch ms: the orchestrator counts what influxd stored in it. */
  from: number;
  to: number;
  /** Ticks the poll timer skipped because the previous poll was still running. */
  skipped: number;
}

async function heatbridge(job: PhaseJob): Promise<PhaseResult> {
  // As `heatbridge run` does at its start.
  tuneHeap();
  const dir = mkdtempSync(join(tmpdir(), 'hb-bench-e2e-modbus-'));
  const yaml = `site: { id: bench, name: HeatBridge benchmark }
devices:
  bench:
    protocol: modbus
    host: 127.0.0.1
    port: ${job.modbusPort}
    unitId: 1
    pollIntervalMs: ${job.periodMs}
${job.maxInFlight !== undefined ? `    maxInFlight: ${job.maxInFlight}\n` : ''}    points:
${holdingRegisterPoints(job.registers)}
historian:
  type: influxdb-v1
  url: ${job.influxUrl}
  database: ${job.database}
  spool: { dir: ${join(dir, 'spool')} }
api: { port: ${await freePort()}, auditFile: ${join(dir, 'audit.jsonl')} }
alarms: { stateFile: ${join(dir, 'alarms.json')} }
`;
  const parsed = parseSiteConfig(yaml, {});
  if (!parsed.ok) throw new Error(`bench site: ${JSON.stringify(parsed.problems.slice(0, 5))}`);
  const app = buildApp(parsed.config, { log: memoryLogger().log });
  let polled = 0;
  const bench = app.adapters.find((a) => a instanceof ModbusAdapter);
  if (!bench) throw new Error('no bench adapter');
  // As the historian and the latest values take them: a read at a time.
  bench.batches$.subscribe((batch) => (polled += batch.length));
  await app.supervisor.start();
  await sleep(job.warmupMs);
  const result = await window(job.durationMs, () => ({
    polled,
    skipped: skippedOf(bench.details?.() ?? {}),
  }));
  // The window's last samples reach influxd up to flushIntervalMs + sendDelayMs later; stopping
  // sooner leaves them in the spool for the next start, and the count would miss them.
  await sleep(DRAIN_MS);
  await app.supervisor.stop();
  return result;
}

/** Measures this process over the window; the counts are taken at its start and end. */
async function window(
  durationMs: number,
  counts: () => { polled: number; skipped: number },
): Promise<PhaseResult> {
  const start = counts();
  const from = Date.now();
  // The counts and the window's end, taken before the event-loop delay is measured after it.
  let end = start;
  let to = from;
  const m = await measureProcess(
    async () => {
      await sleep(durationMs);
      end = counts();
      to = Date.now();
    },
    { lagWindowMs: Math.min(10_000, durationMs) },
  );
  return {
    cores: m.cores,
    rssMaxMb: m.rssMaxMb,
    heapMaxMb: m.heapMaxMb,
    loopLagP99Ms: m.loopLagP99Ms,
    polled: end.polled - start.polled,
    windowS: (to - from) / 1000,
    from,
    to,
    skipped: end.skipped - start.skipped,
  };
}

function skippedOf(details: Record<string, unknown>): number {
  const s = details.skippedPolls as Record<string, number> | undefined;
  return s ? Object.values(s).reduce((a, b) => a + b, 0) : 0;
}

/**
 * The floor: what a hand-written loop costs for the same job. modbus-serial reads the registers
 * in blocks of 125 every period, each value becomes a line of line protocol (the same series
 * HeatBridge writes), and every 200 ms the lines go to influxd in one uncompressed POST. No
 * quality, no spool, no process image: the least any program must do.
 */
async function floor(job: PhaseJob): Promise<PhaseResult> {
  const client = new ModbusRTU();
  await client.connectTCP('127.0.0.1', { port: job.modbusPort });
  client.setID(1);
  client.setTimeout(1000);
  const url = new URL(`/write?db=${encodeURIComponent(job.database)}&precision=ms`, job.influxUrl);
  let lines: string[] = [];
  let polled = 0;
  let skipped = 0;
  let busy = false;
  let inFlightPost: Promise<void> = Promise.resolve();
  const post = (body: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = request(url, { method: 'POST', agent: keepAlive }, (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 204 ? resolve() : reject(new Error(`influxd ${res.statusCode}`)),
        );
      });
      req.on('error', reject);
      req.end(body);
    });
  const poll = async (): Promise<void> => {
    if (busy) {
      skipped += 1;
      return;
    }
    busy = true;
    try {
      for (let a = 0; a < job.registers; a += 125) {
        const n = Math.min(125, job.registers - a);
        const r = await client.readHoldingRegisters(a, n);
        const ts = Date.now();
        for (let i = 0; i < n; i++)
          lines.push(
            `measurement,device=bench,point=r${a + i},quality=good,site=bench,unit=count value=${r.data[i]} ${ts}`,
          );
        polled += n;
      }
    } finally {
      busy = false;
    }
  };
  const flush = (): void => {
    if (lines.length === 0) return;
    const body = lines.join('\n');
    lines = [];
    inFlightPost = inFlightPost.then(() => post(body));
  };
  const pollTimer = setInterval(() => void poll(), job.periodMs);
  const flushTimer = setInterval(flush, 200);
  await sleep(job.warmupMs);
  const result = await window(job.durationMs, () => ({ polled, skipped }));
  clearInterval(pollTimer);
  clearInterval(flushTimer);
  flush();
  await inFlightPost;
  await new Promise<void>((r) => client.close(() => r()));
  return result;
}

const keepAlive = new Agent({ keepAlive: true });

/** The historian's defaults (flush 200 ms, send delay 1 s) and a margin. */
const DRAIN_MS = 2500;

if (require.main === module) {
  process.once('message', (job: PhaseJob) => {
    (job.kind === 'heatbridge' ? heatbridge(job) : floor(job)).then(
      (r) => {
        process.send!(r, () => process.exit(0));
      },
      (err: unknown) => {
        process.stderr.write(
          `${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
        );
        process.exit(1);
      },
    );
  });
}
