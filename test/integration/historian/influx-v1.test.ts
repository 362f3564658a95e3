import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import { InfluxV1Backend } from '../../../src/historian/backends/influx-v1';
import { eventually, eventuallyAsync } from '../../helpers/components';
import { def, influxV1Config, startHistorian, type TestHistorian } from '../../helpers/historian';
import { Influxd } from '../../helpers/influxd';
import { recentHour } from '../../helpers/server-time';
import { memoryLogger } from '../../helpers/logger';

const influxd = new Influxd();
let h: TestHistorian;
const T0 = recentHour() + 123; // a whole hour and 123 ms: exact millisecond round trips

const defs = [
  def('hp1/condenser_out_temp'),
  def('hp1/load_setpoint', {
    kind: 'setpoint',
    unit: '%',
    access: 'rw',
    bounds: { min: 0, max: 100 },
  }),
  def('hp1/running', { kind: 'status', unit: 'bool' }),
  def('hp1/model', { kind: 'status', unit: 'text' }),
  def('dh/energy', { unit: 'kWh', historian: { mode: 'on-change', deadband: 0.5 } }),
];

const sample = (
  id: string,
  value: Sample['value'],
  i: number,
  quality: Sample['quality'] = 'good',
): Sample => ({
  id: id as PointId,
  value,
  ts: T0 + i * 1000,
  receivedAt: T0 + i * 1000 + 7,
  quality,
});

beforeAll(async () => {
  await influxd.start();
  h = await startHistorian(influxV1Config(influxd.url, 'hb'), defs);
});

afterAll(async () => {
  await h.running.stop();
  await influxd.stop();
});

async function count(q: string): Promise<number> {
  const rows = await influxd.query('hb', q);
  return Number(rows[0]?.count ?? 0);
}

describe('InfluxDB 1.x historian against a real influxd', () => {
  it('creates the database, its retention policies and the downsampling continuous queries', async () => {
    await eventually(() => h.running.reports.at(-1)?.state === 'running', 10_000, 'ready');
    const rps = await influxd.query('hb', 'SHOW RETENTION POLICIES ON "hb"');
    expect(rps.map((r) => [r.name, r.duration, r.default])).toEqual(
      expect.arrayContaining([
        ['raw', '720h0m0s', true],
        ['rp_1m', '9600h0m0s', false],
        ['rp_1h', '0s', false],
      ]),
    );
    const cqs = JSON.stringify(await influxd.query('hb', 'SHOW CONTINUOUS QUERIES'));
    expect(cqs).toContain('hb_1m');
    expect(cqs).toContain('GROUP BY time(1m)');
    expect(cqs).toContain('hb_1h');
  });

  it('round-trips values, tags, timestamps and quality exactly', async () => {
    h.samples.next(sample('hp1/condenser_out_temp', 74.25, 0));
    h.samples.next(sample('hp1/condenser_out_temp', 74.5, 1, 'uncertain'));
    h.samples.next(sample('hp1/condenser_out_temp', 74.5, 2, 'stale'));
    h.samples.next(sample('hp1/load_setpoint', 55, 0));
    h.samples.next(sample('hp1/running', true, 0));
    h.samples.next(sample('hp1/model', 'HP-1200 "Nordic", rev=2', 0));
    h.samples.next(sample('hp1/condenser_out_temp', null, 3, 'bad'));
    await eventuallyAsync(
      async () => (await count('SELECT count("state") FROM "measurement"')) === 1,
      10_000,
      'sent',
    );
    const rows = await influxd.query(
      'hb',
      'SELECT * FROM "measurement" WHERE "point" = \'condenser_out_temp\' ORDER BY time',
    );
    expect(
      rows.map((r) => [r.time, r.value, r.state, r.quality, r.site, r.device, r.unit]),
    ).toEqual([
      [T0, 74.25, null, 'good', 'test', 'hp1', 'degC'],
      [T0 + 1000, 74.5, null, 'uncertain', 'test', 'hp1', 'degC'],
      // Stale and bad samples are stamped when they were noticed (receivedAt).
      [T0 + 2007, 74.5, null, 'stale', 'test', 'hp1', 'degC'],
      [T0 + 3007, null, 'no value', 'bad', 'test', 'hp1', 'degC'],
    ]);
    expect(await influxd.query('hb', 'SELECT "value" FROM "setpoint"')).toEqual([
      { time: T0, value: 55 },
    ]);
    expect(
      await influxd.query('hb', 'SELECT "value", "unit" FROM "status" WHERE "point" = \'running\''),
    ).toEqual([{ time: T0, value: 1, unit: 'bool' }]);
    expect(
      await influxd.query('hb', 'SELECT "state" FROM "status" WHERE "point" = \'model\''),
    ).toEqual([{ time: T0, state: 'HP-1200 "Nordic", rev=2' }]);
  });

  it('answers history queries, raw and averaged, for the API', async () => {
    const backend = new InfluxV1Backend({
      url: influxd.url,
      database: 'hb',
      retention: { raw: '30d', minute: '400d', hour: 'INF' },
      downsample: true,
      timeoutMs: 5000,
      log: memoryLogger().log,
    });
    const q = {
      measurement: 'measurement' as const,
      site: 'test',
      device: 'hp1',
      point: 'condenser_out_temp',
      from: T0,
      to: T0 + 2000,
    };
    expect(await backend.query(q)).toEqual([
      { t: T0, value: 74.25, quality: 'good' },
      { t: T0 + 1000, value: 74.5, quality: 'uncertain' },
    ]);
    // One 10-s window from the epoch: T0 (…:00.123) and T0+1 s fall in the same window.
    const avg = await backend.query({ ...q, everyMs: 10_000 });
    expect(avg).toEqual([{ t: Math.floor(T0 / 10_000) * 10_000, value: 74.375 }]);
    // A limit keeps the newest, in time order.
    expect(await backend.query({ ...q, limit: 1 })).toEqual([
      { t: T0 + 1000, value: 74.5, quality: 'uncertain' },
    ]);
    // A quote in the point name is a value, not InfluxQL.
    expect(await backend.query({ ...q, point: "x' OR 1=1 --" })).toEqual([]);
  });

  it('records the audit trail of writes', async () => {
    h.writes.next({
      command: {
        id: 'hp1/load_setpoint' as PointId,
        value: 150,
        reason: 'more heat',
        actor: { kind: 'user', name: 'alice' },
      },
      status: 'written',
      value: 100,
      adjusted: ['clamped from 150.0 to the maximum 100.0'],
      at: T0 + 5000,
    });
    await eventuallyAsync(
      async () => (await count('SELECT count("actor") FROM "audit"')) === 1,
      10_000,
      'sent',
    );
    expect(
      await influxd.query(
        'hb',
        'SELECT "actor", "reason", "requested", "value", "adjusted", "status" FROM "audit"',
      ),
    ).toEqual([
      {
        time: T0 + 5000,
        actor: 'user:alice',
        reason: 'more heat',
        requested: 150,
        value: 100,
        adjusted: 'clamped from 150.0 to the maximum 100.0',
        status: 'written',
      },
    ]);
  });

  it('records on-change points only when they move beyond their deadband', async () => {
    [100, 100.2, 100.4, 101, 101.1].forEach((v, i) =>
      h.samples.next(sample('dh/energy', v, 10 + i)),
    );
    await eventually(
      () => (h.running.component.details() as { skipped: number }).skipped >= 3,
      5_000,
      'skipped',
    );
    await eventuallyAsync(
      async () =>
        (await count('SELECT count("value") FROM "measurement" WHERE "point" = \'energy\'')) === 2,
      10_000,
      'two recorded',
    );
  });

  it('downsamples with the continuous queries’ SELECTs', async () => {
    const backend = new InfluxV1Backend({
      url: influxd.url,
      database: 'hb',
      retention: { raw: '30d', minute: '400d', hour: 'INF' },
      downsample: true,
      timeoutMs: 5000,
      log: memoryLogger().log,
    });
    const { minute } = backend.downsampleQueries();
    await influxd.query(
      'hb',
      `${minute} WHERE time >= ${T0 - 60_000}ms AND time < ${T0 + 60_000}ms GROUP BY time(1m), *`,
    );
    const rows = await influxd.query(
      'hb',
      'SELECT "value", "min", "max" FROM "rp_1m"."measurement" WHERE "point" = \'condenser_out_temp\' AND "quality" = \'good\'',
    );
    expect(rows).toEqual([
      { time: Math.floor(T0 / 60_000) * 60_000, value: 74.25, min: 74.25, max: 74.25 },
    ]);
  });

  it('with a send delay, gathers several flushes into one request and still sends them', async () => {
    const delayed = await startHistorian(
      influxV1Config(influxd.url, 'hb_delayed', { sendDelayMs: 1500 }),
      defs,
    );
    try {
      await eventually(() => delayed.running.reports.at(-1)?.state === 'running', 10_000, 'ready');
      const sent = (): { sentBatches: number; sentLines: number } =>
        ({ ...(delayed.running.component.details().sent as object) }) as {
          sentBatches: number;
          sentLines: number;
        };
      const before = sent();
      // Six flushes' worth (50 ms each), well inside the delay.
      for (let i = 0; i < 6; i++) {
        delayed.samples.next(sample('hp1/condenser_out_temp', 60 + i, i));
        await new Promise((r) => setTimeout(r, 60));
      }
      // Stored, and the forwarder has had influxd's answer: influxd makes the points queryable
      // before our side has read its 204 (a loaded machine showed them stored and 0 sent).
      await eventuallyAsync(
        async () =>
          sent().sentLines - before.sentLines >= 6 &&
          (await influxd.query('hb_delayed', 'SELECT count("value") FROM "measurement"'))[0]
            ?.count === 6,
        10_000,
        'the six samples sent and stored',
      );
      const after = sent();
      expect(after.sentLines - before.sentLines).toBe(6);
      // One request, or two if the machine stalled past the delay mid-way: never one per flush.
      expect(after.sentBatches - before.sentBatches).toBeLessThanOrEqual(2);
    } finally {
      await delayed.running.stop();
    }
  });
});
