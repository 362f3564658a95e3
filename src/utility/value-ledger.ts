import { resolve } from 'node:path';
import {
  asyncScheduler,
  interval,
  Subject,
  Subscription,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import type { SiteConfig } from '../config';
import type { ValueConfig } from '../config/utility';
import type { PointDef } from '../domain/point';
import { parsePointId, pointId, type PointId } from '../domain/point-id';
import type { Sample } from '../domain/sample';
import { qualityAt } from '../domain/stale';
import type { Logger } from '../log';
import type { Component, ComponentContext } from '../runtime/component';
import { siteTimeText } from '../util/site-time';
import { readStateFile, StateFileWriter } from '../util/state-file';
import { rateEurPerH, type BucketSize } from './value';
import { KEEP_MS, ValueBook, type Held, type ValueBucket } from './value-book';
import { VALUE_IDS, type ValuePoint } from './value-points';

/** The utility feed's price points (src/utility/utility-points.ts). */
export const HEAT_PRICE_ID = pointId('utility', 'heat_price');
export const ELECTRICITY_PRICE_ID = pointId('utility', 'electricity_price');

export interface ValueLedgerOptions {
  /** Where the books are kept across restarts; none: in memory only (`simulate`). */
  file?: string;
  timeZone: string;
  deliveredHeat: PointId;
  /** The heat pumps' electric power points, summed. */
  electricPower: readonly PointId[];
  heatPrice?: PointId;
  electricityPrice?: PointId;
  /** Every sample; the ledger takes its inputs from it. */
  samples$: Observable<Sample>;
  /** The inputs' definitions: their stale windows say how long a value holds without news. */
  defs: ReadonlyMap<PointId, Pick<PointDef, 'staleAfterMs'>>;
  /** How often it integrates and publishes (the control cycle). */
  periodMs: number;
  /** Steps further apart than this (a stalled or suspended process) are not integrated. */
  maxGapMs?: number;
  /** How often the books are saved (and at stop). */
  saveEveryMs?: number;
  now: () => number;
  log: Logger;
  scheduler?: SchedulerLike;
}

const DEFAULT_MAX_GAP_MS = 60_000;
const DEFAULT_SAVE_EVERY_MS = 300_000;

/**
 * The value ledger (issue 22 item 3): integrates the heat delivered (the utility's meter) and the
 * heat pumps' electricity over time, times the heat and electricity prices holding then, into the
 * site's hours, days and months; keeps them in a file across restarts; publishes the value now
 * (device `value`).
 *
 * Integration: every `periodMs` on its scheduler, the interval since the last step is integrated
 * with the values that held at its start (left rectangle, i.e. sample and hold). Device values
 * hold until the next sample (a deadband only reports changes), and prices hold for their hour,
 * so the held value is the right one; a trapezoid would ramp a price step over the step it
 * arrives in. An input holds while it is good or uncertain and not stale by its point's window;
 * bad, stale or never received, it is unknown, and the time is a gap: not integrated (the known
 * energies still are) and counted. Steps further apart than `maxGapMs`, and the time HeatBridge
 * was down, are gaps too. Energy without a price is counted, its value is not (`unpriced`).
 */
export class ValueLedger implements Component {
  readonly name = 'value-ledger';
  /** The points of device `value`, every `periodMs`. */
  readonly samples$: Observable<Sample>;
  private readonly out = new Subject<Sample>();
  private book: ValueBook;
  private readonly held = new Map<PointId, Sample>();
  private readonly inputs: ReadonlySet<PointId>;
  private readonly heatPriceId: PointId;
  private readonly electricityPriceId: PointId;
  /** The last step and what held from it. */
  private last: { at: number; held: Held } | undefined;
  /** Whether the last step was in a gap (a gap is counted once, where it begins). */
  private inGap = false;
  /** The end of the integrated time in the saved file, to count the time down at a restart. */
  private restoredAt: number | undefined;
  private running: Subscription | undefined;
  private readonly published = new Map<ValuePoint, number>();
  private readonly writer: StateFileWriter | undefined;
  private ctx: ComponentContext | undefined;

  constructor(private readonly opts: ValueLedgerOptions) {
    this.book = new ValueBook(opts.timeZone);
    this.heatPriceId = opts.heatPrice ?? HEAT_PRICE_ID;
    this.electricityPriceId = opts.electricityPrice ?? ELECTRICITY_PRICE_ID;
    this.inputs = new Set([
      opts.deliveredHeat,
      ...opts.electricPower,
      this.heatPriceId,
      this.electricityPriceId,
    ]);
    this.samples$ = this.out.asObservable();
    this.writer =
      opts.file === undefined
        ? undefined
        : new StateFileWriter(opts.file, 'value ledger', opts.log);
  }

  start(ctx: ComponentContext): Promise<void> {
    this.ctx = ctx;
    this.restore();
    const scheduler = this.opts.scheduler ?? asyncScheduler;
    const running = new Subscription();
    running.add(
      this.opts.samples$.subscribe((s) => {
        if (this.inputs.has(s.id)) this.held.set(s.id, s);
      }),
    );
    running.add(interval(this.opts.periodMs, scheduler).subscribe(() => this.step()));
    if (this.writer) {
      const everyMs = this.opts.saveEveryMs ?? DEFAULT_SAVE_EVERY_MS;
      running.add(interval(everyMs, scheduler).subscribe(() => this.save()));
    }
    this.running = running;
    return Promise.resolve();
  }

  /** Saves at stop: the books end where the last step did. */
  stop(): Promise<void> {
    this.running?.unsubscribe();
    this.running = undefined;
    this.save();
    return Promise.resolve();
  }

  details(): Record<string, unknown> {
    return {
      ...this.writer?.details(),
      hours: this.book.size('hour'),
      days: this.book.size('day'),
      months: this.book.size('month'),
    };
  }

  /** The buckets of that size starting in [from, to), oldest first. */
  buckets(by: BucketSize, from: number, to: number): ValueBucket[] {
    return this.book.buckets(by, from, to);
  }

  /** One step: integrate since the last, then publish the value now. */
  step(): void {
    const now = this.opts.now();
    const held = this.heldAt(now);
    const last = this.last;
    if (last === undefined) {
      // The time HeatBridge was down (from the saved books' end to the first step): unknown.
      // Hours older than are kept need no gap counted (months down: no thousands of them).
      if (this.restoredAt !== undefined && now > this.restoredAt)
        this.book.gap(Math.max(this.restoredAt, now - KEEP_MS.hour), now);
      this.restoredAt = undefined;
    } else if (now > last.at) {
      if (now - last.at > (this.opts.maxGapMs ?? DEFAULT_MAX_GAP_MS)) {
        this.book.gap(last.at, now);
        this.inGap = false;
      } else {
        const known = last.held.heatKw !== undefined && last.held.electricKw !== undefined;
        if (!known && !this.inGap) this.book.gapBegins(last.at);
        this.inGap = !known;
        this.book.add(last.at, now, last.held);
      }
    }
    if (last === undefined || now >= last.at) this.last = { at: now, held };
    this.publish(now, held);
  }

  /** What the inputs say at `now`: good or uncertain, not stale; else unknown. */
  private heldAt(now: number): Held {
    const num = (id: PointId): number | undefined => {
      const s = this.held.get(id);
      if (!s || typeof s.value !== 'number' || !Number.isFinite(s.value)) return undefined;
      const def = this.opts.defs.get(id);
      const window = def?.staleAfterMs ?? this.opts.maxGapMs ?? DEFAULT_MAX_GAP_MS;
      const q = qualityAt(s, window, now);
      return q === 'good' || q === 'uncertain' ? s.value : undefined;
    };
    let electricKw: number | undefined = 0;
    for (const id of this.opts.electricPower) {
      const e = num(id);
      electricKw = e === undefined || electricKw === undefined ? undefined : electricKw + e;
    }
    return {
      heatKw: num(this.opts.deliveredHeat),
      electricKw,
      heatPrice: num(this.heatPriceId),
      electricityPrice: num(this.electricityPriceId),
    };
  }

  private publish(now: number, h: Held): void {
    const rate = (kw: number | undefined, price: number | undefined): number | undefined =>
      kw === undefined
        ? undefined
        : kw <= 0
          ? 0
          : price === undefined
            ? undefined
            : rateEurPerH(kw, price);
    const revenue = rate(h.heatKw, h.heatPrice);
    const cost = rate(h.electricKw, h.electricityPrice);
    const values: Record<ValuePoint, number | undefined> = {
      revenue_rate: revenue,
      cost_rate: cost,
      net_rate: revenue === undefined || cost === undefined ? undefined : revenue - cost,
      net_today: net(this.book.tallyAt('day', now)),
      net_month: net(this.book.tallyAt('month', now)),
    };
    for (const [name, value] of Object.entries(values) as [ValuePoint, number | undefined][]) {
      if (value !== undefined) this.published.set(name, value);
      this.out.next({
        id: VALUE_IDS[name],
        // A bad sample carries the last good value for display (domain/sample.ts).
        value: value ?? this.published.get(name) ?? null,
        ts: now,
        receivedAt: now,
        quality: value === undefined ? 'bad' : 'good',
      });
    }
  }

  /** Writes the books (pruned to what is kept); a failure is reported and retried next time. */
  save(): void {
    const now = this.opts.now();
    this.book.prune(now);
    const content = this.book.toJSON(now, this.last?.at ?? this.restoredAt);
    this.writer?.write(`${JSON.stringify(content)}\n`, now, this.ctx?.report.bind(this.ctx));
  }

  /** Reads the file at start (not when built: a ledger never started reads nothing). */
  private restore(): void {
    const { file, log, timeZone } = this.opts;
    if (file === undefined) return;
    const read = readStateFile(file, (text) => ValueBook.fromJSON(text, timeZone), this.opts.now());
    if (!read.found) {
      log.info({ file }, 'no saved value ledger (a first start): value counts from now');
    } else if ('error' in read) {
      log.warn(
        { file, err: read.error, ...(read.setAsideAs ? { setAsideAs: read.setAsideAs } : {}) },
        'saved value ledger unreadable: value counts from now',
      );
    } else {
      const loaded = read.value;
      this.book = loaded.book;
      this.restoredAt = loaded.lastAt;
      if (loaded.savedIn !== timeZone)
        log.warn(
          { file, savedIn: loaded.savedIn, timeZone },
          "the value ledger's days and months were kept in another time zone: those already kept stay as they were",
        );
      log.info(
        {
          file,
          hours: this.book.size('hour'),
          ...(loaded.lastAt !== undefined ? { until: siteTimeText(loaded.lastAt, timeZone) } : {}),
        },
        'value ledger continues from its saved buckets',
      );
    }
  }
}

const net = (t: { revenueEur: number; costEur: number }): number => t.revenueEur - t.costEur;

/** `utility.value` with the ledger's tuning (defaults when the config has none). */
type ValueLedgerConfig = ValueConfig & { maxGapMs?: number; saveEveryMs?: number };

/**
 * The site's value ledger, or undefined when it has no `utility.value`: then nothing is read,
 * written or published.
 */
export function valueLedgerFor(
  site: Pick<SiteConfig, 'site' | 'control' | 'utility'>,
  defs: ReadonlyMap<PointId, PointDef>,
  samples$: Observable<Sample>,
  opts: { log: Logger; now: () => number; scheduler?: SchedulerLike },
): ValueLedger | undefined {
  const cfg: ValueLedgerConfig | undefined = site.utility?.value;
  if (!cfg) return undefined;
  return new ValueLedger({
    file: resolve(cfg.stateFile),
    timeZone: site.site.timezone,
    deliveredHeat: parsePointId(cfg.deliveredHeat),
    electricPower: cfg.electricPower.map(parsePointId),
    samples$,
    defs,
    periodMs: site.control.cycleMs,
    ...(cfg.maxGapMs !== undefined ? { maxGapMs: cfg.maxGapMs } : {}),
    ...(cfg.saveEveryMs !== undefined ? { saveEveryMs: cfg.saveEveryMs } : {}),
    ...opts,
  });
}
