import { Subject, type Observable } from 'rxjs';
import { HOUR_MS } from '../utility/plan';
import type { Intake } from '../utility/plan-sources';
import {
  csvRecords,
  formatOfText,
  formatProblems,
  inFileOrder,
  issuedOf,
  jsonRecords,
  rangeProblem,
  readStart,
  reported,
  type FieldReader,
  type Parsed,
  type TableProblem,
} from '../utility/table-text';
import { siteTimeText } from '../util/site-time';
import type { OutdoorForecastHour } from './heat-signal-types';

/**
 * The hourly outdoor-temperature forecast the heat signal models the network's acceptance and
 * the dry coolers' capacity from. CSV, one line per hour:
 *
 *     time,temperature_c
 *     2026-01-15T00:00:00+01:00,-3.2
 *
 * or JSON `{ "issued": ISO, "hours": [{ "time": ISO, "temperatureC": -3.2 }] }` (`issued`
 * optional). Times are ISO 8601 with an offset or `Z`, each the start of an hour; an hour may be
 * missing (the signal is then modelled without it), none given twice. The same CSV dialects as
 * plans (`;` with a decimal comma, a byte-order mark, `#` comments). Every problem is reported
 * with its line or index and field, so a file is fixed in one go.
 */
export interface OutdoorForecast {
  issuedAt?: number;
  /** In time order. */
  hours: OutdoorForecastHour[];
}

/** Outdoor air temperatures outside this are a typo or a unit mix-up (°F, tenths of °C). */
export const FORECAST_LIMITS = {
  temperatureC: { min: -60, max: 60 },
  /** At most 31 days of hours in one forecast. */
  maxHours: 744,
} as const;

interface FieldNames {
  time: string;
  temperature: string;
}
const CSV_NAMES: FieldNames = { time: 'time', temperature: 'temperature_c' };
const JSON_NAMES: FieldNames = { time: 'time', temperature: 'temperatureC' };

/** Reads a forecast in either format (JSON when the text starts with `{`, if not given). */
export function parseOutdoorForecast(
  text: string,
  format?: 'csv' | 'json',
): Parsed<OutdoorForecast> {
  return formatOfText(text, format) === 'json' ? parseForecastJson(text) : parseForecastCsv(text);
}

export function parseForecastCsv(text: string): Parsed<OutdoorForecast> {
  const { records, problems } = csvRecords(text, [CSV_NAMES.time, CSV_NAMES.temperature], []);
  return forecastOf(records, CSV_NAMES, undefined, problems);
}

export function parseForecastJson(text: string): Parsed<OutdoorForecast> {
  const r = jsonRecords(text, 'hours', ['issued'], Object.values(JSON_NAMES));
  if ('ok' in r) return r;
  const { doc, records, problems } = r;
  const issuedAt = issuedOf(doc, problems);
  return forecastOf(records, JSON_NAMES, issuedAt, problems);
}

function forecastOf(
  records: readonly FieldReader[],
  names: FieldNames,
  issuedAt: number | undefined,
  problems: TableProblem[],
): Parsed<OutdoorForecast> {
  const hours: OutdoorForecastHour[] = [];
  const seen = new Map<number, string>();
  for (const rec of records) {
    const { at } = rec;
    const before = problems.length;
    const temperatureC = rec.num(names.temperature);
    const start = readStart(
      rec,
      names.time,
      { ms: HOUR_MS, what: 'an hour', noun: 'hour' },
      seen,
      problems,
    );
    if (temperatureC === undefined && !reported(problems, at, names.temperature))
      problems.push({
        at,
        field: names.temperature,
        message: 'missing: expected the outdoor temperature in °C',
      });
    const range =
      temperatureC === undefined
        ? undefined
        : rangeProblem(temperatureC, FORECAST_LIMITS.temperatureC, '°C');
    if (range) problems.push({ at, field: names.temperature, message: range });
    if (problems.length === before && start !== undefined && temperatureC !== undefined)
      hours.push({ start, temperatureC });
  }
  if (problems.length === 0 && hours.length === 0)
    problems.push({ at: 'document', message: 'no hours: expected one line per hour' });
  if (hours.length > FORECAST_LIMITS.maxHours)
    problems.push({
      at: 'document',
      message: `${hours.length} hours: at most ${FORECAST_LIMITS.maxHours} (31 days)`,
    });
  if (problems.length > 0) return { ok: false, problems: inFileOrder(problems) };
  hours.sort((a, b) => a.start - b.start);
  return { ok: true, value: { ...(issuedAt !== undefined ? { issuedAt } : {}), hours } };
}

/** Why the forecast cannot be used now, or undefined when it can. */
export type ForecastProblem = { kind: 'missing' | 'stale' | 'not-covering'; reason: string };

/**
 * The forecast in force: the last one received, whole (a new forecast replaces the old one, not
 * hour by hour: an old forecast's hours beyond a new one's end are older knowledge, and the age
 * the signal judges by would no longer say how old they are). In memory: the file is read again
 * at start and a polled source fetched again.
 */
export class OutdoorForecastStore {
  private byStart = new Map<number, number>();
  private sorted: OutdoorForecastHour[] = [];
  private received: number | undefined;
  private issued: number | undefined;
  private from: string | undefined;
  private readonly changes = new Subject<void>();
  /** Emits after each forecast taken. */
  readonly changes$: Observable<void> = this.changes.asObservable();

  /** Takes a forecast over; `source` says where it came from (`file:…`), for the reasons. */
  accept(
    hours: readonly OutdoorForecastHour[],
    receivedAt: number,
    opts: { issuedAt?: number; source?: string } = {},
  ): void {
    this.sorted = [...hours].sort((a, b) => a.start - b.start);
    this.byStart = new Map(this.sorted.map((h) => [h.start, h.temperatureC]));
    this.received = receivedAt;
    this.issued = opts.issuedAt;
    this.from = opts.source;
    this.changes.next();
  }

  /** The temperature of the hour containing `t`, °C; undefined when the forecast has none. */
  at(t: number): number | undefined {
    return this.byStart.get(Math.floor(t / HOUR_MS) * HOUR_MS);
  }

  /** When the forecast in force was received (epoch ms); undefined: none yet. */
  get receivedAt(): number | undefined {
    return this.received;
  }

  get issuedAt(): number | undefined {
    return this.issued;
  }

  get source(): string | undefined {
    return this.from;
  }

  /** From the first hour's start to the last hour's end; undefined: no forecast. */
  coverage(): { from: number; to: number; hours: number } | undefined {
    const first = this.sorted[0];
    const last = this.sorted.at(-1);
    if (!first || !last) return undefined;
    return { from: first.start, to: last.start + HOUR_MS, hours: this.sorted.length };
  }

  /**
   * Whether the forecast can be used at `now`: one was received, no more than `maxAgeMs` ago,
   * and it has the current hour. The reason names the times, in the site's zone.
   */
  problemAt(now: number, maxAgeMs: number, timeZone: string): ForecastProblem | undefined {
    const text = (t: number): string => siteTimeText(t, timeZone);
    const cover = this.coverage();
    if (this.received === undefined || !cover)
      return { kind: 'missing', reason: 'no outdoor-temperature forecast has been received' };
    const from = this.from ? ` from ${this.from}` : '';
    // Its age from when it was issued where it says (JSON `issued`), else from when it was read:
    // a file left by a stopped job is read anew at each start, and only `issued` tells its age.
    const since = Math.min(this.received, this.issued ?? Infinity);
    if (now - since > maxAgeMs)
      return {
        kind: 'stale',
        reason: `the outdoor-temperature forecast${from} is stale: ${since === this.received ? 'received' : 'issued'} ${text(since)}, more than ${formatHours(maxAgeMs)} ago`,
      };
    if (this.at(now) === undefined)
      return {
        kind: 'not-covering',
        reason: `the outdoor-temperature forecast${from} does not cover the current hour (${text(Math.floor(now / HOUR_MS) * HOUR_MS)}): it has ${cover.hours} hours from ${text(cover.from)} to ${text(cover.to)}`,
      };
    return undefined;
  }

  close(): void {
    this.changes.complete();
  }
}

/**
 * Forecasts from a file or a polled source into the store: validated whole, so a rejected text
 * changes nothing and the last good forecast stays in force (until it is too old).
 */
export function forecastIntakeOf(
  store: OutdoorForecastStore,
  now: () => number,
  timeZone: string,
): Intake {
  return (text, format, source) => {
    const parsed = parseOutdoorForecast(text, format);
    if (!parsed.ok) return { ok: false, problems: formatProblems(parsed.problems) };
    const { hours, issuedAt } = parsed.value;
    store.accept(hours, now(), { ...(issuedAt !== undefined ? { issuedAt } : {}), source });
    const first = hours[0]!.start;
    const last = hours.at(-1)!.start + HOUR_MS;
    return {
      ok: true,
      summary: `${hours.length} hours of outdoor temperature (${siteTimeText(first, timeZone)} – ${siteTimeText(last, timeZone)})`,
    };
  };
}

function formatHours(ms: number): string {
  const h = ms / HOUR_MS;
  return Number.isInteger(h) ? `${h} h` : `${Math.round(ms / 60_000)} min`;
}
