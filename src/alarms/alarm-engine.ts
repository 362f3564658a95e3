import { asyncScheduler, interval, type SchedulerLike, type Subscription } from 'rxjs';
import type { AlarmsConfig } from '../config/alarms';
import type { PointDef } from '../domain/point';
import type { PointId } from '../domain/point-id';
import type { Sample } from '../domain/sample';
import { qualityAt } from '../domain/stale';
import type { Component, ComponentContext } from '../runtime/component';
import type { AlarmList } from './alarm-list';
import {
  evaluateConditions,
  type ConditionInputs,
  type ConditionsState,
  type JudgedValue,
} from './conditions';

export interface AlarmEngineOptions {
  config: AlarmsConfig;
  alarms: AlarmList;
  defs: ReadonlyMap<PointId, PointDef>;
  latest: { get(id: PointId): Sample | undefined };
  now: () => number;
  scheduler?: SchedulerLike;
  /** The store's save problem, for health. */
  storeProblem?: () => string | undefined;
}

/**
 * Runs the alarm definitions: every `evaluateEveryMs` it judges the latest values (the pure
 * `evaluateConditions`) and hands the changes to the alarm list, lets shelves expire and floods
 * end, and — after a restart — returns to normal the alarms control had raised before but no
 * longer raises.
 */
export class AlarmEngine implements Component {
  readonly name = 'alarms';
  private sub: Subscription | undefined;
  private state: ConditionsState = {};
  private startedAt = 0;
  /** Control's alarms from before the restart, still to be confirmed. */
  private unconfirmed = new Set<string>();
  private evaluations = 0;
  /** Each device's points, for device-offline alarms (the defs do not change while running). */
  private readonly pointsOf = new Map<string, string[]>();

  constructor(private readonly opts: AlarmEngineOptions) {
    for (const d of opts.defs.values())
      this.pointsOf.set(d.device, [...(this.pointsOf.get(d.device) ?? []), d.id]);
  }

  start(ctx: ComponentContext): Promise<void> {
    const now = this.opts.now();
    this.startedAt = now;
    // Definitions whose alarm was active before the restart start active: the off delay, not
    // a fresh raise, decides when they clear.
    for (const d of this.opts.config.definitions) {
      const a = this.opts.alarms.get(d.name);
      const active = a?.state === 'active-unacked' || a?.state === 'active-acked';
      if (active) this.state[d.name] = { raw: true, rawSince: now, active: true };
    }
    this.unconfirmed = new Set(this.opts.alarms.activeFrom('control').map((a) => a.key));
    if (this.unconfirmed.size > 0)
      ctx.log.info(
        { alarms: [...this.unconfirmed], confirmWithinMs: this.opts.config.confirmAfterMs },
        'alarms from before the restart wait for control to raise them again',
      );
    this.sub = interval(
      this.opts.config.evaluateEveryMs,
      this.opts.scheduler ?? asyncScheduler,
    ).subscribe(() => {
      try {
        this.evaluate(this.opts.now());
      } catch (err) {
        // An evaluation that throws must not end the interval: report it and go on.
        ctx.report('degraded', `alarm evaluation failed: ${(err as Error).message}`);
      }
    });
    return Promise.resolve();
  }

  /** Control raised this again: it is still true. */
  confirmed(key: string): void {
    this.unconfirmed.delete(key);
  }

  evaluate(now: number): void {
    const { state, changes } = evaluateConditions(
      this.opts.config.definitions,
      this.inputs(now),
      this.state,
      now,
    );
    this.state = state;
    for (const c of changes) this.opts.alarms.apply({ ...c, at: now, source: 'definition' });
    if (this.unconfirmed.size > 0 && now - this.startedAt >= this.opts.config.confirmAfterMs) {
      for (const key of this.unconfirmed) {
        const a = this.opts.alarms.get(key);
        if (!a) continue;
        this.opts.alarms.apply({
          key,
          active: false,
          priority: a.priority,
          source: 'control',
          message: `${a.message} — not raised again since the restart`,
          at: now,
        });
      }
      this.unconfirmed.clear();
    }
    this.opts.alarms.tick(now);
    this.evaluations++;
  }

  stop(): Promise<void> {
    this.sub?.unsubscribe();
    this.sub = undefined;
    return Promise.resolve();
  }

  details(): Record<string, unknown> {
    const problem = this.opts.storeProblem?.();
    return {
      definitions: this.opts.config.definitions.length,
      evaluations: this.evaluations,
      listed: this.opts.alarms.list().length,
      shelved: this.opts.alarms.list({ shelved: true }).length,
      ...(problem ? { storeProblem: problem } : {}),
    };
  }

  private inputs(now: number): ConditionInputs {
    const { defs, latest } = this.opts;
    return {
      value: (id: string): JudgedValue => {
        const def = defs.get(id as PointId);
        const s = latest.get(id as PointId);
        if (!def || !s) return { value: undefined, quality: 'missing' };
        return { value: s.value ?? undefined, quality: qualityAt(s, def.staleAfterMs, now) };
      },
      devicePoints: (device: string): string[] => this.pointsOf.get(device) ?? [],
      presentation: (id: string) => defs.get(id as PointId),
    };
  }
}
