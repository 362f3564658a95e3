import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PointId } from '../../../src/domain/point-id';
import { eventually, eventuallyAsync } from '../../helpers/components';
import { def, influxV1Config, startHistorian, type TestHistorian } from '../../helpers/historian';
import { Influxd } from '../../helpers/influxd';
import { recentHour } from '../../helpers/server-time';

const influxd = new Influxd();
let h: TestHistorian;
const T0 = recentHour();

beforeAll(async () => {
  await influxd.start();
  h = await startHistorian(influxV1Config(influxd.url, 'hb'), [
    def('hp1/t'),
    def('hp1/model', { kind: 'status', unit: 'text' }),
  ]);
});

afterAll(async () => {
  await h.running.stop();
  await influxd.stop();
});

const s = (id: string, value: number | string, i: number) => ({
  id: id as PointId,
  value,
  ts: T0 + i,
  receivedAt: T0 + i,
  quality: 'good' as const,
});

describe('malformed values never poison a batch', () => {
  it('refuses NaN, Infinity, huge strings and line breaks with counted reasons; the rest lands', async () => {
    h.samples.next(s('hp1/t', 1, 0));
    h.samples.next(s('hp1/t', Number.NaN, 1));
    h.samples.next(s('hp1/t', Infinity, 2));
    h.samples.next(s('hp1/t', -Infinity, 3));
    h.samples.next(s('hp1/model', 'x'.repeat(70 * 1024), 4));
    h.samples.next(s('hp1/t', 2, 5));
    h.samples.next(s('hp9/ghost', 3, 6)); // not a configured point
    // Records from other components may carry any text in tags: escaped, or refused if unsafe.
    h.records.next({
      measurement: 'alarm',
      tags: { site: 'test', alarm: 'flow, "low" = C:\\bad ünïcode', state: 'active' },
      fields: { message: 'x \\ "y"' },
      time: T0 + 7,
    });
    h.records.next({
      measurement: 'alarm',
      tags: { site: 'test', alarm: 'two\nlines' },
      fields: { message: 'x' },
      time: T0 + 8,
    });
    h.records.next({
      measurement: 'alarm',
      tags: { site: 'test', alarm: 'ends\\' },
      fields: { message: 'x' },
      time: T0 + 9,
    });
    await eventuallyAsync(
      async () =>
        (await influxd.query('hb', 'SELECT count("value") FROM "measurement"'))[0]?.count === 2,
      10_000,
      'good lines',
    );
    const details = h.running.component.details() as {
      rejected: number;
      rejectedBy: Record<string, number>;
    };
    expect(details.rejectedBy).toEqual({
      'field value is NaN, not a finite number': 1,
      'field value is Infinity, not a finite number': 1,
      'field value is -Infinity, not a finite number': 1,
      'field state is longer than 64 KiB': 1,
      'unknown point': 1,
      'tag alarm contains a line break': 1,
      'tag alarm has a backslash before a separator': 1,
    });
    // Reasons are logged once each, then counted.
    expect(
      h.running
        .lines()
        .filter((l) => l.msg === 'historian refused a record; counting further ones'),
    ).toHaveLength(7);
    await eventuallyAsync(
      async () =>
        (await influxd.query('hb', 'SELECT count("message") FROM "alarm"'))[0]?.count === 1,
      10_000,
      'alarm',
    );
    const alarms = await influxd.query('hb', 'SELECT "message", "alarm" FROM "alarm"');
    expect(alarms).toEqual([
      { time: T0 + 7, message: 'x \\ "y"', alarm: 'flow, "low" = C:\\bad ünïcode' },
    ]);
  });

  it('a line the database refuses (a field type conflict) is dropped alone; its batch lands', async () => {
    // "value" is a float in "measurement"; a string value there is refused by InfluxDB (HTTP 400).
    h.records.next({
      measurement: 'measurement',
      tags: { site: 'test', device: 'hp1', point: 'clash' },
      fields: { value: 'text' },
      time: T0 + 100,
    });
    h.samples.next(s('hp1/t', 3, 101));
    h.samples.next(s('hp1/t', 4, 102));
    await eventuallyAsync(
      async () =>
        (await influxd.query('hb', 'SELECT count("value") FROM "measurement"'))[0]?.count === 4,
      10_000,
      'neighbours landed',
    );
    await eventually(
      () =>
        (h.running.component.details() as { sent: { refusedLines: number } }).sent.refusedLines ===
        1,
      10_000,
      'refused counted',
    );
    expect(h.running.lines()).toContainEqual(
      expect.objectContaining({
        msg: 'the database refused a line; dropped it',
        line: expect.stringContaining('point=clash'),
      }),
    );
  });
});
