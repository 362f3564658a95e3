import { map, Subject, timer, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import type { DeviceAdapter } from '../adapters/adapter';
import type { PointDef } from '../domain/point';
import type { PointId } from '../domain/point-id';
import type { Sample, SampleValue } from '../domain/sample';
import type { Component } from '../runtime/component';
import type { Simulation } from '../../simulators';
import type { LinkFaults } from './link-faults';
import { every } from './virtual-clock';

/** A polled point and its key in the plant model. */
interface Polled {
  id: PointId;
  key: string;
}

export interface PlantAdapterOptions {
  /** The site's device this adapter stands in for (`hp1`). */
  device: string;
  sim: Simulation;
  /** The device's points it polls, each at its expected period. */
  points: readonly PointDef[];
  scheduler: SchedulerLike;
  faults: LinkFaults;
  /** How long the device takes to answer a write. */
  writeLatencyMs: number;
}

/**
 * A field adapter without a protocol: it reads the plant model and writes into the simulated
 * PLC's memory, on the scheduler's (virtual) time, and meets faults the way the protocol
 * adapters do. Polls come at each point's expected period, so values age and go stale as on a
 * site; a write answers after `writeLatencyMs` (plus a `slow` fault's delay) or fails: the
 * device is `offline` or `silent`, a link fault loses or fails it, or the PLC refuses the value.
 */
export class PlantAdapter implements DeviceAdapter, Component {
  readonly name: string;
  private readonly subject = new Subject<Sample>();
  readonly samples$: Observable<Sample> = this.subject.asObservable();
  private readonly keys = new Map<PointId, string>();
  private subscriptions: Subscription[] = [];

  constructor(private readonly opts: PlantAdapterOptions) {
    this.name = `simulated ${opts.device}`;
    for (const d of opts.points) {
      const key = opts.sim.keyOf(d.id);
      if (key !== undefined) this.keys.set(d.id, key);
    }
  }

  start(): Promise<void> {
    const byPeriod = new Map<number, Polled[]>();
    for (const d of this.opts.points) {
      const key = this.keys.get(d.id);
      if (key === undefined) continue;
      byPeriod.set(d.expectedPeriodMs, [
        ...(byPeriod.get(d.expectedPeriodMs) ?? []),
        { id: d.id, key },
      ]);
    }
    for (const [period, points] of byPeriod) {
      // As a protocol adapter does once connected: a first poll at once, then every period.
      this.poll(points);
      this.subscriptions.push(every(this.opts.scheduler, period, () => this.poll(points)));
    }
    return Promise.resolve();
  }

  stop(): Promise<void> {
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    this.subject.complete();
    return Promise.resolve();
  }

  owns(id: PointId): boolean {
    return this.keys.has(id);
  }

  write(id: PointId, value: SampleValue): Observable<void> {
    return timer(this.opts.writeLatencyMs + this.slowMs(), this.opts.scheduler).pipe(
      map(() => {
        const { sim, faults, scheduler } = this.opts;
        const key = this.keys.get(id);
        if (key === undefined) throw new Error(`${this.name} carries no point ${id}`);
        if (this.unreachable()) throw new Error(`${this.opts.device} does not answer (simulated)`);
        const failure = faults.writeFailure(id, scheduler.now());
        if (failure) throw new Error(failure);
        if (typeof value === 'string') throw new Error(`${id} takes no text`);
        const result = sim.write(key, value);
        if (!result.ok) throw new Error(`the PLC refused the value: ${result.reason}`);
      }),
    );
  }

  private poll(points: readonly Polled[]): void {
    if (this.unreachable()) return;
    const { sim, faults, scheduler, device } = this.opts;
    const now = scheduler.now();
    for (const { id, key } of points) {
      if (faults.isSilent(id, device, now)) continue;
      // A measurement as its sensor reports it; a writable point reads back the PLC's memory.
      const m = sim.read(key);
      const value = m ? m.value : sim.readCommand(key);
      if (value === undefined) continue;
      const quality = m?.bad ? 'bad' : 'good';
      this.subject.next({ id, value, ts: now, receivedAt: now, quality });
    }
  }

  /** The simulators' `offline` and `silent` faults: the device answers nothing. */
  private unreachable(): boolean {
    return this.opts.sim
      .faults()
      .some((f) => (f.kind === 'offline' || f.kind === 'silent') && f.device === this.opts.device);
  }

  private slowMs(): number {
    let delay = 0;
    for (const f of this.opts.sim.faults())
      if (f.kind === 'slow' && f.device === this.opts.device) delay += f.delayMs;
    return delay;
  }
}
