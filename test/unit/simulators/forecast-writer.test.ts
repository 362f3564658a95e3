import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseForecastCsv } from '../../../src/signals/outdoor-forecast';
import { DEFAULT_WEATHER_FILE, hourlyCsvWeather } from '../../../simulators';
import { ForecastWriter, forecastCsv } from '../../../simulators/forecast-writer';

const HOUR = 3_600_000;
const weather = hourlyCsvWeather(DEFAULT_WEATHER_FILE);
const outdoorAt = (t: number): number => weather.temperatureAt(t);

describe("the simulators' weather forecast", () => {
  it('is the next 48 hours of the weather, from the hour now is in, in the heat signal format', () => {
    const now = Date.UTC(2021, 0, 11, 7, 25);
    const parsed = parseForecastCsv(forecastCsv({ outdoorAt }, now));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const hours = parsed.value.hours;
    expect(hours).toHaveLength(48);
    expect(hours[0]!.start).toBe(Date.UTC(2021, 0, 11, 7));
    expect(hours[47]!.start).toBe(Date.UTC(2021, 0, 11, 7) + 47 * HOUR);
    // Written to 0.1 K.
    for (const h of hours)
      expect(Math.abs(h.temperatureC - outdoorAt(h.start + HOUR / 2))).toBeLessThanOrEqual(
        0.05 + 1e-9,
      );
  });

  it('writes the file, creating its folder', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hb-fc-')), 'sim', 'outdoor-forecast.csv');
    const t = Date.UTC(2021, 6, 1, 12);
    const writer = new ForecastWriter({ outdoorAt, state: { t } as never }, file);
    writer.write();
    const parsed = parseForecastCsv(readFileSync(file, 'utf8'));
    expect(parsed.ok && parsed.value.hours[0]!.start).toBe(t);
  });
});
