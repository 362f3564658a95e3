import { mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { HistorianConfig } from '../../../src/config/historian';
import type { PointId } from '../../../src/domain/point-id';
import { runCli } from '../../helpers/cli';
import { eventually, eventuallyAsync } from '../../helpers/components';
import { def, startHistorian, type TestHistorian } from '../../helpers/historian';
import { Influxd } from '../../helpers/influxd';

const dir = mkdtempSync(join(tmpdir(), 'hb-filehist-'));
const T0 = Date.UTC(2026, 10, 6, 10);
let h: TestHistorian;
const influxd = new Influxd();

const config: HistorianConfig = {
  type: 'file',
  dir,
  rotateBytes: 16 * 1024,
  maxFiles: 1000,
  flushIntervalMs: 20,
  onChangeMaxSilenceMs: 60_000,
};

beforeAll(async () => {
  h = await startHistorian(
    config,
    [def('hp1/t'), def('hp1/on', { kind: 'status', unit: 'bool' })],
    'demo',
  );
  await influxd.start();
});

afterAll(async () => {
  await h.running.stop();
  await influxd.stop();
});

describe('the embedded file historian', () => {
  it('writes line protocol to rotating files, and answers history queries from them', async () => {
    for (let i = 0; i < 2000; i++) {
      h.samples.next({
        id: 'hp1/t' as PointId,
        value: i / 10,
        ts: T0 + i * 1000,
        receivedAt: T0 + i * 1000,
        quality: 'good',
      });
    }
    h.samples.next({
      id: 'hp1/on' as PointId,
      value: true,
      ts: T0,
      receivedAt: T0,
      quality: 'good',
    });
    await eventually(
      () => (h.running.component.details() as { recorded: number }).recorded >= 2001,
      5_000,
      'recorded',
    );
    await new Promise((r) => setTimeout(r, 100));
    const files = readdirSync(dir).filter((f) => f.endsWith('.lp'));
    expect(files.length).toBeGreaterThan(5); // ~150 KB at 16 KiB per file
    const points = await h.running.component.query(def('hp1/t'), T0 + 10_000, T0 + 20_000);
    expect(points).toEqual(
      Array.from({ length: 10 }, (_, k) => ({
        t: T0 + (10 + k) * 1000,
        value: (10 + k) / 10,
        quality: 'good',
      })),
    );
    const minutes = await h.running.component.query(def('hp1/t'), T0, T0 + 120_000, 60_000);
    expect(minutes.map((p) => p.value)).toEqual([expect.closeTo(2.95, 9), expect.closeTo(8.95, 9)]);
    // A limit keeps the newest points, in time order.
    const newest = await h.running.component.query(def('hp1/t'), T0, T0 + 2_000_000, undefined, 3);
    expect(newest.map((p) => p.t)).toEqual([T0 + 1_997_000, T0 + 1_998_000, T0 + 1_999_000]);
  });

  it('skips files last written long before the range; concurrent queries get the same answer', async () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.lp'));
    const [first, ...rest] = files;
    // Pretend every file but the first was last written an hour before T0: nothing of them is read.
    const old = new Date(T0 - 3_600_000);
    for (const f of rest) utimesSync(join(dir, f), old, old);
    try {
      const range = [T0, T0 + 2_000_000] as const;
      const [a, b] = await Promise.all([
        h.running.component.query(def('hp1/t'), ...range),
        h.running.component.query(def('hp1/t'), ...range),
      ]);
      const inFirst = readFileSync(join(dir, first!), 'utf8')
        .split('\n')
        .filter((l) => l.includes('point=t'));
      expect(a).toHaveLength(inFirst.length);
      expect(b).toEqual(a);
    } finally {
      const now = new Date();
      for (const f of rest) utimesSync(join(dir, f), now, now);
    }
  });

  it('writes files that import into InfluxDB as they are', async () => {
    await fetch(`${influxd.url}/query?q=${encodeURIComponent('CREATE DATABASE imported')}`, {
      method: 'POST',
    });
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.lp'))) {
      const res = await fetch(`${influxd.url}/write?db=imported`, {
        method: 'POST',
        body: readFileSync(join(dir, f)),
      });
      expect(res.status).toBe(204);
    }
    const [c] = await influxd.query('imported', 'SELECT count("value") FROM "measurement"');
    expect(c!.count).toBe(2000);
  });

  it('heatbridge historian replay pushes the files into a configured InfluxDB', async () => {
    const site = join(dir, '..', `${readdirSync(dir).length}-site.yaml`);
    writeFileSync(
      site,
      `site: { id: demo, name: Demo }
devices: {}
historian: { type: influxdb-v1, url: '${influxd.url}', database: replayed, batchSize: 500 }
`,
    );
    const r = await runCli(['historian', 'replay', dir, '--config', site]);
    expect(r.stderr).toMatch(/files, \d+ lines sent/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /replayed 2\d{3} lines from \d+ files: 2\d{3} sent, 0 refused by the database, 0 not line protocol/,
    );
    await eventuallyAsync(
      async () =>
        (await influxd.query('replayed', 'SELECT count("value") FROM "measurement"'))[0]?.count ===
        2000,
      10_000,
      'replayed',
    );
  });

  it('replay refuses a file-historian config, and an empty folder', async () => {
    const site = join(dir, '..', 'file-site.yaml');
    writeFileSync(site, 'site: { id: demo, name: Demo }\ndevices: {}\n');
    const r = await runCli(['historian', 'replay', dir, '--config', site]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('replay needs an InfluxDB');
  });
});
