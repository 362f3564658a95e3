import {
  asyncScheduler,
  catchError,
  defer,
  exhaustMap,
  forkJoin,
  from,
  interval,
  map,
  of,
  Subject,
  tap,
  type Observable,
  type ObservableInput,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import { controllerPointRefs, type ControlConfig } from '../config/controllers';
import type { PointDef } from '../domain/point';
import { pointId, type PointId } from '../domain/point-id';
import type { Sample, SampleValue } from '../domain/sample';
import type { Actor, WriteCommand } from '../domain/write-command';
import type { Logger } from '../log';
import type { Component, ComponentContext } from '../runtime/component';
import type { AlarmSignal } from './controller';
import { cycleControllers, runCycle, type CycleResult, type CycleState } from './cycle';
import { EpisodeLog } from '../util/episode-log';
import {
  heartbeatStep,
  initialHeartbeat,
  type HeartbeatConfig,
  type HeartbeatState,
} from './heartbeat';
import type { Override } from '../domain/operator-event';
import { OperatorControls } from './operator';
import { overrideProblem } from './override-rules';
import { ProcessImage } from './process-image';
import { WriteSchedule } from './write-schedule';

/** What a write sink reports back: the status, and the value sent if the guard adjusted it. */
export interface WriteResult {
  status: 'written' | 'rejected' | 'failed';
  value?: SampleValue;
}

export interface ControlLoopOptions {
  control: ControlConfig;
  /** Every point HeatBridge knows (stale windows, write checks for overrides). */
  defs: ReadonlyMap<PointId, PointDef>;
  /** Where the process image comes from: the latest sample of every point. */
  latest: { all(): Iterable<Sample>; get(id: PointId): Sample | undefined };
  /** Sends a command through the write guard; settles when the device has answered. */
  write: (cmd: WriteCommand) => ObservableInput<WriteResult>;
  /** Ticks and time. Tests pass a TestScheduler and run cycles in virtual time. */
  scheduler?: SchedulerLike;
  operator?: OperatorControls;
}

/** One control cycle as it happened: for the API, the tests and the logs. */
export interface CycleRecord extends CycleResult {
  at: number;
  written: number;
}

export interface AlarmChange extends AlarmSignal {
  at: number;
}

/**
 * The control loop (DESIGN §5): every `cycleMs` a process image from the latest samples, the
 * controllers in priority order (`runCycle`, pure), then the writes that are due, through the
 * write guard. RxJS only wires this: ticks come from the injected scheduler, and a cycle that is
 * still writing when the next tick comes makes that tick skip (counted), never queue up.
 *
 * The PLC heartbeat runs on its own timer and stops when no cycle has completed for
 * `stallAfterMs` — a cycle whose writes hang counts as not completed — so a hung controller lets
 * the PLC take its safe state rather than keeping it fed.
 *
 * Control starts once every point the controllers read has a sample, or after
 * `startupGraceMs`: a value not yet polled is not a failed sensor, and cooling safety should not
 * act on a restart's empty image.
 */
export class ControlLoop implements Component {
  readonly name = 'control';
  readonly operator: OperatorControls;
  private readonly scheduler: SchedulerLike;
  private readonly controllers;
  private readonly heartbeat: HeartbeatConfig | undefined;
  private readonly reads: PointId[];
  private readonly samplesSubject = new Subject<Sample>();
  private readonly cyclesSubject = new Subject<CycleRecord>();
  private readonly alarmsSubject = new Subject<AlarmChange>();
  /** Derived points and the loop's status points. */
  readonly samples$: Observable<Sample> = this.samplesSubject.asObservable();
  readonly cycles$: Observable<CycleRecord> = this.cyclesSubject.asObservable();
  /** Alarm conditions as they are raised and cleared (the alarm system owns acknowledgement). */
  readonly alarms$: Observable<AlarmChange> = this.alarmsSubject.asObservable();
  private readonly progressSubject = new Subject<number>();
  /**
   * The loop is making progress (its time): a cycle completed, or a tick found it still waiting
   * for the first values of the points it reads (a restart would not bring them sooner). Silent
   * while a cycle hangs or keeps failing, as the PLC heartbeat stops then: systemd's watchdog is
   * fed from this (src/service).
   */
  readonly progress$: Observable<number> = this.progressSubject.asObservable();

  private state: CycleState = { controllers: {} };
  private hbState: HeartbeatState = initialHeartbeat();
  private readonly schedule: WriteSchedule;
  private readonly activeAlarms = new Map<string, AlarmSignal>();
  private readonly statusIds = new Map<string, PointId>();
  private subscriptions: Subscription[] = [];
  private startedAt = 0;
  private primed = false;
  private lastCycleAt: number | null = null;
  private lastCycle: CycleRecord | undefined;
  private skipped = 0;
  /** Ticks skipped in a row: one warning per episode, degraded health while it lasts. */
  private overruns: EpisodeLog | undefined;
  private running = false;
  private cycleBusy = false;
  private stallAnnounced = false;
  private log: Logger | undefined;
  private report: ComponentContext['report'] = () => {};
  private lastError: string | undefined;

  constructor(private readonly opts: ControlLoopOptions) {
    this.scheduler = opts.scheduler ?? asyncScheduler;
    this.schedule = new WriteSchedule(opts.control);
    this.controllers = cycleControllers(opts.control.controllers);
    this.heartbeat = opts.control.controllers.find(
      (c): c is HeartbeatConfig => c.type === 'heartbeat',
    );
    this.operator = opts.operator ?? new OperatorControls(opts.control.manual);
    this.reads = [
      ...new Set(
        this.controllers.flatMap((c) =>
          controllerPointRefs(c)
            .filter((r) => !r.writes)
            .map((r) => r.id),
        ),
      ),
    ];
  }

  private now(): number {
    return this.scheduler.now();
  }

  start(ctx: ComponentContext): Promise<void> {
    this.log = ctx.log;
    this.report = (state, message) => ctx.report(state, message);
    this.startedAt = this.now();
    this.running = true;
    const { control } = this.opts;
    this.overruns = new EpisodeLog({
      log: ctx.log,
      now: () => this.now(),
      started:
        'control cycle overrun: a cycle still running when the next tick came; ticks skipped',
      cleared: 'control cycles on time again',
    });
    this.subscriptions.push(
      interval(control.cycleMs, this.scheduler)
        .pipe(
          // A cycle still writing when the next tick comes: that tick is skipped, not queued.
          tap(() => {
            if (!this.cycleBusy) return;
            this.skipped += 1;
            const fields = { cycleMs: control.cycleMs, skippedCycles: this.skipped };
            if (this.overruns?.occurred('cycle', fields))
              this.report('degraded', this.overrunMessage());
          }),
          exhaustMap(() => this.cycle$()),
        )
        .subscribe(),
    );
    if (this.heartbeat) {
      const hb = this.heartbeat;
      this.subscriptions.push(interval(hb.periodMs, this.scheduler).subscribe(() => this.beat(hb)));
    }
    ctx.log.info(
      {
        cycleMs: control.cycleMs,
        controllers: this.controllers.map((c) => `${c.name} (${c.type})`),
        heartbeat: this.heartbeat
          ? `${this.heartbeat.point} every ${this.heartbeat.periodMs} ms`
          : 'none',
        manual: [...this.operator.manualDevices()],
      },
      'control loop started; waiting for the first values of the points it reads',
    );
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.running = false;
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    this.samplesSubject.complete();
    this.cyclesSubject.complete();
    this.alarmsSubject.complete();
    this.progressSubject.complete();
    return Promise.resolve();
  }

  details(): Record<string, unknown> {
    return {
      cycleMs: this.opts.control.cycleMs,
      lastCycleAt: this.lastCycleAt === null ? null : new Date(this.lastCycleAt).toISOString(),
      skippedCycles: this.skipped,
      overrun: this.overruns?.active('cycle') ?? false,
      safetyActive: this.lastCycle?.safetyActive ?? false,
      controllers: this.lastCycle?.controllers ?? [],
      heartbeat: this.heartbeatState(),
      activeAlarms: [...this.activeAlarms.values()].map((a) => a.key),
      overrides: this.operator.active(this.now()).length,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  /** The heartbeat now: judged from the last completed cycle, not from the last beat. */
  private heartbeatState(): 'none' | 'waiting' | 'stalled' | 'ok' {
    if (!this.heartbeat) return 'none';
    if (this.lastCycleAt === null) return 'waiting';
    return this.now() - this.lastCycleAt > this.heartbeat.stallAfterMs ? 'stalled' : 'ok';
  }

  /** The last completed cycle. */
  get last(): CycleRecord | undefined {
    return this.lastCycle;
  }

  /**
   * An operator override, validated against the point (writable, type, bounds, duration): it
   * replaces the controllers' value from the next cycle until it expires. Cooling safety still
   * wins the points it holds. Throws a message for the operator when the request is not valid.
   */
  setOverride(req: {
    id: PointId;
    value: SampleValue;
    durationMs: number;
    reason: string;
    actor: Actor;
  }): Override {
    const problem = overrideProblem(req, this.opts.defs.get(req.id), this.opts.control);
    if (problem) throw new Error(problem);
    const now = this.now();
    const o: Override = {
      id: req.id,
      value: req.value,
      reason: req.reason,
      actor: req.actor,
      since: now,
      expiresAt: now + req.durationMs,
    };
    this.operator.setOverride(o);
    this.log?.info(
      {
        point: o.id,
        value: o.value,
        actor: `${o.actor.kind}:${o.actor.name}`,
        reason: o.reason,
        until: new Date(o.expiresAt).toISOString(),
      },
      'operator override set',
    );
    return o;
  }

  /** One cycle: decide (pure), then send the writes that are due and wait for them to settle. */
  private cycle$(): Observable<unknown> {
    return defer(() => {
      const now = this.now();
      if (!this.ready(now)) {
        this.progressSubject.next(now);
        return of(null);
      }
      this.cycleBusy = true;
      let out: CycleResult;
      try {
        const image = ProcessImage.build(this.opts.latest.all(), this.opts.defs, now);
        out = runCycle(
          image,
          this.state,
          this.controllers,
          { manual: this.operator.manualDevices(), overrides: this.operator.active(now) },
          now,
        );
      } catch (err) {
        // runCycle isolates controllers; this is the loop itself failing. The cycle does not
        // count as completed, so the heartbeat stops if it keeps failing.
        this.cycleBusy = false;
        this.fail(err);
        return of(null);
      }
      this.state = out.state;
      const due = out.commands.filter((c) => this.schedule.due(c.id, c.value, c.safety, now));
      const record: CycleRecord = { ...out, at: now, written: due.length };
      this.publish(record, now);
      const writes = due.map((c) =>
        this.send(
          {
            id: c.id,
            value: c.value,
            reason: c.reason,
            actor: c.actor,
            ...(c.safety ? { safety: true } : {}),
          },
          now,
        ),
      );
      return (writes.length > 0 ? forkJoin(writes) : of([])).pipe(
        map(() => {
          this.cycleBusy = false;
          this.completed(record, now);
        }),
      );
    });
  }

  private ready(now: number): boolean {
    if (this.primed) return true;
    const missing = this.reads.filter((id) => this.opts.latest.get(id) === undefined);
    const graceOver = now - this.startedAt >= this.opts.control.startupGraceMs;
    if (missing.length > 0 && !graceOver) return false;
    this.primed = true;
    if (missing.length > 0) {
      this.log?.warn(
        { missing },
        'starting control without values for some points it reads: they count as bad',
      );
    } else {
      this.log?.info('all points the controllers read have values: control starts');
    }
    return true;
  }

  private send(cmd: WriteCommand, at: number): Observable<WriteResult | null> {
    this.schedule.sending(cmd.id);
    return defer(() => from(this.opts.write(cmd))).pipe(
      catchError((err: unknown) => {
        this.log?.error(
          { point: cmd.id, err: err instanceof Error ? err.message : String(err) },
          'write sink threw',
        );
        return of<WriteResult>({ status: 'failed' });
      }),
      map((r) => {
        // What the device got: a value the guard rate-limited differs from the controller's,
        // so it is due again next cycle and the ramp goes on.
        const got = r.status === 'written' && r.value !== undefined ? r.value : cmd.value;
        this.schedule.settled(cmd.id, got, r.status === 'failed', at);
        return r;
      }),
    );
  }

  private publish(record: CycleRecord, now: number): void {
    for (const c of record.controllers) this.status(c.name, c.status, now);
    this.status('safety_active', record.safetyActive, now);
    for (const d of record.derived) this.emit(d.id, d.value, now);
    for (const e of record.events)
      this.log?.info({ controller: e.controller, ...e.fields }, e.message);
    for (const a of record.alarms) this.alarm(a, now);
    this.lastError = undefined;
    this.reportHealth(record);
  }

  private reportHealth(record: CycleRecord): void {
    const failed = record.controllers.filter((c) => c.status === 'failed');
    if (failed.length > 0) this.report('degraded', failed.map((c) => c.message).join('; '));
    else if (this.overruns?.active('cycle')) this.report('degraded', this.overrunMessage());
    else this.report('running');
  }

  private overrunMessage(): string {
    return `control cycles take longer than ${this.opts.control.cycleMs} ms: ${
      this.overruns?.count('cycle') ?? 0
    } tick(s) skipped`;
  }

  private completed(record: CycleRecord, startedAt: number): void {
    this.lastCycle = record;
    this.lastCycleAt = startedAt;
    const now = this.now();
    // The overrun is over once a cycle completes within its period (a tick that merely finds the
    // loop idle between two slow cycles is not the end of it).
    if (
      now - startedAt <= this.opts.control.cycleMs &&
      this.overruns?.cleared('cycle', { skippedCycles: this.skipped })
    )
      this.reportHealth(record);
    this.status('cycle_duration', (now - startedAt) / 1000, now);
    this.status('skipped_cycles', this.skipped, now);
    this.cyclesSubject.next(record);
    this.progressSubject.next(now);
  }

  private beat(cfg: HeartbeatConfig): void {
    const now = this.now();
    const safe = cfg.safeState ? this.opts.latest.get(cfg.safeState) : undefined;
    const image = ProcessImage.build(safe ? [safe] : [], this.opts.defs, now);
    const wasStalled = this.hbState.stalled;
    const step = heartbeatStep(this.hbState, cfg, now, this.lastCycleAt, image);
    this.hbState = step.state;
    // A stall is announced once it follows running cycles; the resume only after a stall.
    const announce = step.state.stalled
      ? !wasStalled && this.lastCycleAt !== null
      : this.stallAnnounced;
    if (announce) {
      this.stallAnnounced = step.state.stalled;
      const message = step.state.stalled
        ? `no control cycle completed for ${cfg.stallAfterMs} ms: heartbeat stopped, the PLC will take its safe state`
        : 'control cycles complete again: heartbeat resumed';
      if (step.state.stalled)
        this.log?.error({ lastCycleAt: new Date(this.lastCycleAt ?? 0).toISOString() }, message);
      else this.log?.warn(message);
      this.alarm(
        { key: 'control-stalled', active: step.state.stalled, priority: 'critical', message },
        now,
      );
      if (step.state.stalled) this.report('degraded', message);
    }
    this.status(
      cfg.name,
      step.state.stalled ? (this.lastCycleAt === null ? 'waiting' : 'stalled') : 'ok',
      now,
    );
    for (const cmd of step.commands) {
      const beat = cmd.id === cfg.point;
      if (this.schedule.isInFlight(cmd.id)) {
        // The previous beat is still on its way: the PLC may miss beats, so heartbeats do not
        // count as flowing (no safe-state reset until they flow again for resetAfterMs).
        if (beat) this.hbState = { ...this.hbState, flowingSince: null };
        continue;
      }
      this.send(
        { ...cmd, actor: { kind: 'controller', name: cfg.name }, routine: beat },
        now,
      ).subscribe((r) => {
        if (beat && r?.status !== 'written') this.hbState = { ...this.hbState, flowingSince: null };
      });
    }
  }

  private alarm(a: AlarmSignal, now: number): void {
    const was = this.activeAlarms.get(a.key);
    if (a.active && !was) {
      this.activeAlarms.set(a.key, a);
      this.alarmsSubject.next({ ...a, at: now });
      this.log?.warn({ alarm: a.key, priority: a.priority }, a.message);
    } else if (!a.active && was) {
      this.activeAlarms.delete(a.key);
      this.alarmsSubject.next({ ...a, priority: was.priority, at: now });
      this.log?.info({ alarm: a.key }, a.message);
    }
  }

  /** Published every cycle, so it never reads stale; the historian keeps only changes. */
  private status(name: string, value: SampleValue, now: number): void {
    let id = this.statusIds.get(name);
    if (id === undefined) {
      // Validated once: a simulated year publishes these millions of times.
      id = pointId('control', name);
      this.statusIds.set(name, id);
    }
    this.emit(id, value, now);
  }

  private emit(id: PointId, value: SampleValue, now: number): void {
    if (!this.running) return;
    this.samplesSubject.next({ id, value, ts: now, receivedAt: now, quality: 'good' });
  }

  private fail(err: unknown): void {
    const message = `control cycle failed: ${err instanceof Error ? err.message : String(err)}`;
    if (message !== this.lastError) this.log?.error({ err }, message);
    this.lastError = message;
    this.report('degraded', message);
  }
}
