import { Subject, type Observable } from 'rxjs';
import {
  checkColumns,
  parseCellNumber,
  parseInstant,
  rangeProblem,
  readCsv,
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

export function parsePrices(text: string, format?: 'csv' | 'json'): Parsed<PriceEntry[]> {
  const f =
    format ??
    (text
      .replace(/^\uFEFF/, '')
      .trimStart()
      .startsWith('{')
      ? 'json'
      : 'csv');
  return f === 'json' ? parsePricesJson(text) : parsePricesCsv(text);
}

export function parsePricesCsv(text: string): Parsed<PriceEntry[]> {
  const { table, problems } = readCsv(text);
  problems.push(
    ...checkColumns(table.columns, ['time', 'electricity_eur_per_mwh'], ['heat_eur_per_mwh']),
  );
  const rows: RawPrice[] = [];
  const seen = new Map<number, string>();
  for (const row of table.rows) {
    const at = `line ${row.line}`;
    const num = (c: string): number | undefined => {
      const v = parseCellNumber(row.cells.get(c) ?? '', table.decimalComma);
      if (typeof v === 'string') problems.push({ at, field: c, message: v });
      else return v;
      return undefined;
    };
    const r = checkPrice(
      row.cells.get('time') ?? '',
      num('electricity_eur_per_mwh'),
      num('heat_eur_per_mwh'),
      at,
      { time: 'time', electricity: 'electricity_eur_per_mwh', heat: 'heat_eur_per_mwh' },
      seen,
      problems,
    );
    if (r) rows.push(r);
  }
  return finish(rows, problems);
}

export function parsePricesJson(text: string): Parsed<PriceEntry[]> {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    return {
      ok: false,
      problems: [{ at: 'document', message: `not valid JSON: ${(err as Error).message}` }],
    };
  }
  const list = (doc as { prices?: unknown } | null)?.prices;
  if (!Array.isArray(list))
    return {
      ok: false,
      problems: [{ at: 'document', message: 'expected an object { "prices": [ … ] }' }],
    };
  const problems: TableProblem[] = [];
  const rows: RawPrice[] = [];
  const seen = new Map<number, string>();
  list.forEach((p: unknown, i: number) => {
    const at = `prices[${i}]`;
    if (typeof p !== 'object' || p === null) {
      problems.push({ at, message: 'expected an object { "time": …, "electricityEurPerMWh": … }' });
      return;
    }
    const rec = p as Record<string, unknown>;
    const num = (key: string): number | undefined => {
      const v = rec[key];
      if (v === undefined || v === null) return undefined;
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      problems.push({ at, field: key, message: `expected a number, found ${JSON.stringify(v)}` });
      return undefined;
    };
    const r = checkPrice(
      typeof rec.time === 'string' ? rec.time : '',
      num('electricityEurPerMWh'),
      num('heatEurPerMWh'),
      at,
      { time: 'time', electricity: 'electricityEurPerMWh', heat: 'heatEurPerMWh' },
      seen,
      problems,
    );
    if (r) rows.push(r);
  });
  return finish(rows, problems);
}

function checkPrice(
  time: string,
  electricity: number | undefined,
  heat: number | undefined,
  at: string,
  names: { time: string; electricity: string; heat: string },
  seen: Map<number, string>,
  problems: TableProblem[],
): RawPrice | undefined {
  const before = problems.length;
  let start: number | undefined;
  if (time.trim() === '')
    problems.push({ at, field: names.time, message: 'missing: expected the time' });
  else {
    const t = parseInstant(time);
    if (typeof t === 'string') problems.push({ at, field: names.time, message: t });
    else if (t % QUARTER_MS !== 0)
      problems.push({
        at,
        field: names.time,
        message: `${time} is not the start of an hour or quarter hour`,
      });
    else if (seen.has(t))
      problems.push({
        at,
        field: names.time,
        message: `this time is already given at ${seen.get(t)}`,
      });
    else {
      seen.set(t, at);
      start = t;
    }
  }
  const reported = problems.some((p) => p.at === at && p.field === names.electricity);
  if (electricity === undefined && !reported)
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

function finish(rows: RawPrice[], problems: TableProblem[]): Parsed<PriceEntry[]> {
  if (problems.length === 0 && rows.length === 0)
    problems.push({ at: 'document', message: 'no prices' });
  if (rows.length > MAX_ROWS)
    problems.push({
      at: 'document',
      message: `${rows.length} prices: at most ${MAX_ROWS} (31 days of quarter hours)`,
    });
  if (problems.length > 0) return { ok: false, problems };
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
