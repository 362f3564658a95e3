import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/util/project-root';

/** Outdoor temperature over time, °C. */
export interface WeatherSource {
  temperatureAt(t: number): number;
  describe(): string;
}

/** The bundled Helsinki 2021 year (FMI open data, CC BY 4.0; see simulators/data/README.md). */
export const DEFAULT_WEATHER_FILE = join(
  projectRoot(),
  'simulators',
  'data',
  'helsinki-2021-hourly-temperature.csv',
);

/** A constant temperature, for tests and what-if runs. */
export function constantWeather(tempC: number): WeatherSource {
  return { temperatureAt: () => tempC, describe: () => `constant ${tempC} °C` };
}

export interface HourlySeries extends WeatherSource {
  /** Hours (ISO timestamps) that were blank in the file and are interpolated. */
  gaps: string[];
  hours: number;
  firstHour: number;
}

/**
 * An hourly CSV (`time_utc,temperature_c`) covering one calendar year. Any time is mapped to the
 * same position in that year (so the 2021 Helsinki year drives any year), with linear
 * interpolation between hours. Blank hours are never invented silently: they are listed in
 * `gaps` for the caller to report, and bridged by interpolating between the nearest readings.
 */
export function hourlyCsvWeather(file: string): HourlySeries {
  const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const header = lines.shift()?.split(',');
  if (!header || header[0] !== 'time_utc' || header[1] !== 'temperature_c') {
    throw new Error(`${file}: expected the header "time_utc,temperature_c"`);
  }
  const times: number[] = [];
  const raw: (number | null)[] = [];
  lines.forEach((line, i) => {
    const [time, value] = line.split(',');
    const ts = Date.parse(time ?? '');
    if (Number.isNaN(ts)) throw new Error(`${file}:${i + 2}: bad time "${time}"`);
    if (times.length > 0 && ts - times[times.length - 1]! !== 3_600_000) {
      throw new Error(`${file}:${i + 2}: rows must be consecutive hours`);
    }
    times.push(ts);
    const v = value === undefined || value.trim() === '' ? null : Number(value);
    if (v !== null && !Number.isFinite(v))
      throw new Error(`${file}:${i + 2}: bad temperature "${value}"`);
    raw.push(v);
  });
  if (times.length < 24) throw new Error(`${file}: needs at least a day of hourly rows`);
  const gaps = times.filter((_, i) => raw[i] === null).map((ts) => new Date(ts).toISOString());
  const temps = bridgeGaps(raw, file);
  const first = times[0]!;
  const span = times.length * 3_600_000;
  const yearStart = Date.UTC(new Date(first).getUTCFullYear(), 0, 1);
  return {
    gaps,
    hours: times.length,
    firstHour: first,
    describe: () => `${file} (${times.length} hours, ${gaps.length} blank hours interpolated)`,
    temperatureAt(t: number): number {
      // Position within the year of t, applied to the series' year.
      const y = new Date(t).getUTCFullYear();
      const offset = t - Date.UTC(y, 0, 1);
      const pos = ((((yearStart + offset - first) % span) + span) % span) / 3_600_000;
      const i = Math.floor(pos);
      const frac = pos - i;
      const a = temps[i % temps.length]!;
      const b = temps[(i + 1) % temps.length]!;
      return a + (b - a) * frac;
    },
  };
}

function bridgeGaps(raw: (number | null)[], file: string): number[] {
  const n = raw.length;
  const out: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const v = raw[i];
    if (v !== null && v !== undefined) {
      out[i] = v;
      continue;
    }
    let before = i - 1;
    while (before >= 0 && raw[before] === null) before--;
    let after = i + 1;
    while (after < n && raw[after] === null) after++;
    if (before < 0 && after >= n) throw new Error(`${file}: no temperatures at all`);
    if (before < 0) out[i] = raw[after]!;
    else if (after >= n) out[i] = raw[before]!;
    else out[i] = raw[before]! + ((raw[after]! - raw[before]!) * (i - before)) / (after - before);
  }
  return out;
}
