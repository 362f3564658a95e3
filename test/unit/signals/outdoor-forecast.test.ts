import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  forecastIntakeOf,
  OutdoorForecastStore,
  parseOutdoorForecast,
} from '../../../src/signals/outdoor-forecast';
import { formatProblems } from '../../../src/utility/table-text';

const H = 3_600_000;
const T0 = Date.parse('2026-01-15T00:00:00Z');

describe('the outdoor forecast formats', () => {
  it('reads CSV with offsets, in time order, and JSON with its issue time', () => {
    const csv = parseOutdoorForecast(
      '# from the weather service\ntime,temperature_c\n2026-01-15T02:00:00+01:00,-3.5\n2026-01-15T00:00:00Z,-4\n',
    );
    expect(csv).toEqual({
      ok: true,
      value: {
        hours: [
          { start: T0, temperatureC: -4 },
          { start: T0 + H, temperatureC: -3.5 },
        ],
      },
    });
    const json = parseOutdoorForecast(
      JSON.stringify({
        issued: '2026-01-14T18:00:00Z',
        hours: [{ time: '2026-01-15T00:00:00Z', temperatureC: -4.2 }],
      }),
    );
    expect(json).toEqual({
      ok: true,
      value: { issuedAt: T0 - 6 * H, hours: [{ start: T0, temperatureC: -4.2 }] },
    });
  });

  it('reads a European export: BOM, ; and a decimal comma, Windows line ends', () => {
    const r = parseOutdoorForecast('\uFEFFtime;temperature_c\r\n2026-01-15T00:00:00Z;-4,5\r\n');
    expect(r).toEqual({ ok: true, value: { hours: [{ start: T0, temperatureC: -4.5 }] } });
  });

  it('reads the shipped example: 48 hours of 11–12 January 2021', () => {
    const text = readFileSync(
      join(__dirname, '../../../config/examples/outdoor-forecast.csv'),
      'utf8',
    );
    const r = parseOutdoorForecast(text, 'csv');
    if (!r.ok) throw new Error(formatProblems(r.problems));
    expect(r.value.hours).toHaveLength(48);
    expect(r.value.hours[0]!.start).toBe(Date.parse('2021-01-11T00:00:00Z'));
    expect(r.value.hours.at(-1)!.start).toBe(Date.parse('2021-01-12T23:00:00Z'));
  });

  it('reports every problem of a CSV file with its line and field', () => {
    const r = parseOutdoorForecast(
      [
        'time,temperature_c',
        '2026-01-15T00:00:00Z,-4',
        '2026-01-15T01:00:00,-4', // no offset
        '2026-01-15T02:30:00Z,-4', // not an hour's start
        '2026-01-15T00:00:00Z,-3', // twice
        '2026-01-15T03:00:00Z,cold',
        '2026-01-15T04:00:00Z,',
        '2026-01-15T05:00:00Z,75', // °F?
        '2026-01-15T06:00:00Z',
      ].join('\n'),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(formatProblems(r.problems).split('\n')).toEqual([
      'line 3, time: expected a time with its UTC offset or Z (a local time is ambiguous when clocks change), e.g. 2026-01-15T14:00:00+01:00',
      'line 4, time: 2026-01-15T02:30:00Z is not the start of an hour',
      'line 5, time: this hour is already given at line 2',
      'line 6, temperature_c: expected a number, found "cold"',
      'line 7, temperature_c: missing: expected the outdoor temperature in °C',
      'line 8, temperature_c: 75 is outside -60…60 °C',
      'line 9: expected 2 cells (as the header has), found 1',
    ]);
  });

  it('reports a wrong header, an empty file and JSON problems by index and field', () => {
    const header = parseOutdoorForecast('time,temp\n2026-01-15T00:00:00Z,-4\n');
    expect(header.ok || formatProblems(header.problems)).toMatch(
      /header, temperature_c: missing column; expected columns time,temperature_c/,
    );
    const empty = parseOutdoorForecast('');
    expect(empty.ok || formatProblems(empty.problems)).toMatch(/the file is empty/);
    const noHours = parseOutdoorForecast('time,temperature_c\n');
    expect(noHours.ok || formatProblems(noHours.problems)).toBe(
      'document: no hours: expected one line per hour',
    );
    const json = parseOutdoorForecast(
      JSON.stringify({
        issued: 'yesterday',
        source: 'x',
        hours: [{ time: '2026-01-15T00:00:00Z', temperatureC: '-4' }, 5, { time: 'now' }],
      }),
    );
    expect(json.ok || formatProblems(json.problems).split('\n')).toEqual([
      'document, source: unknown field (expected hours, issued)',
      'document, issued: expected an ISO 8601 time with offset, e.g. 2026-01-15T14:00:00+01:00',
      'hours[0], temperatureC: expected a number, found "-4"',
      'hours[1]: expected an object with time, temperatureC',
      'hours[2], time: expected an ISO 8601 time with offset, e.g. 2026-01-15T14:00:00+01:00',
      'hours[2], temperatureC: missing: expected the outdoor temperature in °C',
    ]);
  });

  it('refuses more than 31 days of hours', () => {
    const lines = ['time,temperature_c'];
    for (let i = 0; i < 745; i++) lines.push(`${new Date(T0 + i * H).toISOString()},1`);
    const r = parseOutdoorForecast(lines.join('\n'));
    expect(r.ok || formatProblems(r.problems)).toBe('document: 745 hours: at most 744 (31 days)');
  });
});

describe('the outdoor forecast store', () => {
  const tz = 'Europe/Helsinki';
  const hours = [0, 1, 2, 4].map((i) => ({ start: T0 + i * H, temperatureC: -i }));

  it('gives the temperature of the hour containing an instant; a missing hour is undefined', () => {
    const store = new OutdoorForecastStore();
    expect(store.at(T0)).toBeUndefined();
    store.accept(hours, T0 - H, { source: 'file:f.csv' });
    expect(store.at(T0)).toBe(-0);
    expect(store.at(T0 + H + 59 * 60_000)).toBe(-1);
    expect(store.at(T0 + 3 * H)).toBeUndefined();
    expect(store.at(T0 - 1)).toBeUndefined();
    expect(store.receivedAt).toBe(T0 - H);
    expect(store.source).toBe('file:f.csv');
    expect(store.coverage()).toEqual({ from: T0, to: T0 + 5 * H, hours: 4 });
  });

  it('replaces a forecast whole: the old one’s later hours are gone', () => {
    const store = new OutdoorForecastStore();
    store.accept(hours, T0);
    store.accept([{ start: T0, temperatureC: 5 }], T0 + H);
    expect(store.at(T0)).toBe(5);
    expect(store.at(T0 + H)).toBeUndefined();
    expect(store.coverage()).toEqual({ from: T0, to: T0 + H, hours: 1 });
  });

  it('says why a forecast cannot be used: none, too old, not covering the current hour', () => {
    const store = new OutdoorForecastStore();
    expect(store.problemAt(T0, 12 * H, tz)).toEqual({
      kind: 'missing',
      reason: 'no outdoor-temperature forecast has been received',
    });
    const received = T0 - 11.5 * H;
    store.accept(hours, received, { source: 'file:f.csv' });
    const now = T0 + 0.5 * H;
    expect(store.problemAt(now, 12 * H, tz)).toBeUndefined();
    expect(store.problemAt(now + 1, 12 * H, tz)).toEqual({
      kind: 'stale',
      reason:
        'the outdoor-temperature forecast from file:f.csv is stale: received 2026-01-14 14:30:00 EET, more than 12 h ago',
    });
    expect(store.problemAt(T0 + 3 * H + 10, 24 * H, tz)).toEqual({
      kind: 'not-covering',
      reason:
        'the outdoor-temperature forecast from file:f.csv does not cover the current hour (2026-01-15 05:00:00 EET): it has 4 hours from 2026-01-15 02:00:00 EET to 2026-01-15 07:00:00 EET',
    });
  });

  it('counts the age from when the forecast was issued where it says: an old file read anew is still stale', () => {
    const store = new OutdoorForecastStore();
    // Issued two days ago, read just now (a restart reads a file a stopped job left behind).
    store.accept(hours, T0, { source: 'file:f.json', issuedAt: T0 - 48 * H });
    expect(store.problemAt(T0 + 0.5 * H, 12 * H, tz)).toEqual({
      kind: 'stale',
      reason:
        'the outdoor-temperature forecast from file:f.json is stale: issued 2026-01-13 02:00:00 EET, more than 12 h ago',
    });
  });

  it('takes texts through its intake: a good one with a summary and a change, a bad one changing nothing', () => {
    const store = new OutdoorForecastStore();
    let changes = 0;
    store.changes$.subscribe(() => changes++);
    const intake = forecastIntakeOf(store, () => T0, 'UTC');
    expect(intake('time,temperature_c\n2026-01-15T00:00:00Z,-4\n', 'csv', 'file:f.csv')).toEqual({
      ok: true,
      summary: '1 hours of outdoor temperature (2026-01-15 00:00:00 UTC – 2026-01-15 01:00:00 UTC)',
    });
    expect(intake('time,temperature_c\n2026-01-15T00:00:00Z,x\n', 'csv', 'file:f.csv')).toEqual({
      ok: false,
      problems: 'line 2, temperature_c: expected a number, found "x"',
    });
    expect(changes).toBe(1);
    expect(store.at(T0)).toBe(-4);
  });
});
