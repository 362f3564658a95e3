import { defer, from, lastValueFrom, Observable, of, Subject, type ObservableInput } from 'rxjs';
import { isWritable, type PointDef } from '../domain/point';
import type { PointId } from '../domain/point-id';
import { formatAtResolution } from '../domain/resolution';
import type { Sample, SampleValue } from '../domain/sample';
import { valueTypeOfUnit } from '../domain/units';
import { formatActor, type WriteCommand } from '../domain/write-command';
import type { Logger } from '../log';
import { EpisodeLog } from '../util/episode-log';
import type { RejectCode, WriteOutcome } from '../domain/write-outcome';

export type GuardDecision =
  | { allow: true; value: SampleValue; adjusted: string[] }
  | { allow: false; code: RejectCode; reason: string };

export interface GuardContext {
  /** The site-wide read-only switch. */
  readOnly: boolean;
  /** What the rate limit counts from: the last value written and when. */
  reference?: { value: number; at: number };
  now: number;
}

/**
 * The one decision every write passes (DESIGN §5.6): only writable points of the site, values of
 * the point's type, clamped into its bounds and to its rate of change. Pure.
 *
 * A value outside the bounds is clamped, not refused, because a controller asking for "more than
 * the maximum" means "the maximum"; the adjustment is reported and logged.
 */
export function decideWrite(
  cmd: WriteCommand,
  def: PointDef | undefined,
  ctx: GuardContext,
): GuardDecision {
  if (ctx.readOnly)
    return { allow: false, code: 'read-only-site', reason: 'the site is read-only' };
  if (!def)
    return { allow: false, code: 'unknown-point', reason: `no point ${cmd.id} in the site config` };
  if (!isWritable(def))
    return {
      allow: false,
      code: 'not-writable',
      reason: `${cmd.id} is not writable (access ${def.access})`,
    };
  const expected = valueTypeOfUnit(def.unit);
  if (typeof cmd.value !== expected) {
    return {
      allow: false,
      code: 'wrong-type',
      reason: `${cmd.id} takes a ${expected}, got ${typeof cmd.value}`,
    };
  }
  if (typeof cmd.value !== 'number') return { allow: true, value: cmd.value, adjusted: [] };
  if (!Number.isFinite(cmd.value)) {
    return {
      allow: false,
      code: 'not-finite',
      reason: `${cmd.id}: ${cmd.value} is not a finite number`,
    };
  }
  const bounds = def.bounds;
  if (!bounds) {
    // The config refuses writable numeric points without bounds; never guess them here.
    return { allow: false, code: 'not-writable', reason: `${cmd.id} has no bounds` };
  }
  const adjusted: string[] = [];
  // The reasons are read by people (historian write record, logs): values at the point's
  // resolution, the values themselves at full precision.
  const shown = (x: number): string => formatAtResolution(x, def);
  let value = cmd.value;
  if (value > bounds.max) {
    adjusted.push(`clamped from ${shown(value)} to the maximum ${shown(bounds.max)}`);
    value = bounds.max;
  } else if (value < bounds.min) {
    adjusted.push(`clamped from ${shown(value)} to the minimum ${shown(bounds.min)}`);
    value = bounds.min;
  }
  // Rate limits protect the process from a controller's jumps; taking the safe direction for
  // cooling is never held back by them.
  if (bounds.maxRatePerMin !== undefined && ctx.reference && cmd.safety !== true) {
    const minutes = Math.max(ctx.now - ctx.reference.at, 0) / 60_000;
    const step = bounds.maxRatePerMin * minutes;
    const lo = ctx.reference.value - step;
    const hi = ctx.reference.value + step;
    if (value > hi || value < lo) {
      const limited = Math.min(Math.max(value, lo), hi);
      adjusted.push(
        `rate-limited from ${shown(value)} to ${shown(limited)} (${bounds.maxRatePerMin}/min)`,
      );
      value = limited;
    }
  }
  return { allow: true, value, adjusted };
}

export interface WriteGuardOptions {
  defs: ReadonlyMap<PointId, PointDef>;
  readOnly: boolean;
  log: Logger;
  now?: () => number;
  /** The latest sample of a point, for the first rate-limited write. */
  current?: (id: PointId) => Sample | undefined;
  /** Sends an allowed write to the adapter that owns the point. */
  send: (id: PointId, value: SampleValue) => ObservableInput<void>;
}

/**
 * Where every write goes through: decides with `decideWrite`, logs and counts what it refuses
 * (never sending it), sends the rest, and reports each outcome on `outcomes$` for the audit trail
 * and the historian.
 */
export class WriteGuard {
  /** What each point was last written, and when: the rate limit's reference, and for the API. */
  private readonly last = new Map<PointId, { value: SampleValue; at: number }>();
  private readonly subject = new Subject<WriteOutcome>();
  readonly outcomes$: Observable<WriteOutcome> = this.subject.asObservable();
  private readonly counts = { written: 0, rejected: 0, failed: 0, adjusted: 0 };
  private readonly rejectedBy: Partial<Record<RejectCode, number>> = {};
  private readonly now: () => number;
  /**
   * Failed writes per point: one error line when a point's writes start failing, then counted
   * (a PLC away for 30 s failed a heartbeat write every 2 s, a line each), and one line with the
   * count when a write to it gets through again.
   */
  private readonly failures: EpisodeLog;

  constructor(private readonly opts: WriteGuardOptions) {
    this.now = opts.now ?? Date.now;
    this.failures = new EpisodeLog({
      log: opts.log,
      level: 'error',
      now: () => this.now(),
      started: 'write failed at the device',
      cleared: 'writes to the device get through again',
      summaryEveryMs: 60_000,
    });
  }

  /** `write$` as a promise, for callers outside a scheduler (the CLI, tests). */
  write(cmd: WriteCommand): Promise<WriteOutcome> {
    return lastValueFrom(this.write$(cmd));
  }

  /**
   * Decides, then sends what is allowed; emits the outcome once the device has answered and
   * completes. An Observable rather than a promise, so that a send that settles in virtual time
   * (the in-process adapters of `heatbridge simulate`) settles the write in virtual time too.
   */
  write$(cmd: WriteCommand): Observable<WriteOutcome> {
    return defer(() => {
      const now = this.now();
      const decision = decideWrite(cmd, this.opts.defs.get(cmd.id), {
        readOnly: this.opts.readOnly,
        reference: this.reference(cmd.id, now),
        now,
      });
      const who = {
        point: cmd.id,
        value: cmd.value,
        actor: formatActor(cmd.actor),
        reason: cmd.reason,
      };
      if (!decision.allow) {
        this.counts.rejected += 1;
        this.rejectedBy[decision.code] = (this.rejectedBy[decision.code] ?? 0) + 1;
        this.opts.log.warn(
          { ...who, refused: decision.reason },
          'write refused by the write guard',
        );
        const { reason, code } = decision;
        return of(this.done({ command: cmd, status: 'rejected', reason, code, at: now }));
      }
      if (decision.adjusted.length > 0) {
        this.counts.adjusted += 1;
        // A controller ramping through the rate limit is routine (the audit keeps it); a value
        // clamped into its bounds is worth a line in the log.
        const clamped = decision.adjusted.some((a) => a.startsWith('clamped'));
        this.opts.log[clamped ? 'info' : 'debug'](
          { ...who, sent: decision.value, adjusted: decision.adjusted },
          'write adjusted by the write guard',
        );
      }
      const { value, adjusted } = decision;
      const sent = { command: cmd, value, adjusted, at: now };
      // Subscribed by hand rather than through operators: a simulated year sends millions.
      return new Observable<WriteOutcome>((out) => {
        // Once sent, a write's outcome is recorded whatever becomes of the caller: a control
        // loop stopping mid-cycle unsubscribes, yet the device may have got the value, and the
        // audit trail and the historian must say so.
        const settle = (outcome: WriteOutcome): void => {
          const done = this.done(outcome);
          if (out.closed) return;
          out.next(done);
          out.complete();
        };
        let sending: ObservableInput<void>;
        try {
          sending = this.opts.send(cmd.id, value);
        } catch (err) {
          settle(this.failed(cmd, err, sent, who));
          return;
        }
        from(sending).subscribe({
          error: (err: unknown) => settle(this.failed(cmd, err, sent, who)),
          complete: () => {
            this.counts.written += 1;
            this.failures.cleared(cmd.id, { point: cmd.id });
            this.last.set(cmd.id, { value, at: now });
            this.opts.log.debug({ ...who, sent: value }, 'write sent');
            settle({ ...sent, status: 'written' });
          },
        });
      });
    });
  }

  private failed(
    cmd: WriteCommand,
    err: unknown,
    sent: Omit<WriteOutcome, 'status'>,
    who: Record<string, unknown>,
  ): WriteOutcome {
    this.counts.failed += 1;
    const reason = err instanceof Error ? err.message : String(err);
    // No cause given: a reason may carry changing figures ("next attempt in 412 ms").
    this.failures.occurred(cmd.id, { ...who, sent: sent.value, err: reason });
    return { ...sent, status: 'failed', reason };
  }

  stats(): Record<string, unknown> {
    return { ...this.counts, rejectedBy: { ...this.rejectedBy } };
  }

  complete(): void {
    this.subject.complete();
  }

  /** The value this guard last wrote to the point (the device answered), and when; or undefined. */
  lastWritten(id: PointId): { value: SampleValue; at: number } | undefined {
    return this.last.get(id);
  }

  /**
   * What the rate limit counts from at `now`: the last value this guard wrote. Before the first
   * write it counts from the point's current reading as if read a minute ago (one minute's
   * change is allowed). Public so that the API can say when a rate-limited value is reached.
   */
  reference(id: PointId, now: number): { value: number; at: number } | undefined {
    const last = this.last.get(id);
    if (last && typeof last.value === 'number') return { value: last.value, at: last.at };
    const s = this.opts.current?.(id);
    if (s && typeof s.value === 'number' && (s.quality === 'good' || s.quality === 'uncertain')) {
      return { value: s.value, at: now - 60_000 };
    }
    return undefined;
  }

  private done(outcome: WriteOutcome): WriteOutcome {
    this.subject.next(outcome);
    return outcome;
  }
}
