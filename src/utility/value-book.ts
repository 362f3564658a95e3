import { isoInZone } from '../util/site-time';
import {
  BUCKET_SIZES,
  bucketStart,
  dayStart,
  HOUR_MS,
  hourStart,
  monthStart,
  nextBucketStart,
  splitByHour,
  valueOf,
  type BucketSize,
} from './value';

/**
 * The value ledger's books: what was delivered, used, earned and paid per site hour, day and
 * month. Pure (no clock, no file): the ledger feeds it intervals and saves what `toJSON` gives.
 */

/** One bucket's sums. Energies kWh, money EUR, times ms. */
export interface Tally {
  heatKwh: number;
  electricityKwh: number;
  revenueEur: number;
  costEur: number;
  /** Time in which energy flowed whose price was not known (its value is not counted). */
  unpricedMs: number;
  /** Of the energies above, what had no price. */
  unpricedHeatKwh: number;
  unpricedElectricityKwh: number;
  /** Time not integrated: an energy input unknown, or the ledger not running. */
  gapMs: number;
  /** How many such gaps began in the bucket. */
  gaps: number;
}

/** A bucket as the API and the report give it. */
export interface ValueBucket {
  /** The bucket's start, ISO 8601 with the site's offset. */
  start: string;
  startMs: number;
  heatMWh: number;
  electricityMWh: number;
  revenueEur: number;
  costEur: number;
  netEur: number;
  /** Hours (fractional) in which energy flowed without a price: its value is missing here. */
  unpricedHours: number;
  unpricedHeatMWh: number;
  unpricedElectricityMWh: number;
  /** Hours (fractional) not integrated, and how many gaps began in the bucket. */
  gapHours: number;
  gaps: number;
}

/** What held over an interval (left rectangle: the values at its start). */
export interface Held {
  /** kW; undefined: not known (bad, stale, never received). */
  heatKw: number | undefined;
  electricKw: number | undefined;
  /** EUR/MWh; undefined: no price. */
  heatPrice: number | undefined;
  electricityPrice: number | undefined;
}

/** How long each size of bucket is kept (see docs/utility.md, "Prices and value"). */
export const KEEP_MS: Record<BucketSize, number> = {
  hour: 400 * 24 * HOUR_MS,
  day: 3660 * 24 * HOUR_MS,
  month: Infinity,
};

const FIELDS = [
  'heatKwh',
  'electricityKwh',
  'revenueEur',
  'costEur',
  'unpricedMs',
  'unpricedHeatKwh',
  'unpricedElectricityKwh',
  'gapMs',
  'gaps',
] as const satisfies readonly (keyof Tally)[];

const empty = (): Tally => ({
  heatKwh: 0,
  electricityKwh: 0,
  revenueEur: 0,
  costEur: 0,
  unpricedMs: 0,
  unpricedHeatKwh: 0,
  unpricedElectricityKwh: 0,
  gapMs: 0,
  gaps: 0,
});

/**
 * The saved form (version 1): rows `[start epoch ms, ...FIELDS]`, numbers to a millionth:
 * compact for 9,600 hours (about 700 kB).
 */
export interface BookFile {
  version: 1;
  timeZone: string;
  savedAt: string;
  /** The end of the last integrated interval (UTC ISO), so a restart counts the time down. */
  lastAt: string | null;
  fields: readonly string[];
  hour: number[][];
  day: number[][];
  month: number[][];
}

export class ValueBook {
  private readonly tallies: Record<BucketSize, Map<number, Tally>> = {
    hour: new Map(),
    day: new Map(),
    month: new Map(),
  };
  /**
   * The last hour seen, its end, day and month: found once per hour rather than every step (the
   * zone's calendar costs microseconds a call; a simulated year steps half a million times).
   */
  private calendar: { hour: number; next: number; day: number; month: number } | undefined;

  constructor(readonly timeZone: string) {}

  /** Integrates [from, to) with what held over it; cut at the site's hours. */
  add(from: number, to: number, held: Held): void {
    const { heatKw, electricKw, heatPrice, electricityPrice } = held;
    const known = heatKw !== undefined && electricKw !== undefined;
    for (const piece of this.pieces(from, to)) {
      const ms = piece.to - piece.from;
      const h = ms / HOUR_MS;
      // Heat the network gives back and meter noise below zero are not sold or bought.
      const heatKwh = Math.max(heatKw ?? 0, 0) * h;
      const electricityKwh = Math.max(electricKw ?? 0, 0) * h;
      const v = valueOf({ heatKwh, electricityKwh, heatPrice, electricityPrice });
      const heatUnpriced = heatKwh > 0 && heatPrice === undefined;
      const electricityUnpriced = electricityKwh > 0 && electricityPrice === undefined;
      this.addTo(piece.hour, {
        heatKwh,
        electricityKwh,
        revenueEur: v.revenueEur,
        costEur: v.costEur,
        unpricedMs: heatUnpriced || electricityUnpriced ? ms : 0,
        unpricedHeatKwh: heatUnpriced ? heatKwh : 0,
        unpricedElectricityKwh: electricityUnpriced ? electricityKwh : 0,
        gapMs: known ? 0 : ms,
        gaps: 0,
      });
    }
  }

  /** Counts [from, to) as not integrated: one gap, begun at `from`. */
  gap(from: number, to: number): void {
    splitByHour(from, to, this.timeZone).forEach((piece, i) =>
      this.addTo(piece.hour, { ...empty(), gapMs: piece.to - piece.from, gaps: i === 0 ? 1 : 0 }),
    );
  }

  /** Counts a gap's beginning at `t` (its time is counted by `add` as it passes). */
  gapBegins(t: number): void {
    this.addTo(hourStart(t, this.timeZone), { ...empty(), gaps: 1 });
  }

  /** The tally of the bucket of that size holding `t` (zeros when none). */
  tallyAt(by: BucketSize, t: number): Tally {
    const c = this.calendarAt(t);
    const start = c ? (by === 'hour' ? c.hour : c[by]) : bucketStart(by, t, this.timeZone);
    return this.tallies[by].get(start) ?? empty();
  }

  /** The buckets of that size starting in [from, to), oldest first; only those with data. */
  buckets(by: BucketSize, from: number, to: number): ValueBucket[] {
    return [...this.tallies[by].entries()]
      .filter(([start]) => start >= from && start < to)
      .sort(([a], [b]) => a - b)
      .map(([startMs, t]) => bucketOf(startMs, t, this.timeZone));
  }

  /** Drops what is older than it is kept for (KEEP_MS) at `now`. */
  prune(now: number): void {
    for (const by of BUCKET_SIZES) {
      for (const start of this.tallies[by].keys()) {
        if (start < now - KEEP_MS[by]) this.tallies[by].delete(start);
      }
    }
  }

  size(by: BucketSize): number {
    return this.tallies[by].size;
  }

  toJSON(savedAt: number, lastAt: number | undefined): BookFile {
    const rows = (by: BucketSize): number[][] =>
      [...this.tallies[by].entries()]
        .sort(([a], [b]) => a - b)
        // A millionth of a kWh, a euro or a millisecond is no loss, and halves the file.
        .map(([start, t]) => [start, ...FIELDS.map((f) => Math.round(t[f] * 1e6) / 1e6)]);
    return {
      version: 1,
      timeZone: this.timeZone,
      savedAt: new Date(savedAt).toISOString(),
      lastAt: lastAt === undefined ? null : new Date(lastAt).toISOString(),
      fields: ['start', ...FIELDS],
      hour: rows('hour'),
      day: rows('day'),
      month: rows('month'),
    };
  }

  /**
   * A book from its saved form; throws what is wrong with it. Buckets kept in another zone are
   * taken as they are (their instants are right; days and months are that zone's) and `zone`
   * says so.
   */
  static fromJSON(
    text: string,
    timeZone: string,
  ): { book: ValueBook; lastAt: number | undefined; savedIn: string } {
    const data = JSON.parse(text) as Partial<BookFile> | null;
    if (data?.version !== 1) throw new Error('not a value ledger file (version 1)');
    const fields = data.fields;
    if (!Array.isArray(fields) || fields.join() !== ['start', ...FIELDS].join())
      throw new Error(`fields: expected ${['start', ...FIELDS].join(', ')}`);
    const book = new ValueBook(timeZone);
    for (const by of BUCKET_SIZES) {
      const rows: unknown = data[by];
      if (!Array.isArray(rows)) throw new Error(`${by}: expected a list of rows`);
      rows.forEach((row: unknown, i) => {
        if (
          !Array.isArray(row) ||
          row.length !== fields.length ||
          !row.every((x) => typeof x === 'number' && Number.isFinite(x))
        )
          throw new Error(`${by}[${i}]: expected ${fields.length} finite numbers`);
        const [start, ...values] = row as number[];
        const t = empty();
        FIELDS.forEach((f, j) => (t[f] = values[j]!));
        book.tallies[by].set(start!, t);
      });
    }
    let lastAt: number | undefined;
    if (data.lastAt !== null && data.lastAt !== undefined) {
      lastAt = Date.parse(data.lastAt);
      if (!Number.isFinite(lastAt)) throw new Error('lastAt: expected an ISO time or null');
    }
    const savedIn = typeof data.timeZone === 'string' ? data.timeZone : timeZone;
    return { book, lastAt, savedIn };
  }

  /** The calendar of the hour holding `t` when it is the one last seen. */
  private calendarAt(t: number): ValueBook['calendar'] {
    const c = this.calendar;
    return c && t >= c.hour && t < c.next ? c : undefined;
  }

  /** [from, to) cut at the hours; within the hour last seen without asking the calendar. */
  private pieces(from: number, to: number): { from: number; to: number; hour: number }[] {
    const c = this.calendarAt(from);
    return c && to <= c.next ? [{ from, to, hour: c.hour }] : splitByHour(from, to, this.timeZone);
  }

  private addTo(hour: number, inc: Tally): void {
    if (this.calendar?.hour !== hour) {
      this.calendar = {
        hour,
        next: nextBucketStart('hour', hour, this.timeZone),
        day: dayStart(hour, this.timeZone),
        month: monthStart(hour, this.timeZone),
      };
    }
    const { day, month } = this.calendar;
    for (const [by, start] of [
      ['hour', hour],
      ['day', day],
      ['month', month],
    ] as const) {
      const map = this.tallies[by];
      let t = map.get(start);
      if (!t) map.set(start, (t = empty()));
      for (const f of FIELDS) t[f] += inc[f];
    }
  }
}

function bucketOf(startMs: number, t: Tally, timeZone: string): ValueBucket {
  return {
    start: isoInZone(startMs, timeZone),
    startMs,
    heatMWh: t.heatKwh / 1000,
    electricityMWh: t.electricityKwh / 1000,
    revenueEur: t.revenueEur,
    costEur: t.costEur,
    netEur: t.revenueEur - t.costEur,
    unpricedHours: t.unpricedMs / HOUR_MS,
    unpricedHeatMWh: t.unpricedHeatKwh / 1000,
    unpricedElectricityMWh: t.unpricedElectricityKwh / 1000,
    gapHours: t.gapMs / HOUR_MS,
    gaps: t.gaps,
  };
}
