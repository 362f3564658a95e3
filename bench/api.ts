import { startDemoStack } from '../test/helpers/stack';
import { percentile, round, sleep, type Bench } from './lib';

/**
 * The API under a steady load: GET /api/points (every point's latest value) at 100 requests per
 * second, open loop (a request is sent every 10 ms whether or not the previous one answered),
 * against the demo site with its simulators and control running in the same process.
 */
export const apiBench: Bench = async ({ quick, progress }) => {
  const t0 = performance.now();
  const stack = await startDemoStack({ users: {}, openReads: true });
  try {
    const url = `${stack.base}/api/points`;
    const points = ((await (await fetch(url)).json()) as unknown[]).length;
    const durationMs = quick ? 3000 : 30_000;
    const latencies: number[] = [];
    let errors = 0;
    const inFlight: Promise<void>[] = [];
    const start = performance.now();
    let sent = 0;
    while (performance.now() - start < durationMs) {
      const due = start + sent * 10;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      sent++;
      const t = performance.now();
      inFlight.push(
        fetch(url)
          .then(async (res) => {
            await res.arrayBuffer();
            if (res.status !== 200) errors++;
            else latencies.push(performance.now() - t);
          })
          .catch(() => {
            errors++;
          }),
      );
      if (sent % 1000 === 0)
        progress(`${sent} requests, p99 so far ${round(percentile(latencies, 99), 1)} ms`);
    }
    await Promise.all(inFlight);
    const rate = sent / ((performance.now() - start) / 1000);
    return {
      name: 'api',
      title: 'API /api/points',
      figures: {
        points: points,
        requests_per_s: round(rate, 1),
        p50_ms: round(percentile(latencies, 50), 2),
        p99_ms: round(percentile(latencies, 99), 2),
        max_ms: round(Math.max(...latencies), 2),
        errors,
      },
      targets: [
        { what: 'every request answered 200', met: errors === 0 && latencies.length === sent },
      ],
      notes: [
        'open loop, one keep-alive client; the simulators and control run in the same process',
      ],
      durationS: round((performance.now() - t0) / 1000, 1),
    };
  } finally {
    await stack.stop();
  }
};
