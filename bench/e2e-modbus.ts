import { fork } from 'node:child_process';
import { join } from 'node:path';
import { Influxd } from '../test/helpers/influxd';
import { startPymodbusServer } from '../test/helpers/peers';
import { freePort } from '../test/helpers/ports';
import { round, type Bench, type BenchResult } from './lib';
import type { PhaseJob, PhaseResult } from './e2e-modbus-phase';

/** HeatBridge's Node flags as deployed (Dockerfile, systemd unit; bench/run.ts NODE_FLAGS). */
const DEPLOYED_FLAGS = ['--max-old-space-size=192', '--max-semi-space-size=4'];

/** The issue-25 job: one pymodbus server, 2,000 holding registers on one connection. */
const REGISTERS = 2000;
/** Poll periods for 10,000 and 50,000 points/s. */
const LOADS = [
  { pointsPerS: 10_000, periodMs: 200 },
  { pointsPerS: 50_000, periodMs: 40 },
];
/** HeatBridge's `maxInFlight` for the pymodbus device: all 16 reads of a poll at once. */
const IN_FLIGHT = 16;
/** The target: points per CPU-second of the whole HeatBridge process (issue 25). */
const TARGET_POINTS_PER_CPU_S = 250_000;

/**
 * End to end on Modbus: HeatBridge polls 2,000 holding registers of one pymodbus server over one
 * connection, each a point, and stores every sample in influxd (durable spool, gzip batches),
 * at 10,000 and at 50,000 points/s; beside it, the same job done by a plain modbus-serial loop
 * that posts line protocol to the same influxd (the floor). Each phase runs in a fresh process
 * (bench/e2e-modbus-phase.ts). Figures: points stored per second, CPU of the process, points per
 * CPU-second, peak RSS, event-loop lag.
 */
export const e2eModbusBench: Bench = async ({ quick, progress }) => {
  const t0 = performance.now();
  const warmupMs = quick ? 2000 : 5000;
  const durationMs = quick ? 3000 : 30_000;
  const loads = quick ? LOADS.slice(0, 1) : LOADS;
  const influxd = new Influxd();
  await influxd.start();
  const modbusPort = await freePort();
  const server = await startPymodbusServer({
    transport: 'tcp',
    port: modbusPort,
    words: [
      {
        unit: 1,
        table: 'holding',
        address: 0,
        values: Array.from({ length: REGISTERS }, (_, i) => (i * 7) % 65536),
      },
    ],
  });
  const figures: Record<string, number> = { registers: REGISTERS };
  const ceiling: Record<string, number> = {};
  const targets: BenchResult['targets'] = [];
  const notes: string[] = [];
  try {
    for (const load of loads) {
      const k = `${load.pointsPerS / 1000}k`;
      const run = async (kind: PhaseJob['kind']): Promise<PhaseResult & { stored: number }> => {
        const database = `${kind}_${k}`;
        if (kind === 'floor') await influxd.series('', `CREATE DATABASE "${database}"`);
        progress(`${kind} at ${load.pointsPerS} points/s (poll every ${load.periodMs} ms)`);
        const r = await runPhase({
          kind,
          modbusPort,
          registers: REGISTERS,
          periodMs: load.periodMs,
          influxUrl: influxd.url,
          database,
          warmupMs,
          durationMs,
          // pymodbus takes several requests in flight: HeatBridge is configured to use that, as
          // a site would for such a device (the floor, a plain loop, sends one at a time).
          ...(kind === 'heatbridge' ? { maxInFlight: IN_FLIGHT } : {}),
        });
        // What influxd stored with sample times inside the window (HeatBridge's retention
        // policy is "raw"; the floor writes to the database's default one).
        const rp = kind === 'heatbridge' ? '"raw".' : '';
        const rows = await influxd.query(
          database,
          `SELECT count("value") FROM ${rp}"measurement" WHERE time >= ${r.from}ms AND time < ${r.to}ms`,
        );
        return { ...r, stored: Number(rows[0]?.count ?? 0) };
      };
      const floor = await run('floor');
      const hb = await run('heatbridge');
      const rate = (r: { stored: number; windowS: number }): number => r.stored / r.windowS;
      const perCpu = (r: PhaseResult & { stored: number }): number =>
        rate(r) / Math.max(r.cores, 1e-6);
      figures[`points_per_s_${k}`] = round(rate(hb), 0);
      figures[`cores_${k}`] = round(hb.cores, 3);
      figures[`points_per_cpu_s_${k}`] = round(perCpu(hb), 0);
      figures[`rss_max_mb_${k}`] = round(hb.rssMaxMb, 0);
      figures[`loop_lag_p99_ms_${k}`] = round(hb.loopLagP99Ms, 1);
      figures[`skipped_polls_${k}`] = hb.skipped;
      ceiling[`points_per_s_${k}`] = round(rate(floor), 0);
      ceiling[`cores_${k}`] = round(floor.cores, 3);
      ceiling[`points_per_cpu_s_${k}`] = round(perCpu(floor), 0);
      const offered = load.pointsPerS * (durationMs / 1000);
      targets.push(
        {
          what: `${load.pointsPerS} points/s stored`,
          met: rate(hb) >= 0.98 * load.pointsPerS,
        },
        {
          what: `≥ ${TARGET_POINTS_PER_CPU_S.toLocaleString('en')} points per CPU-second at ${load.pointsPerS.toLocaleString('en')} points/s`,
          met: perCpu(hb) >= TARGET_POINTS_PER_CPU_S,
        },
      );
      if (load.pointsPerS === 10_000)
        targets.push(
          { what: 'RSS ≤ 150 MB at 10,000 points/s', met: hb.rssMaxMb <= 150 },
          { what: 'event-loop lag p99 < 20 ms at 10,000 points/s', met: hb.loopLagP99Ms < 20 },
        );
      notes.push(
        `${k}: HeatBridge polled ${hb.polled} and stored ${hb.stored} points of about ${offered} offered; the floor ${floor.stored}`,
      );
    }
  } finally {
    await server.stop();
    await influxd.stop();
  }
  const k = `${loads.at(-1)!.pointsPerS / 1000}k`;
  return {
    name: 'e2e-modbus',
    title: 'End to end, Modbus',
    figures,
    ceiling: {
      what: 'a plain modbus-serial loop posting line protocol to influxd, same job',
      figures: ceiling,
    },
    // HeatBridge's points per CPU-second over the floor's, at the highest load.
    ratio: round(
      (figures[`points_per_cpu_s_${k}`] ?? 0) / (ceiling[`points_per_cpu_s_${k}`] ?? 1),
      3,
    ),
    targets,
    notes: [
      ...notes,
      'cores: the CPU time of the whole HeatBridge process (or the loop) over the window; influxd and pymodbus run in their own processes',
    ],
    durationS: round((performance.now() - t0) / 1000, 1),
  };
};

function runPhase(job: PhaseJob): Promise<PhaseResult> {
  const child = fork(join(__dirname, 'e2e-modbus-phase.js'), [], {
    // HEATBRIDGE_BENCH_PROFILE=DIR: a CPU profile of each phase (open in Chrome's DevTools).
    execArgv: [
      ...DEPLOYED_FLAGS,
      ...(process.env.HEATBRIDGE_BENCH_PROFILE
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.HEATBRIDGE_BENCH_PROFILE}`]
        : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as PhaseResult));
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`phase ${job.kind} exited with ${code}`));
    });
    child.send(job);
  });
}
