import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';

/**
 * A virtual-time scheduler for runs of months: `heatbridge simulate` drives the production
 * control loop (its `interval`s and write timers) on it. RxJS's `VirtualTimeScheduler` is made
 * for short tests: each time a periodic action reschedules itself it creates a new action and
 * chains it to the old one, so a simulated year (millions of ticks) keeps every tick alive, and
 * each schedule re-sorts the whole queue. Here a periodic action reuses itself and the queue is
 * a binary heap. Actions due at the same instant run in the order they were last scheduled, as
 * with RxJS's schedulers: for periodic actions of different periods that is not the order they
 * started in, so `PlantCoupling` gives the plant, the adapters and control instants of their own.
 *
 * Time is in epoch milliseconds (`now()` is the virtual instant), nothing runs until `runUntil`.
 */
export class VirtualClock implements SchedulerLike {
  private frame: number;
  private seq = 0;
  private readonly heap: Entry[] = [];

  constructor(start: number) {
    this.frame = start;
  }

  now(): number {
    return this.frame;
  }

  schedule<T>(
    work: (this: SchedulerAction<T>, state?: T) => void,
    delay = 0,
    state?: T,
  ): Subscription {
    return new ClockAction(this, work).schedule(state, delay);
  }

  /** Runs every action due up to and including `until`, in time order; then the clock reads `until`. */
  runUntil(until: number): void {
    while (this.heap.length > 0 && this.heap[0]!.due <= until) {
      const entry = this.pop();
      // A rescheduled or cancelled action leaves its old entry behind: skipped here.
      if (entry.action.closed || entry.action.entry !== entry) continue;
      entry.action.entry = undefined;
      this.frame = entry.due;
      entry.action.execute();
    }
    if (until > this.frame) this.frame = until;
  }

  /** Actions waiting (cancelled ones not yet dropped included). */
  get pending(): number {
    return this.heap.length;
  }

  /** @internal */
  enqueue(action: ClockAction<never>, delay: number): Entry {
    const entry: Entry = { due: this.frame + Math.max(0, delay), seq: ++this.seq, action };
    this.heap.push(entry);
    this.up(this.heap.length - 1);
    return entry;
  }

  private pop(): Entry {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.down(0);
    }
    return top;
  }

  private up(i: number): void {
    const heap = this.heap;
    const e = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(e, heap[p]!)) break;
      heap[i] = heap[p]!;
      i = p;
    }
    heap[i] = e;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const e = heap[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && before(heap[c + 1]!, heap[c]!)) c += 1;
      if (!before(heap[c]!, e)) break;
      heap[i] = heap[c]!;
      i = c;
    }
    heap[i] = e;
  }
}

/**
 * Runs `work` every `periodMs` on the scheduler, the first time after one period. Scheduled
 * directly rather than through `interval(…).subscribe`: a throw then stops the run it happens in
 * (`runUntil`, or a `TestScheduler`'s flush) instead of surfacing later as an unhandled error.
 */
export function every(scheduler: SchedulerLike, periodMs: number, work: () => void): Subscription {
  return scheduler.schedule(function (this: SchedulerAction<undefined>) {
    work();
    this.schedule(undefined, periodMs);
  }, periodMs);
}

interface Entry {
  due: number;
  seq: number;
  action: ClockAction<never>;
}

const before = (a: Entry, b: Entry): boolean => a.due < b.due || (a.due === b.due && a.seq < b.seq);

class ClockAction<T> extends Subscription implements SchedulerAction<T> {
  entry: Entry | undefined;
  private state: T | undefined;

  constructor(
    private readonly clock: VirtualClock,
    private readonly work: (this: SchedulerAction<T>, state?: T) => void,
  ) {
    super();
  }

  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.state = state;
    this.entry = this.clock.enqueue(this as unknown as ClockAction<never>, delay);
    return this;
  }

  execute(): void {
    this.work.call(this, this.state);
    // A one-off action is done once it has run and not scheduled itself again.
    if (!this.entry) this.unsubscribe();
  }
}
