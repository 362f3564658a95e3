import { buildApp } from '../src/app';
import { tuneHeap } from '../src/runtime/heap-tuning';
import { Influxd } from '../test/helpers/influxd';
import { memoryLogger } from '../test/helpers/logger';
import { freePort } from '../test/helpers/ports';
import { measureProcess, percentile, round, sleep, type Bench } from './lib';
import { startBenchOpcuaServer } from './servers/opcua';
import { opcuaBenchSite } from './sites';

/**
 * End to end: 10,000 points/s from a simulator (OPC UA, 5,000 items every 500 ms, its own
 * process) through HeatBridge — adapter, process image, control loop, historian with its spool —
 * into a real influxd, for 60 s. This process's CPU share, peak RSS and event-loop delay; and the
 * sample-to-historian latency: every 250 ms the newest `clock` value in the database (the
 * server's wall-clock time when it changed) is compared with now — an upper bound, since the
 * clock only moves every 500 ms.
 */
export const e2eBench: Bench = async ({ quick, progress }) => {
  const t0 = performance.now();
  const count = quick ? 1000 : 5000;
  const periodMs = 500;
  const durationMs = quick ? 8000 : 60_000;
  const influxd = new Influxd();
  await influxd.start();
  const server = await startBenchOpcuaServer(count, periodMs);
  try {
    const site = opcuaBenchSite({
      endpoint: server.endpoint,
      count,
      periodMs,
      clock: true,
      apiPort: await freePort(),
      historian: `historian: { type: influxdb-v1, url: '${influxd.url}', database: bench }`,
    });
    // As `heatbridge run` does at its start.
    tuneHeap();
    const app = buildApp(site, { log: memoryLogger().log });
    await app.supervisor.start();
    await sleep(8000); // subscriptions created, the first values through
    const ages: number[] = [];
    let rowsBefore = 0;
    const measured = await measureProcess(async () => {
      rowsBefore = await storedRows(influxd);
      const end = performance.now() + durationMs;
      let lastProgress = 0;
      while (performance.now() < end) {
        await sleep(250);
        const rows = await influxd.query(
          'bench',
          `SELECT last("value") FROM "raw"."measurement" WHERE "point" = 'clock'`,
        );
        const newest = Number(rows[0]?.last);
        if (Number.isFinite(newest)) ages.push(Date.now() - newest);
        if (performance.now() - lastProgress > 5000) {
          lastProgress = performance.now();
          progress(
            `${Math.round((durationMs - (end - performance.now())) / 1000)}/${durationMs / 1000} s, newest sample ${ages.at(-1) ?? '?'} ms old`,
          );
        }
      }
      return storedRows(influxd);
    });
    const stored = measured.value - rowsBefore;
    await app.supervisor.stop();
    const rate = stored / (durationMs / 1000);
    const agep99 = percentile(ages, 99);
    return {
      name: 'e2e',
      title: 'End to end',
      figures: {
        offered_points_per_s: round((count * 1000) / periodMs, 0),
        stored_points_per_s: round(rate, 0),
        cores: round(measured.cores),
        rss_max_mb: round(measured.rssMaxMb, 0),
        heap_max_mb: round(measured.heapMaxMb, 0),
        live_heap_mb: round(measured.liveHeapMb, 0),
        loop_lag_p99_ms: round(measured.loopLagP99Ms, 1),
        newest_sample_age_p50_ms: round(percentile(ages, 50), 0),
        newest_sample_age_p99_ms: round(agep99, 0),
      },
      targets: [
        {
          what: `${round((count * 1000) / periodMs, 0)} points/s stored`,
          met: rate >= 0.98 * ((count * 1000) / periodMs),
        },
        { what: 'under one core', met: measured.cores < 1 },
        { what: 'under 300 MB RSS', met: measured.rssMaxMb < 300 },
        { what: 'event-loop lag p99 < 50 ms', met: measured.loopLagP99Ms < 50 },
      ],
      notes: [
        'stored points counted in influxd over the window (samples of the bench device); influxd and the OPC UA server run in their own processes',
        'latency is the age of the newest stored sample of a value that changes every 500 ms: at most the latency plus 500 ms',
      ],
      durationS: round((performance.now() - t0) / 1000, 1),
    };
  } finally {
    await server.stop();
    await influxd.stop();
  }
};

async function storedRows(influxd: Influxd): Promise<number> {
  const rows = await influxd.query(
    'bench',
    `SELECT count("value") FROM "raw"."measurement" WHERE "device" = 'bench'`,
  );
  return Number(rows[0]?.count ?? 0);
}
