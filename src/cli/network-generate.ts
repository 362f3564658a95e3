import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  generateNetworkSeries,
  networkSeriesCsv,
  priceSeriesCsv,
} from '../simulation/network-generator';
import { DEFAULT_WEATHER_FILE, hourlyCsvWeather, type HourlySeries } from '../../simulators';
import type { Io } from './commands';

export interface NetworkGenerateFlags {
  weather?: string;
  out: string;
  peakKw?: number;
  maxSupplyC?: number;
  minSupplyC?: number;
  /** First day written, YYYY-MM-DD (UTC); default the weather's first hour. */
  from?: string;
  days?: number;
  timezone?: string;
  seed?: number;
  /** Also write a synthetic day-ahead price file for the same hours. */
  pricesOut?: string;
}

const HOUR_MS = 3_600_000;

/**
 * `heatbridge network generate`: an hourly network series (demand, feed and return temperature)
 * from an outdoor-temperature year, for `simulate --network`. The whole weather year is
 * generated and then cut to `--from`/`--days`, so a two-week file has exactly the hours of the
 * year's file (the curve follows a smoothed outdoor temperature that needs the hours before).
 */
export async function networkGenerateCommand(flags: NetworkGenerateFlags, io: Io): Promise<number> {
  const weatherFile = flags.weather ?? DEFAULT_WEATHER_FILE;
  let weather: HourlySeries;
  try {
    weather = hourlyCsvWeather(weatherFile);
  } catch (err) {
    io.err(`${weatherFile}: ${(err as Error).message}`);
    return 1;
  }
  const from = flags.from === undefined ? weather.firstHour : Date.parse(`${flags.from}T00:00:00Z`);
  if (Number.isNaN(from)) {
    io.err(`--from: expected a date YYYY-MM-DD, got "${flags.from}"`);
    return 2;
  }
  const timeZone = flags.timezone ?? 'Europe/Helsinki';
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    io.err(`--timezone: unknown time zone "${timeZone}"`);
    return 2;
  }
  let series;
  try {
    series = generateNetworkSeries(
      Array.from({ length: weather.hours }, (_, i) => {
        const t = weather.firstHour + i * HOUR_MS;
        return { t, outdoorC: weather.temperatureAt(t) };
      }),
      {
        timeZone,
        ...(flags.peakKw !== undefined ? { peakKw: flags.peakKw } : {}),
        ...(flags.maxSupplyC !== undefined ? { maxSupplyC: flags.maxSupplyC } : {}),
        ...(flags.minSupplyC !== undefined ? { minSupplyC: flags.minSupplyC } : {}),
        ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
      },
    );
  } catch (err) {
    io.err((err as Error).message);
    return 2;
  }
  const until = flags.days === undefined ? Infinity : from + Math.round(flags.days * 24) * HOUR_MS;
  const rows = series.filter((r) => r.t >= from && r.t < until);
  if (rows.length === 0) {
    io.err(`no hours of ${weatherFile} fall in the period asked for`);
    return 1;
  }
  try {
    await write(flags.out, networkSeriesCsv(rows));
    if (flags.pricesOut) await write(flags.pricesOut, priceSeriesCsv(rows, timeZone));
  } catch (err) {
    io.err(`could not write: ${(err as Error).message}`);
    return 1;
  }
  const supply = rows.map((r) => r.supplyC);
  io.out(
    `${resolve(flags.out)}: ${rows.length} hours from ${new Date(rows[0]!.t).toISOString()}, ` +
      `feed ${Math.min(...supply)}–${Math.max(...supply)} °C, ` +
      `demand up to ${Math.max(...rows.map((r) => r.demandKw)).toLocaleString('en')} kW` +
      (flags.pricesOut ? `; prices: ${resolve(flags.pricesOut)}` : ''),
  );
  return 0;
}

async function write(file: string, text: string): Promise<void> {
  await mkdir(dirname(resolve(file)), { recursive: true });
  await writeFile(file, text);
}
