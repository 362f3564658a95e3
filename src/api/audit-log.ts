import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Subject, type Observable } from 'rxjs';
import type { SampleValue } from '../domain/sample';
import { isoInZone } from '../util/site-time';

export const AUDIT_ACTIONS = [
  'override-set',
  'override-cancelled',
  'override-expired',
  'mode-changed',
  'alarm-acknowledged',
  'alarm-shelved',
  'alarm-unshelved',
  'plan-published',
  'write',
  'scada-request',
  'scada-request-expired',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** One thing somebody (or HeatBridge on their behalf) changed: who, what, from what to what, why. */
export interface AuditEntry {
  seq: number;
  /** ISO 8601, UTC, as stored in the file (the API shows it with the site's offset). */
  at: string;
  /** `user:olli`, `controller:dispatch`, `system:heatbridge`. */
  actor: string;
  action: AuditAction;
  /** A point id, a device, or an alarm key. */
  target: string;
  old?: SampleValue | null;
  new?: SampleValue | null;
  reason: string;
  /** What happened: `ok`, or why not (`rejected: …`, `failed: …`). */
  result: string;
}

/** Which entries: every given condition holds (contract C3, issue 21). */
export interface AuditQuery {
  from?: number;
  to?: number;
  /** `user:olli`, `controller:dispatch`, `system:heatbridge`; a bare name means `user:<name>`. */
  actor?: string;
  action?: AuditAction;
  /**
   * A point, device or alarm key, exactly; or a device's prefix ending in `/` (`hp1/`): its
   * points and the device itself (its mode changes).
   */
  target?: string;
  limit: number;
}

/** The query's conditions as one test of an entry. */
function matcher(q: AuditQuery): (e: AuditEntry) => boolean {
  const actor = q.actor === undefined || q.actor.includes(':') ? q.actor : `user:${q.actor}`;
  const target = q.target;
  const device = target?.endsWith('/') ? target.slice(0, -1) : undefined;
  return (e) => {
    const t = Date.parse(e.at);
    if (q.from !== undefined && t < q.from) return false;
    if (q.to !== undefined && t >= q.to) return false;
    if (actor !== undefined && e.actor !== actor) return false;
    if (q.action !== undefined && e.action !== q.action) return false;
    if (device !== undefined) return e.target === device || e.target.startsWith(target!);
    return target === undefined || e.target === target;
  };
}

/** An entry as the API shows it: its time with the site's offset (the file keeps UTC). */
export function auditEntryInZone(e: AuditEntry, timeZone: string): AuditEntry {
  return { ...e, at: isoInZone(Date.parse(e.at), timeZone) };
}

/** Entries kept in memory for queries; the file keeps everything. */
const MEMORY = 10_000;

/**
 * The audit log of state changes: one JSON line per entry in `file` (appended synchronously, so
 * an entry acknowledged to the caller is on disk), the newest entries in memory for the API, and
 * a stream for live updates. At start it reads back the file's tail, so history survives a
 * restart.
 */
export class AuditLog {
  private readonly entries: AuditEntry[] = [];
  private readonly subject = new Subject<AuditEntry>();
  readonly entries$: Observable<AuditEntry> = this.subject.asObservable();
  private seq = 0;
  /** Entries not yet on disk because the last append failed (disk full, permissions). */
  private readonly unwritten: AuditEntry[] = [];
  private failure: string | undefined;
  private tornTail = false;

  constructor(
    private readonly file: string | undefined,
    private readonly now: () => number = Date.now,
  ) {
    if (!file || !existsSync(file)) return;
    const text = readFileSync(file, 'utf8');
    // After a torn last line the next entry starts on a line of its own.
    this.tornTail = text.length > 0 && !text.endsWith('\n');
    const lines = text.split('\n').filter(Boolean);
    for (const line of lines.slice(-MEMORY)) {
      try {
        const e = JSON.parse(line) as AuditEntry;
        if (typeof e.seq === 'number' && typeof e.at === 'string') this.entries.push(e);
      } catch {
        // A torn last line (a crash mid-write) is skipped, not fatal.
      }
    }
    this.seq = this.entries.at(-1)?.seq ?? 0;
  }

  record(e: Omit<AuditEntry, 'seq' | 'at'> & { at?: number }): AuditEntry {
    const { at, ...rest } = e;
    const entry: AuditEntry = {
      seq: ++this.seq,
      at: new Date(at ?? this.now()).toISOString(),
      ...rest,
    };
    this.unwritten.push(entry);
    this.flush();
    this.entries.push(entry);
    if (this.entries.length > MEMORY) this.entries.splice(0, this.entries.length - MEMORY);
    this.subject.next(entry);
    return entry;
  }

  /**
   * Why the file cannot be written, or undefined when it can. Tries the unwritten entries again
   * first. Callers refuse state changes while it fails: an unaudited change is not allowed.
   */
  problem(): string | undefined {
    this.flush();
    return this.failure;
  }

  /**
   * Appends what is unwritten, in order. Never throws: a failure is kept (and the entries with
   * it, for the next try), so a full disk cannot crash the process from inside a subscriber.
   */
  private flush(): void {
    if (!this.file) this.unwritten.length = 0;
    if (!this.file || this.unwritten.length === 0) return;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const text = this.unwritten.map((e) => JSON.stringify(e) + '\n').join('');
      appendFileSync(this.file, (this.tornTail ? '\n' : '') + text);
      this.tornTail = false;
      this.unwritten.length = 0;
      this.failure = undefined;
    } catch (err) {
      this.failure = `the audit file ${this.file} cannot be written: ${(err as Error).message}`;
    }
  }

  /** Newest first. */
  query(q: AuditQuery): AuditEntry[] {
    const matches = matcher(q);
    const out: AuditEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0 && out.length < q.limit; i--) {
      const e = this.entries[i]!;
      if (matches(e)) out.push(e);
    }
    return out;
  }

  complete(): void {
    this.subject.complete();
  }
}
