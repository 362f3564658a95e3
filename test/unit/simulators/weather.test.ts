import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_WEATHER_FILE, hourlyCsvWeather } from '../../../simulators/weather';

describe('hourly weather series', () => {
  it('reads the bundled Helsinki 2021 year and reports its blank hours instead of hiding them', () => {
    const w = hourlyCsvWeather(DEFAULT_WEATHER_FILE);
    expect(w.hours).toBe(8760);
    expect(w.gaps).toHaveLength(7);
    expect(w.gaps[0]).toBe('2021-06-06T05:00:00.000Z');
    // A real reading, at the hour and mapped from another year.
    expect(w.temperatureAt(Date.UTC(2021, 0, 1, 0))).toBeCloseTo(0.4, 6);
    expect(w.temperatureAt(Date.UTC(2026, 0, 1, 0))).toBeCloseTo(0.4, 6);
    expect(w.temperatureAt(Date.UTC(2021, 0, 1, 0, 30))).toBeCloseTo(0.55, 6); // halfway to 0.7
  });

  it('interpolates a blank hour between its neighbours', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-weather-'));
    const file = join(dir, 'w.csv');
    const rows = Array.from({ length: 24 }, (_, h) => {
      const t = new Date(Date.UTC(2021, 0, 1, h)).toISOString().replace('.000', '');
      return `${t},${h === 5 ? '' : h}`;
    });
    writeFileSync(file, ['time_utc,temperature_c', ...rows].join('\n'));
    const w = hourlyCsvWeather(file);
    expect(w.gaps).toEqual(['2021-01-01T05:00:00.000Z']);
    expect(w.temperatureAt(Date.UTC(2021, 0, 1, 5))).toBeCloseTo(5, 6);
  });

  it('refuses a malformed file with the line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-weather-'));
    const file = join(dir, 'bad.csv');
    writeFileSync(
      file,
      'time_utc,temperature_c\n2021-01-01T00:00:00Z,1\n2021-01-01T01:00:00Z,warm\n',
    );
    expect(() => hourlyCsvWeather(file)).toThrow(`${file}:3: bad temperature "warm"`);
    writeFileSync(file, 'when,temp\n');
    expect(() => hourlyCsvWeather(file)).toThrow('expected the header');
  });
});
