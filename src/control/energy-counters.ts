import { siteDate } from '../util/site-time';
import {
  asyncScheduler,
  filter,
  interval,
  Subject,
  type Observable,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import { resolve } from 'node:path';
import type { SiteConfig } from '../config';
import type { PointDef } from '../domain/point';
import { pointId, splitPointId, type PointId } from '../domain/point-id';
import type { Sample } from '../domain/sample';
import type { Logger } from '../log';
import type { Component, ComponentContext } from '../runtime/component';
import { writeFileAtomic } from '../util/atomic-file';
import { readStateFile } from '../util/state-file';
import { siteTimeText } from '../util/site-time';

/**
 * The derived points that count since the counters began: the energy integrals and the ratios
 * made of them. The derived controller continues from their last values (derived.ts, `resumed`).
 */
export const COUNTER_POINTS = [
  'recovered_energy',
  'delivered_energy',
  'hp_electric_energy',
  'facility_energy',
  'cop_running',
  'erf',
] as const;

/** What the state file holds (version 1). Times are UTC ISO: stored data stays UTC. */
interface CounterFile {
  version: 1;
  /** When the counters began (the first start with no saved counters). */
  since: string;
  savedAt: string;
  values: Record<string, number>;
  /** The counters at the start of the site's day, so "today" survives a restart too. */
  day?: { date: string; at: string; values: Record<string, number> };
}

export interface DayStart {
  /** The site's date, YYYY-MM-DD. */
  date: string;
  /** When today's figures start: local midnight's first cycle, or a later (re)start. */
  at: number;
  values: Partial<Record<string, number>>;
}

export interface EnergyCountersOptions {
  file: string;
  /** The counter points this site has (its derived controllers compute them). */
  ids: readonly PointId[];
  /** Control's samples, the derived points among them. */
  samples$: Observable<Sample>;
  timeZone: string;
  saveEveryMs: number;
  now: () => number;
  log: Logger;
  scheduler?: SchedulerLike;
}

/**
 * The energy counters across restarts. On a restart the integrals (recovered, delivered,
 * heat-pump and facility energy) and the ratios made of them (running COP, ERF) would start
 * from zero; instead their last values are kept in a small file in the data folder, written
 * every `saveEveryMs` and at stop (atomically), and given back before control's first cycle
 * (`restored$`), which continues from them. A file rather than the historian's last values: it
 * is there when the historian's database is not (an outage at start would otherwise reset the
 * counters or hold up control's start), and it needs no query over rotated files or a search
 * for the last value across a long outage. At most
 * `saveEveryMs` of counting is lost in a crash, never invented. A missing or unreadable file
 * means counting from zero, with a warning that says so; it never stops HeatBridge.
 *
 * It also keeps the counters at the start of the site's day, so the KPIs' "today" is a
 * difference of integrals that a restart does not cut short.
 */
export class EnergyCounters implements Component {
  readonly name = 'energy-counters';
  /**
   * The counters' last values from the file, as samples of their save time (old, so stale),
   * given out at start: before control's first cycle, which starts after this component.
   */
  readonly restored$: Observable<Sample>;
  private readonly restoredSubject = new Subject<Sample>();
  /** When the counters began, carried across restarts (known once started). */
  since: number | undefined;
  private readonly ids: ReadonlySet<PointId>;
  private readonly last = new Map<string, number>();
  private day: DayStart | undefined;
  private readonly dayOf: (t: number) => string;
  private subscriptions: Subscription[] = [];
  private savedAt: number | undefined;
  private problem: string | undefined;
  private ctx: ComponentContext | undefined;

  constructor(private readonly opts: EnergyCountersOptions) {
    this.ids = new Set(opts.ids);
    this.dayOf = (t) => siteDate(t, opts.timeZone);
    this.restored$ = this.restoredSubject.asObservable();
  }

  /** The counters at the start of today (the site's day), once the day has a first value. */
  dayStart(): DayStart | undefined {
    return this.day;
  }

  start(ctx: ComponentContext): Promise<void> {
    this.ctx = ctx;
    this.restore();
    const { samples$, saveEveryMs, scheduler } = this.opts;
    this.subscriptions = [
      samples$
        .pipe(filter((s) => this.ids.has(s.id) && typeof s.value === 'number'))
        .subscribe((s) => this.counted(splitPointId(s.id).point, s.value as number, s.ts)),
      interval(saveEveryMs, scheduler ?? asyncScheduler).subscribe(() => this.save()),
    ];
    return Promise.resolve();
  }

  stop(): Promise<void> {
    for (const s of this.subscriptions) s.unsubscribe();
    this.subscriptions = [];
    // Control stops first (the supervisor stops in reverse order): these are its last values.
    this.save();
    return Promise.resolve();
  }

  details(): Record<string, unknown> {
    return {
      file: this.opts.file,
      ...(this.since !== undefined ? { since: new Date(this.since).toISOString() } : {}),
      ...(this.savedAt !== undefined ? { savedAt: new Date(this.savedAt).toISOString() } : {}),
      ...(this.problem ? { problem: this.problem } : {}),
    };
  }

  /** Reads the file (read at start, not when built: a loop built and never started reads nothing). */
  private restore(): void {
    const now = this.opts.now();
    const loaded = this.load(now);
    this.since = loaded?.since ?? now;
    if (!loaded) return;
    const at = loaded.savedAt;
    for (const [name, value] of Object.entries(loaded.values)) {
      const id = pointId('derived', name);
      if (!this.ids.has(id)) continue;
      this.last.set(name, value);
      this.restoredSubject.next({ id, value, ts: at, receivedAt: at, quality: 'good' });
    }
    if (loaded.day && loaded.day.date === this.dayOf(now)) this.day = loaded.day;
    this.opts.log.info(
      {
        file: this.opts.file,
        since: siteTimeText(this.since, this.opts.timeZone),
        savedAt: siteTimeText(at, this.opts.timeZone),
      },
      'energy counters continue from their saved values',
    );
  }

  private counted(name: string, value: number, ts: number): void {
    if (!Number.isFinite(value)) return;
    this.last.set(name, value);
    const date = this.dayOf(ts);
    // A new day (or the first value since a restart on another day): today starts here.
    if (this.day?.date !== date) this.day = { date, at: ts, values: {} };
    this.day.values[name] ??= value;
  }

  /** Writes the file; a failure is reported (degraded) and retried at the next save. */
  save(): void {
    const now = this.opts.now();
    const content: CounterFile = {
      version: 1,
      since: new Date(this.since ?? now).toISOString(),
      savedAt: new Date(now).toISOString(),
      values: Object.fromEntries(this.last),
      ...(this.day
        ? {
            day: {
              date: this.day.date,
              at: new Date(this.day.at).toISOString(),
              values: this.day.values as Record<string, number>,
            },
          }
        : {}),
    };
    try {
      writeFileAtomic(this.opts.file, `${JSON.stringify(content, null, 2)}\n`);
      this.savedAt = now;
      if (this.problem) {
        this.problem = undefined;
        this.ctx?.report('running');
      }
    } catch (err) {
      const problem = `energy counters cannot be saved to ${this.opts.file}: ${(err as Error).message}`;
      if (problem !== this.problem) this.opts.log.warn(problem);
      this.problem = problem;
      this.ctx?.report('degraded', problem);
    }
  }

  private load(
    now: number,
  ):
    { since: number; savedAt: number; values: Record<string, number>; day?: DayStart } | undefined {
    const { file, log } = this.opts;
    const read = readStateFile(file, parseCounterFile, now);
    if (!read.found) {
      log.warn(
        { file },
        'no saved energy counters (a first start, or the file was removed): the energy counters, ERF and running COP start from zero',
      );
      return undefined;
    }
    if ('error' in read) {
      log.warn(
        { file, err: read.error, ...(read.setAsideAs ? { setAsideAs: read.setAsideAs } : {}) },
        'saved energy counters unreadable: the energy counters, ERF and running COP start from zero',
      );
      return undefined;
    }
    return read.value;
  }
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function counts(raw: unknown): Record<string, number> {
  if (typeof raw !== 'object' || raw === null) throw new Error('values: expected an object');
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!isCount(v)) throw new Error(`values.${k}: expected a number ≥ 0, got ${String(v)}`);
    out[k] = v;
  }
  return out;
}

function time(raw: unknown, what: string): number {
  const t = typeof raw === 'string' ? Date.parse(raw) : NaN;
  if (!Number.isFinite(t)) throw new Error(`${what}: expected an ISO time`);
  return t;
}

/** The file's content, checked; throws what is wrong with it. */
export function parseCounterFile(text: string): {
  since: number;
  savedAt: number;
  values: Record<string, number>;
  day?: DayStart;
} {
  const data = JSON.parse(text) as Partial<CounterFile> | null;
  if (data?.version !== 1) throw new Error('not an energy-counter file (version 1)');
  const day = data.day;
  return {
    since: time(data.since, 'since'),
    savedAt: time(data.savedAt, 'savedAt'),
    values: counts(data.values),
    ...(day && typeof day.date === 'string'
      ? { day: { date: day.date, at: time(day.at, 'day.at'), values: counts(day.values) } }
      : {}),
  };
}

/**
 * The site's energy counters, or undefined when it computes none (no derived controller): then
 * there is nothing to keep and no file is read or written.
 */
export function energyCountersFor(
  site: Pick<SiteConfig, 'energyCounters' | 'site'>,
  defs: ReadonlyMap<PointId, PointDef>,
  samples$: Observable<Sample>,
  opts: { log: Logger; now: () => number; scheduler?: SchedulerLike },
): EnergyCounters | undefined {
  const ids = COUNTER_POINTS.map((name) => pointId('derived', name)).filter((id) => defs.has(id));
  if (ids.length === 0) return undefined;
  return new EnergyCounters({
    file: resolve(site.energyCounters.stateFile),
    ids,
    samples$,
    timeZone: site.site.timezone,
    saveEveryMs: site.energyCounters.saveEveryMs,
    ...opts,
  });
}
