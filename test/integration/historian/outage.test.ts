import { describe, expect, it } from '@jest/globals';
import type { PointId } from '../../../src/domain/point-id';
import { stopAfterEach } from '../../helpers/cleanup';
import { eventually, eventuallyAsync } from '../../helpers/components';
import { def, influxV1Config, startHistorian } from '../../helpers/historian';
import { Influxd } from '../../helpers/influxd';
import { recentHour } from '../../helpers/server-time';

const T0 = recentHour();

const stopLater = stopAfterEach();

describe('database outages lose nothing', () => {
  it('influxd stopped for 30 s while writing steadily: every point present exactly once afterwards', async () => {
    const influxd = new Influxd();
    stopLater(influxd);
    await influxd.start();
    const h = await startHistorian(influxV1Config(influxd.url, 'hb'), [def('hp1/t')]);
    stopLater(h.running);
    let i = 0;
    const writer = setInterval(() => {
      // 20 points every 50 ms: 400/s, unique timestamps.
      for (let k = 0; k < 20; k++, i++) {
        h.samples.next({
          id: 'hp1/t' as PointId,
          value: i,
          ts: T0 + i,
          receivedAt: T0 + i,
          quality: 'good',
        });
      }
    }, 50);
    try {
      await new Promise((r) => setTimeout(r, 3000));
      await influxd.stop();
      const stoppedAt = i;
      await eventually(
        () => h.running.reports.some((r) => r.state === 'degraded'),
        10_000,
        'degraded while down',
      );
      await new Promise((r) => setTimeout(r, 30_000));
      expect(
        (h.running.component.details() as { spool: { lines: number } }).spool.lines,
      ).toBeGreaterThan((i - stoppedAt) * 0.8);
      await influxd.start();
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      clearInterval(writer);
    }
    const written = i;
    await eventuallyAsync(
      async () =>
        (await influxd.query('hb', 'SELECT count("value") FROM "measurement"'))[0]?.count ===
        written,
      60_000,
      `all ${written} points`,
    );
    // Exactly once: as many distinct values as points, none beyond the range.
    const [stats] = await influxd.query(
      'hb',
      'SELECT count("value"), min("value"), max("value"), sum("value") FROM "measurement"',
    );
    expect(stats).toMatchObject({
      count: written,
      min: 0,
      max: written - 1,
      sum: (written * (written - 1)) / 2,
    });
    expect(h.running.reports.at(-1)).toEqual({ state: 'running' });
    expect(h.running.lines()).toContainEqual(
      expect.objectContaining({ msg: 'historian database reachable again; sending the spool' }),
    );
  }, 120_000);

  it('a small spool cap with the database down drops the oldest lines only, and counts exactly what is missing', async () => {
    const influxd = new Influxd();
    stopLater(influxd);
    await influxd.start();
    const config = influxV1Config(influxd.url, 'hb', { batchSize: 500 });
    (config as { spool: { maxBytes: number } }).spool.maxBytes = 1024 * 1024;
    const h = await startHistorian(config, [def('hp1/t')]);
    stopLater(h.running);
    await eventually(() => h.running.reports.at(-1)?.state === 'running', 10_000, 'ready');
    await influxd.stop();
    // ~60 bytes a line: 40,000 lines are ~2.4 MB, over twice the 1 MiB cap.
    const total = 40_000;
    for (let i = 0; i < total; i++)
      h.samples.next({
        id: 'hp1/t' as PointId,
        value: i,
        ts: T0 + i,
        receivedAt: T0 + i,
        quality: 'good',
      });
    const details = (): { buffered: number; spool: { dropped: number; bytes: number } } =>
      h.running.component.details() as never;
    await eventually(() => details().buffered === 0, 10_000, 'every line spooled');
    const { spool } = details();
    expect(spool.bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(spool.dropped).toBeGreaterThan(0);
    await influxd.start();
    await eventuallyAsync(
      async () =>
        (await influxd.query('hb', 'SELECT count("value") FROM "measurement"'))[0]?.count ===
        total - spool.dropped,
      60_000,
      'what was kept',
    );
    const [kept] = await influxd.query(
      'hb',
      'SELECT min("value"), max("value") FROM "measurement"',
    );
    // The oldest are the ones missing, exactly `dropped` of them (the status points aside).
    expect(kept).toMatchObject({ min: spool.dropped, max: total - 1 });
    expect(h.running.lines()).toContainEqual(
      expect.objectContaining({ msg: 'spool over its size cap: dropped the oldest lines' }),
    );
  }, 120_000);
});
