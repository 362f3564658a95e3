import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { PointDef } from '../src/domain/point';
import type { Sample } from '../src/domain/sample';
import { encodeLine } from '../src/historian/line-protocol';
import { sampleRecord } from '../src/historian/schema';
import { def, influxV1Config, startHistorian } from '../test/helpers/historian';
import { Influxd } from '../test/helpers/influxd';
import { round, sleep, type Bench } from './lib';

const gzip = promisify(gzipCb);

/**
 * Historian ingest into a real influxd: points per second through HeatBridge's historian (encode,
 * fsynced spool, forwarder, gzip batches of 5,000) against raw gzip line-protocol POSTs of the
 * same lines (encoded beforehand, so the ceiling does not pay for encoding) into another database
 * of the same server, each timed from the first point to the last acknowledged.
 */
export const historianBench: Bench = async ({ quick, progress }) => {
  const t0 = performance.now();
  const points = 1000;
  const rounds = quick ? 20 : 600;
  const total = points * rounds;
  const defs: PointDef[] = Array.from({ length: points }, (_, i) =>
    def(`dev${Math.floor(i / 100)}/p${i % 100}`, { unit: 'kW' }),
  );
  const base = Date.now() - 3_600_000;
  const sampleAt = (r: number, i: number): Sample => ({
    id: defs[i]!.id,
    value: r + i / points,
    ts: base + r * 1000,
    receivedAt: base + r * 1000,
    quality: 'good',
  });
  const influxd = new Influxd();
  await influxd.start();
  try {
    // Ceiling: the same lines, gzip, POST, one batch after the other.
    progress(`raw gzip POSTs of ${total} lines`);
    await influxd.series('_internal', 'CREATE DATABASE raw');
    const lines: string[] = [];
    for (let r = 0; r < rounds; r++)
      for (let i = 0; i < points; i++)
        lines.push(encodeLine(sampleRecord('bench', defs[i]!, sampleAt(r, i))));
    const rawStart = performance.now();
    for (let k = 0; k < lines.length; k += 5000) {
      const body = await gzip(lines.slice(k, k + 5000).join('\n'));
      const res = await fetch(`${influxd.url}/write?db=raw&precision=ns`, {
        method: 'POST',
        headers: { 'Content-Encoding': 'gzip' },
        body,
      });
      if (res.status !== 204) throw new Error(`raw write: ${res.status} ${await res.text()}`);
    }
    const rawRate = total / ((performance.now() - rawStart) / 1000);

    progress(`HeatBridge historian, ${total} samples`);
    const h = await startHistorian(influxV1Config(influxd.url, 'heatbridge'), defs, 'bench');
    const historian = h.running.component;
    const sent = (): number =>
      ((historian.details().sent ?? { sentLines: 0 }) as { sentLines: number }).sentLines;
    await sleep(500); // database, retention policies and continuous queries created
    const before = sent();
    const hbStart = performance.now();
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < points; i++) h.samples.next(sampleAt(r, i));
      // Let the flush timer and the forwarder run, as a stream of field samples would.
      await new Promise((resolve) => setImmediate(resolve));
    }
    while (sent() - before < total) {
      await sleep(20);
      if (performance.now() - hbStart > 600_000)
        throw new Error(`historian stuck at ${sent() - before}/${total}`);
    }
    const hbRate = total / ((performance.now() - hbStart) / 1000);
    await h.running.stop();
    const stored = await influxd.query('heatbridge', 'SELECT count("value") FROM "measurement"');
    const ratio = hbRate / rawRate;
    return {
      name: 'historian',
      title: 'Historian ingest',
      figures: {
        lines: total,
        points_per_s: round(hbRate, 0),
        stored: Number(stored[0]?.count ?? 0),
      },
      ceiling: {
        what: 'raw gzip line-protocol POSTs, batches of 5,000',
        figures: { points_per_s: round(rawRate, 0) },
      },
      ratio: round(ratio, 3),
      targets: [{ what: 'ratio ≥ 0.9', met: ratio >= 0.9 }],
      notes: [
        'HeatBridge fsyncs every flush to its spool before sending: nothing accepted is lost',
      ],
      durationS: round((performance.now() - t0) / 1000, 1),
    };
  } finally {
    await influxd.stop();
  }
};
