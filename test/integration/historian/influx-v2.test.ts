import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Secret } from '../../../src/config';
import type { HistorianConfig } from '../../../src/config/historian';
import type { PointId } from '../../../src/domain/point-id';
import { eventually, eventuallyAsync } from '../../helpers/components';
import { def, startHistorian, type TestHistorian } from '../../helpers/historian';
import { VictoriaMetrics } from '../../helpers/influxd';
import { recentHour } from '../../helpers/server-time';

/**
 * The InfluxDB 2.x client's write path (/api/v2/write with a token, gzip) against a real server
 * that speaks it: Debian's VictoriaMetrics (InfluxDB 1.6.7 has no /api/v2/write). VictoriaMetrics
 * stores each field as a series named <measurement>_<field>, with the tags as labels.
 */
const vm = new VictoriaMetrics();
let h: TestHistorian;
const T0 = recentHour();

beforeAll(async () => {
  await vm.start();
  const config: HistorianConfig = {
    type: 'influxdb-v2',
    url: vm.url,
    org: 'utility',
    bucket: 'heat',
    token: new Secret('not-checked-by-victoria-metrics', 'test'),
    flushIntervalMs: 50,
    onChangeMaxSilenceMs: 60_000,
    batchSize: 5000,
    timeoutMs: 5000,
    sendDelayMs: 0,
    spool: { dir: mkdtempSync(join(tmpdir(), 'hb-spool-')), maxBytes: 64 * 1024 * 1024 },
    reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
  };
  h = await startHistorian(
    config,
    [def('hp1/condenser_out_temp'), def('hp1/running', { kind: 'status', unit: 'bool' })],
    'v2site',
  );
});

afterAll(async () => {
  await h.running.stop();
  await vm.stop();
});

describe('InfluxDB 2.x write path (@influxdata/influxdb-client) against VictoriaMetrics', () => {
  it('writes values, tags and timestamps that arrive exactly', async () => {
    for (let i = 0; i < 100; i++) {
      h.samples.next({
        id: 'hp1/condenser_out_temp' as PointId,
        value: 70 + i / 4,
        ts: T0 + i * 1000,
        receivedAt: T0 + i * 1000,
        quality: 'good',
      });
    }
    h.samples.next({
      id: 'hp1/running' as PointId,
      value: true,
      ts: T0,
      receivedAt: T0,
      quality: 'good',
    });
    await eventuallyAsync(
      async () => (await vm.export('{__name__="measurement_value"}'))[0]?.values.length === 100,
      20_000,
      '100 points',
    );
    const [series] = await vm.export('{__name__="measurement_value"}');
    expect(series!.metric).toMatchObject({
      site: 'v2site',
      device: 'hp1',
      point: 'condenser_out_temp',
      unit: 'degC',
      quality: 'good',
    });
    expect(series!.timestamps).toEqual(Array.from({ length: 100 }, (_, i) => T0 + i * 1000));
    expect(series!.values).toEqual(Array.from({ length: 100 }, (_, i) => 70 + i / 4));
    // Beside the historian's own status series: pick the one written here.
    const [running] = await vm.export('{__name__="status_value",point="running"}');
    expect(running).toMatchObject({
      metric: { point: 'running', unit: 'bool' },
      values: [1],
      timestamps: [T0],
    });
  });

  it('spools while the server is down and delivers after', async () => {
    await vm.stop();
    for (let i = 0; i < 50; i++) {
      h.samples.next({
        id: 'hp1/condenser_out_temp' as PointId,
        value: 1000 + i,
        ts: T0 + 200_000 + i,
        receivedAt: T0 + 200_000 + i,
        quality: 'good',
      });
    }
    await eventually(
      () => h.running.reports.some((r) => r.state === 'degraded'),
      10_000,
      'degraded',
    );
    expect(h.running.reports.find((r) => r.state === 'degraded')!.message).toMatch(
      /database unavailable/,
    );
    expect(
      (h.running.component.details() as { spool: { lines: number } }).spool.lines,
    ).toBeGreaterThanOrEqual(50);
    await vm.start(); // same port, same data folder
    await eventuallyAsync(
      async () =>
        (await vm.export('{__name__="measurement_value"}'))[0]?.values.filter((v) => v >= 1000)
          .length === 50,
      30_000,
      'the spooled points',
    );
    await eventually(() => h.running.reports.at(-1)?.state === 'running', 10_000, 'running again');
  });
});
