import { Subject, type Observable } from 'rxjs';
import {
  csvRecords,
  formatOfText,
  inFileOrder,
  jsonRecords,
  rangeProblem,
  readStart,
  reported,
  type FieldReader,
  type Parsed,
  type TableProblem,
} from './table-text';

/**
 * Day-ahead electricity spot prices (and optionally the heat price per hour, for `simulate`
 * from a file). CSV:
 *
 *     time,electricity_eur_per_mwh,heat_eur_per_mwh
 *     2026-01-15T00:00:00+01:00,85.2,41
 *
 * or JSON `{ "prices": [{ "time", "electricityEurPerMWh", "heatEurPerMWh" }] }`. Rows are hours or
 * quarter hours (the European day-ahead market trades quarter hours since October 2025); each
 * price holds for its series' step. Spot prices can be negative.
 */
export interface PriceEntry {
  start: number;
  electricityEurPerMWh: number;
  heatEurPerMWh?: number;
  /** How long the price holds: the series' step (15 or 60 minutes). */
  stepMs: number;
}

const QUARTER_MS = 15 * 60_000;
const HOUR_MS = 3_600_000;
const PRICE_LIMITS = { min: -1000, max: 10_000 };
const MAX_ROWS = 31 * 24 * 4;

type RawPrice = { start: number; electricityEurPerMWh: number; heatEurPerMWh?: number };

/** How many rows a series may have: a month of quarter hours for a live source; `simulate` reads years. */
export interface PriceLimits {
  maxRows?: number;
}

export function parsePrices(
  text: string,
  format?: 'csv' | 'json',
  limits: PriceLimits = {},
): Parsed<PriceEntry[]> {
  return formatOfText(text, format) === 'json'
    ? parsePricesJson(text, limits)
    : parsePricesCsv(text, limits);
}

interface PriceNames {
  time: string;
  electricity: string;
  heat: string;
}
const CSV_NAMES: PriceNames = {
  time: 'time',
  electricity: 'electricity_eur_per_mwh',
  heat: 'heat_eur_per_mwh',
};
const JSON_NAMES: PriceNames = {
  time: 'time',
  electricity: 'electricityEurPerMWh',
  heat: 'heatEurPerMWh',
};

export function parsePricesCsv(text: string, limits: PriceLimits = {}): Parsed<PriceEntry[]> {
  const { records, problems } = csvRecords(
    text,
    [CSV_NAMES.time, CSV_NAMES.electricity],
    [CSV_NAMES.heat],
  );
  return pricesOf(records, CSV_NAMES, problems, limits.maxRows ?? MAX_ROWS);
}

export function parsePricesJson(text: string, limits: PriceLimits = {}): Parsed<PriceEntry[]> {
  const r = jsonRecords(text, 'prices', [], Object.values(JSON_NAMES));
  if ('ok' in r) return r;
  return pricesOf(r.records, JSON_NAMES, r.problems, limits.maxRows ?? MAX_ROWS);
}

function pricesOf(
  records: readonly FieldReader[],
  names: PriceNames,
  problems: TableProblem[],
  maxRows: number,
): Parsed<PriceEntry[]> {
  const rows: RawPrice[] = [];
  const seen = new Map<number, string>();
  for (const rec of records) {
    const r = checkPrice(rec, names, seen, problems);
    if (r) rows.push(r);
  }
  return finish(rows, problems, maxRows);
}

function checkPrice(
  rec: FieldReader,
  names: PriceNames,
  seen: Map<number, string>,
  problems: TableProblem[],
): RawPrice | undefined {
  const { at } = rec;
  const before = problems.length;
  const electricity = rec.num(names.electricity);
  const heat = rec.num(names.heat);
  const start = readStart(
    rec,
    names.time,
    { ms: QUARTER_MS, what: 'an hour or quarter hour', noun: 'time' },
    seen,
    problems,
  );
  if (electricity === undefined && !reported(problems, at, names.electricity))
    problems.push({
      at,
      field: names.electricity,
      message: 'missing: expected the price in EUR/MWh',
    });
  for (const [field, v] of [
    [names.electricity, electricity],
    [names.heat, heat],
  ] as const) {
    const problem = v === undefined ? undefined : rangeProblem(v, PRICE_LIMITS, 'EUR/MWh');
    if (problem) problems.push({ at, field, message: problem });
  }
  if (problems.length > before || start === undefined || electricity === undefined)
    return undefined;
  return {
    start,
    electricityEurPerMWh: electricity,
    ...(heat !== undefined ? { heatEurPerMWh: heat } : {}),
  };
}

function finish(rows: RawPrice[], problems: TableProblem[], maxRows: number): Parsed<PriceEntry[]> {
  if (problems.length === 0 && rows.length === 0)
    problems.push({ at: 'document', message: 'no prices' });
  if (rows.length > maxRows)
    problems.push({
      at: 'document',
      message: `${rows.length} prices: at most ${maxRows}${maxRows === MAX_ROWS ? ' (31 days of quarter hours)' : ''}`,
    });
  if (problems.length > 0) return { ok: false, problems: inFileOrder(problems) };
  rows.sort((a, b) => a.start - b.start);
  // The step is the smallest gap: an hourly series with a missing hour still holds each price
  // for an hour, never across the gap.
  let step = HOUR_MS;
  for (let i = 1; i < rows.length; i++) step = Math.min(step, rows[i]!.start - rows[i - 1]!.start);
  return { ok: true, value: rows.map((r) => ({ ...r, stepMs: step })) };
}

/**
 * The prices known, merged by time as series arrive (a newer series replaces the times it
 * covers), with the past beyond `keepPastMs` dropped. In memory: a file is read again at start
 * and a polled source fetched again.
 */
export class PriceSeries {
  private readonly byStart = new Map<number, PriceEntry>();
  private sorted: PriceEntry[] = [];
  private readonly changes = new Subject<void>();
  readonly changes$: Observable<void> = this.changes.asObservable();

  constructor(
    private readonly now: () => number,
    private readonly keepPastMs = 7 * 24 * HOUR_MS,
  ) {}

  accept(entries: readonly PriceEntry[]): void {
    for (const e of entries) this.byStart.set(e.start, e);
    const oldest = this.now() - this.keepPastMs;
    for (const [start, e] of this.byStart)
      if (start + e.stepMs < oldest) this.byStart.delete(start);
    this.sorted = [...this.byStart.values()].sort((a, b) => a.start - b.start);
    this.changes.next();
  }

  /** The price in effect at `t`, or undefined when the series has none for then. */
  at(t: number): PriceEntry | undefined {
    let lo = 0;
    let hi = this.sorted.length - 1;
    let found: PriceEntry | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const e = this.sorted[mid]!;
      if (e.start <= t) {
        found = e;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found && t < found.start + found.stepMs ? found : undefined;
  }

  /** The prices starting in [from, to), in time order. */
  entries(from: number, to: number): PriceEntry[] {
    return this.sorted.filter((e) => e.start >= from && e.start < to);
  }

  close(): void {
    this.changes.complete();
  }
}
