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
import { recentHour } from '../../helpers/server-time';

const dir = mkdtempSync(join(tmpdir(), 'hb-filehist-'));
const T0 = recentHour();
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
      () => {
        const d = h.running.component.details() as { recorded: number; buffered: number };
        return d.recorded >= 2001 && d.buffered === 0;
      },
      10_000,
      'recorded and on disk',
    );
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

  it('reads only the files whose lines reach into the range, whatever their file times say', async () => {
    const seq = (f: string): number => Number(/-(\d+)\.lp$/.exec(f)![1]);
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.lp'))
      .sort((x, y) => seq(x) - seq(y));
    const linesOf = (f: string): string[] =>
      readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean);
    const timeOf = (line: string): number => Number(line.slice(line.lastIndexOf(' ') + 1, -6));
    // The range of the last file's points of hp1/t.
    const inLast = linesOf(files.at(-1)!).filter((l) => l.includes('point=t'));
    const from = timeOf(inLast[0]!);
    const to = T0 + 2_000_000;
    // What a reader must open: the files with a line in [from, to), or lines on both sides of
    // it (the historian's own status points are stamped with the wall clock, after the range).
    const overlapping = files.filter((f) => {
      const times = linesOf(f).map(timeOf);
      return Math.max(...times) >= from && Math.min(...times) < to;
    }).length;
    expect(overlapping).toBeLessThan(files.length / 2);
    // File times claim every file was written long ago (and then that all were written now):
    // neither changes what is read, since the spans come from the lines themselves.
    for (const stamp of [new Date(T0 - 3_600_000 * 24 * 30), new Date()]) {
      for (const f of files) utimesSync(join(dir, f), stamp, stamp);
      const stats = (): { filesRead: number; filesSkipped: number } =>
        (h.running.component.details() as { backend: { filesRead: number; filesSkipped: number } })
          .backend;
      const before = stats();
      const [a, b] = await Promise.all([
        h.running.component.query(def('hp1/t'), from, to),
        h.running.component.query(def('hp1/t'), from, to),
      ]);
      expect(a).toHaveLength(inLast.length);
      expect(a[0]!.t).toBe(from);
      expect(b).toEqual(a);
      const after = stats();
      // Once per query each.
      expect(after.filesRead - before.filesRead).toBe(2 * overlapping);
      expect(after.filesSkipped - before.filesSkipped).toBe(2 * (files.length - overlapping));
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
