import { execFileSync } from 'node:child_process';
import { cpus, totalmem, release } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/util/project-root';

/** One benchmark's outcome: its figures, the ceiling measured in the same run, and the verdict. */
export interface BenchResult {
  name: string;
  title: string;
  /** What was measured, with units in the keys (e.g. `points_per_s`). */
  figures: Record<string, number>;
  /** The ceiling measured in the same run, and HeatBridge's share of it. */
  ceiling?: { what: string; figures: Record<string, number> };
  ratio?: number;
  targets: { what: string; met: boolean }[];
  notes: string[];
  durationS: number;
}

export interface BenchOptions {
  /** Short runs for the smoke test; the figures are then not meaningful. */
  quick: boolean;
  progress: (line: string) => void;
}

export type Bench = (opts: BenchOptions) => Promise<BenchResult>;

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const round = (v: number, digits = 2): number => Number(v.toFixed(digits));

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Counts events for a while after a warm-up; the rate per second. */
export async function rateOver(
  count: () => number,
  warmupMs: number,
  durationMs: number,
  progress?: (line: string) => void,
): Promise<number> {
  await sleep(warmupMs);
  const c0 = count();
  const t0 = performance.now();
  const end = t0 + durationMs;
  while (performance.now() < end) {
    await sleep(Math.min(1000, end - performance.now()));
    const elapsed = (performance.now() - t0) / 1000;
    progress?.(
      `${Math.round(elapsed)}/${Math.round(durationMs / 1000)} s, ${Math.round((count() - c0) / elapsed)}/s`,
    );
  }
  return (count() - c0) / ((performance.now() - t0) / 1000);
}

/** Cores this process used since `from` was taken at `t0` (CPU time / wall time). */
export function cpuCores(from: NodeJS.CpuUsage, t0: number): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000 / (performance.now() - t0);
}

/** The event-loop delay probe's period, ms. */
const LAG_RESOLUTION_MS = 20;

/**
 * This process's CPU (cores used), peak RSS and event-loop delay while `run` runs. With
 * `lagWindowMs`, the delay is measured in a window of its own right after `run`, so the probe's
 * own CPU (0.004 of a core at one sample per 20 ms) is not counted as the process's.
 */
export async function measureProcess<T>(
  run: () => Promise<T>,
  opts: { lagWindowMs?: number } = {},
): Promise<{
  value: T;
  cores: number;
  rssMaxMb: number;
  heapMaxMb: number;
  liveHeapMb: number;
  loopLagP99Ms: number;
  loopLagMaxMs: number;
}> {
  // The probes run in the measured process, so they are kept cheap: an event-loop delay sample
  // every 20 ms (every 10 ms cost 0.009 of a core on this machine, a fifth of HeatBridge's whole
  // CPU at 10,000 points/s; 20 ms costs 0.004), RSS every 250 ms (one read of /proc), the heap
  // every second (process.memoryUsage() walks every heap space).
  const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  if (opts.lagWindowMs === undefined) lag.enable();
  let rssMax = process.memoryUsage.rss();
  let heapMax = process.memoryUsage().heapUsed;
  let ticks = 0;
  const rssTimer = setInterval(() => {
    rssMax = Math.max(rssMax, process.memoryUsage.rss());
    if (++ticks % 4 === 0) heapMax = Math.max(heapMax, process.memoryUsage().heapUsed);
  }, 250);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await run();
  const cores = cpuCores(cpu0, t0);
  if (opts.lagWindowMs !== undefined) {
    lag.enable();
    await sleep(opts.lagWindowMs);
  }
  // What is live after a full collection (with --expose-gc): RSS also holds garbage not yet collected.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const liveHeap = gc ? process.memoryUsage().heapUsed : NaN;
  clearInterval(rssTimer);
  lag.disable();
  return {
    value,
    cores,
    rssMaxMb: rssMax / 1024 / 1024,
    heapMaxMb: heapMax / 1024 / 1024,
    liveHeapMb: liveHeap / 1024 / 1024,
    // The histogram holds the intervals between the probe's timer callbacks: the delay is what
    // exceeds the probe's period.
    loopLagP99Ms: Math.max(0, lag.percentile(99) / 1e6 - LAG_RESOLUTION_MS),
    loopLagMaxMs: Math.max(0, lag.max / 1e6 - LAG_RESOLUTION_MS),
  };
}

function versionOf(pkg: string): string {
  try {
    const file = join(projectRoot(), 'node_modules', pkg, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function commandVersion(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split('\n')[0]!;
  } catch {
    return 'not installed';
  }
}

/** The machine and the versions the figures belong to. */
export function machine(): Record<string, string | number> {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: round(totalmem() / 1024 ** 3, 1),
    kernel: release(),
    node: process.version,
    'node-opcua': versionOf('node-opcua'),
    'modbus-serial': versionOf('modbus-serial'),
    influx: versionOf('influx'),
    influxd: commandVersion('influxd', ['version']),
    pymodbus: commandVersion('/usr/bin/python3', [
      '-c',
      'import pymodbus; print(pymodbus.__version__)',
    ]),
  };
}
