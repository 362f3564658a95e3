import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../src/util/atomic-file';
import { HOUR_MS } from '../src/utility/plan';
import type { Simulation } from './simulation';

/** Hours written ahead: the heat signal's longest horizon. */
export const FORECAST_HOURS = 48;

/**
 * The simulated site's weather service: the next 48 hours of the plant's own weather as an
 * outdoor-temperature forecast file (CSV `time,temperature_c`, the heat signal's format), so the
 * demo's heat signal has a forecast to work on. A perfect forecast: real ones err by a kelvin or
 * two a day ahead.
 */
export function forecastCsv(sim: Pick<Simulation, 'outdoorAt'>, now: number): string {
  const first = Math.floor(now / HOUR_MS) * HOUR_MS;
  const rows = ['time,temperature_c'];
  for (let i = 0; i < FORECAST_HOURS; i++) {
    const t = first + i * HOUR_MS;
    // The hour's middle stands for the hour.
    rows.push(`${new Date(t).toISOString()},${sim.outdoorAt(t + HOUR_MS / 2).toFixed(1)}`);
  }
  return `${rows.join('\n')}\n`;
}

/** Writes the forecast file now and, while running, every `everyMs` of wall-clock time. */
export class ForecastWriter {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sim: Pick<Simulation, 'outdoorAt' | 'state'>,
    private readonly file: string,
    private readonly everyMs = 10 * 60_000,
  ) {}

  write(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileAtomic(this.file, forecastCsv(this.sim, this.sim.state.t));
  }

  start(): void {
    this.write();
    this.timer = setInterval(() => {
      try {
        this.write();
      } catch {
        // A full disk or a removed folder: the heat signal says its forecast is stale.
      }
    }, this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
