import { Observable, type Subscriber } from 'rxjs';

/**
 * A hot stream for the per-sample hot path: what an RxJS `Subject` does for `next`, `complete`
 * and subscribing, without its cost per value. RxJS's CommonJS build runs `Subject.next` through
 * a closure and tslib's `__values` iterator, three or more objects per value and subscriber; at
 * 50,000 samples a second that was a third of the process's allocations and kept the old
 * generation collecting (issue 25, docs/performance.md). Subscribers are an array replaced on
 * every change (copy on write), so one that subscribes or unsubscribes during `next` neither
 * gets nor misses the value being delivered.
 */
export class Broadcast<T> {
  private subscribers: readonly Subscriber<T>[] = [];
  private completed = false;

  readonly observable: Observable<T> = new Observable<T>((subscriber) => {
    if (this.completed) {
      subscriber.complete();
      return undefined;
    }
    this.subscribers = [...this.subscribers, subscriber];
    return () => {
      this.subscribers = this.subscribers.filter((s) => s !== subscriber);
    };
  });

  /** Subscribers now. */
  get size(): number {
    return this.subscribers.length;
  }

  next(value: T): void {
    if (this.completed) return;
    const subs = this.subscribers;
    for (let i = 0; i < subs.length; i++) subs[i]!.next(value);
  }

  /** Ends the stream for every subscriber, and for any that subscribes later. */
  complete(): void {
    if (this.completed) return;
    this.completed = true;
    const subs = this.subscribers;
    this.subscribers = [];
    for (const s of subs) s.complete();
  }
}
