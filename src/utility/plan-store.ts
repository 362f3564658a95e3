import { Subject, type Observable } from 'rxjs';
import type { Logger } from '../log';
import { writeFileAtomic } from '../util/atomic-file';
import { readStateFile } from '../util/state-file';
import { siteTimeText } from '../util/site-time';
import { CONTRACT_MODES, HOUR_MS, hourStart, type DayAheadPlan, type PlanHour } from './plan';

/** An hour as the store keeps it: with the plan it came from. */
export interface StoredHour extends PlanHour {
  source: string;
  receivedAt: number;
  issuedAt?: number;
}

export type PlanState = 'active' | 'missing' | 'expired';

export interface PlanStatus {
  state: PlanState;
  /** For people: what the controller follows and why. */
  text: string;
  /** The plan covering now (active) or the last one received (expired). */
  source?: string;
  receivedAt?: number;
  /** The end of the hours covered without a gap from now (active only). */
  coversUntil?: number;
}

/** What one accepted plan changed. */
/** How far ahead plan hours are taken: a month, as the formats' 31-day limit. */
const MAX_AHEAD_MS = 31 * 24 * HOUR_MS;

export interface PlanChange {
  source: string;
  /** Hours taken over from the plan. */
  accepted: number;
  /** Hours left as they were: a plan issued later already covers them. */
  keptNewer: number;
  /**
   * Hours not taken because they lie outside what is kept: older than the kept past, or more
   * than `MAX_AHEAD_MS` ahead (a mistyped year would otherwise pile up hours for ever).
   */
  outside: number;
  from: number;
  to: number;
}

export interface PlanStoreOptions {
  /** Where plans are kept across restarts; none: in memory only (simulate, tests). */
  stateFile?: string;
  log: Logger;
  now: () => number;
  /** How long past hours are kept (for the page's table); default 7 days. */
  keepPastMs?: number;
  /** The site's time zone, for the times in status texts; default UTC. */
  timeZone?: string;
}

const FILE_VERSION = 1;

/**
 * The utility's plans, merged hour by hour: a newer plan replaces the hours it covers and leaves
 * the others. "Newer" is by the utility's issue time when both plans carry one (a file re-read
 * at start must not undo a correction published through the API since), else by arrival. Kept
 * across restarts in a small file written whole (atomic-file.ts).
 */
export class PlanStore {
  private readonly byHour = new Map<number, StoredHour>();
  private readonly changes = new Subject<PlanChange>();
  /** Each accepted plan, at once; the feed publishes on it. */
  readonly changes$: Observable<PlanChange> = this.changes.asObservable();
  private readonly keepPastMs: number;

  constructor(private readonly opts: PlanStoreOptions) {
    this.keepPastMs = opts.keepPastMs ?? 7 * 24 * HOUR_MS;
  }

  /**
   * Reads the state file. An unreadable one is set aside (kept for a look) with a warning and
   * the store starts empty: the controller falls back to its curve until a plan arrives.
   */
  load(): void {
    const file = this.opts.stateFile;
    if (!file) return;
    const read = readStateFile(
      file,
      (text) => storedHours(JSON.parse(text) as unknown),
      this.opts.now(),
    );
    if (!read.found) return;
    if ('error' in read) {
      const kept = read.setAsideAs
        ? `the file is kept as ${read.setAsideAs}`
        : 'the next save replaces it';
      this.opts.log.warn(
        { file, aside: read.setAsideAs, err: read.error },
        `day-ahead plans: ${file} is unreadable (${read.error}); starting without plans, ${kept}`,
      );
      return;
    }
    for (const h of read.value) this.byHour.set(h.start, h);
    this.prune();
    this.opts.log.info(
      { file, hours: this.byHour.size },
      `day-ahead plans: ${this.byHour.size} hours read from ${file}`,
    );
  }

  /** Merges a plan and saves it (a failed save is logged: the plan is followed all the same). */
  accept(plan: DayAheadPlan): PlanChange {
    let accepted = 0;
    let keptNewer = 0;
    let outside = 0;
    const hour = hourStart(this.opts.now());
    for (const h of plan.hours) {
      if (h.start < hour - this.keepPastMs || h.start > hour + MAX_AHEAD_MS) {
        outside++;
        continue;
      }
      const old = this.byHour.get(h.start);
      if (old && isNewer(old, plan)) {
        keptNewer++;
        continue;
      }
      this.byHour.set(h.start, {
        ...h,
        source: plan.source,
        receivedAt: plan.receivedAt,
        ...(plan.issuedAt !== undefined ? { issuedAt: plan.issuedAt } : {}),
      });
      accepted++;
    }
    this.prune();
    this.save();
    const starts = plan.hours.map((h) => h.start);
    const change: PlanChange = {
      source: plan.source,
      accepted,
      keptNewer,
      outside,
      from: Math.min(...starts),
      to: Math.max(...starts) + HOUR_MS,
    };
    this.changes.next(change);
    return change;
  }

  /** The plan's hour containing `t`. */
  hourAt(t: number): StoredHour | undefined {
    return this.byHour.get(hourStart(t));
  }

  /** The hours starting in [from, to), in time order. */
  hours(from: number, to: number): StoredHour[] {
    return [...this.byHour.values()]
      .filter((h) => h.start >= from && h.start < to)
      .sort((a, b) => a.start - b.start);
  }

  status(now: number): PlanStatus {
    const current = this.hourAt(now);
    if (current) {
      let until = current.start + HOUR_MS;
      while (this.byHour.has(until)) until += HOUR_MS;
      return {
        state: 'active',
        text: `plan from ${current.source} covers now (${current.mode})`,
        source: current.source,
        receivedAt: current.receivedAt,
        coversUntil: until,
      };
    }
    if (this.byHour.size === 0)
      return { state: 'missing', text: 'no day-ahead plan received: supply curve' };
    const all = [...this.byHour.values()];
    const latest = all.reduce((a, b) => (b.receivedAt > a.receivedAt ? b : a));
    const next = all.filter((h) => h.start > now).sort((a, b) => a.start - b.start)[0];
    const lastEnd = Math.max(...all.map((h) => h.start)) + HOUR_MS;
    const text = next
      ? `no plan for this hour (the plan resumes at ${this.timeText(next.start)}): supply curve`
      : `the plan ended at ${this.timeText(lastEnd)}: supply curve`;
    return { state: 'expired', text, source: latest.source, receivedAt: latest.receivedAt };
  }

  private timeText(ms: number): string {
    return siteTimeText(ms, this.opts.timeZone ?? 'UTC');
  }

  close(): void {
    this.changes.complete();
  }

  private prune(): void {
    const oldest = hourStart(this.opts.now()) - this.keepPastMs;
    for (const start of [...this.byHour.keys()]) if (start < oldest) this.byHour.delete(start);
  }

  private save(): void {
    if (!this.opts.stateFile) return;
    const hours = [...this.byHour.values()].sort((a, b) => a.start - b.start);
    try {
      writeFileAtomic(this.opts.stateFile, `${JSON.stringify({ version: FILE_VERSION, hours })}\n`);
    } catch (err) {
      // The plan is in force all the same; only a restart before the next save would lose it.
      this.opts.log.error(
        { file: this.opts.stateFile, err: (err as Error).message },
        `day-ahead plans: cannot save ${this.opts.stateFile} (${(err as Error).message}); the plan is followed but would be lost at a restart`,
      );
    }
  }
}

/** The stored hour came from a plan the utility issued after this one. */
function isNewer(old: StoredHour, plan: DayAheadPlan): boolean {
  return old.issuedAt !== undefined && plan.issuedAt !== undefined && old.issuedAt > plan.issuedAt;
}

/** The hours of a state file; throws on anything that is not one HeatBridge wrote. */
function storedHours(doc: unknown): StoredHour[] {
  const d = doc as { version?: unknown; hours?: unknown };
  if (typeof d !== 'object' || d === null || d.version !== FILE_VERSION || !Array.isArray(d.hours))
    throw new Error(`not a version ${FILE_VERSION} plan state file`);
  return d.hours.map((raw: unknown, i: number) => {
    const h = raw as Partial<StoredHour>;
    const num = (v: unknown): boolean =>
      v === undefined || (typeof v === 'number' && Number.isFinite(v));
    if (
      typeof h !== 'object' ||
      h === null ||
      typeof h.start !== 'number' ||
      h.start % HOUR_MS !== 0 ||
      typeof h.source !== 'string' ||
      typeof h.receivedAt !== 'number' ||
      !(CONTRACT_MODES as readonly unknown[]).includes(h.mode) ||
      !num(h.priceEurPerMWh) ||
      !num(h.supplyTempC) ||
      !num(h.capacityKw) ||
      !num(h.issuedAt)
    )
      throw new Error(`hours[${i}] is not a plan hour`);
    return h as StoredHour;
  });
}
