import { describe, expect, it } from '@jest/globals';
import { config, firstValueFrom, map, merge, take, toArray } from 'rxjs';
import { Broadcast } from '../../../src/util/broadcast';

describe('Broadcast', () => {
  it('gives every subscriber each value from when it subscribed, in order', () => {
    const b = new Broadcast<number>();
    const first: number[] = [];
    const second: number[] = [];
    b.observable.subscribe((v) => first.push(v));
    b.next(1);
    b.observable.subscribe((v) => second.push(v));
    b.next(2);
    b.next(3);
    expect(first).toEqual([1, 2, 3]);
    expect(second).toEqual([2, 3]);
    expect(b.size).toBe(2);
  });

  it('stops giving values to a subscriber that unsubscribed', () => {
    const b = new Broadcast<string>();
    const got: string[] = [];
    const sub = b.observable.subscribe((v) => got.push(v));
    b.next('a');
    sub.unsubscribe();
    b.next('b');
    expect(got).toEqual(['a']);
    expect(b.size).toBe(0);
  });

  it('as a Subject does, while a value is delivered: one that subscribes gets the next value, one that unsubscribes gets nothing more', () => {
    const b = new Broadcast<number>();
    const late: number[] = [];
    const second: number[] = [];
    const subs: { unsubscribe(): void }[] = [];
    b.observable.subscribe((v) => {
      // The first subscriber adds one and removes the second during delivery of 1.
      if (v === 1) {
        b.observable.subscribe((w) => late.push(w));
        subs[0]?.unsubscribe();
      }
    });
    subs.push(b.observable.subscribe((v) => second.push(v)));
    b.next(1);
    b.next(2);
    // Unsubscribed before 1 reached it: a closed subscriber takes no value.
    expect(second).toEqual([]);
    expect(late).toEqual([2]);
  });

  it('completes every subscriber, and one that subscribes after the end at once, and sends nothing more', () => {
    const b = new Broadcast<number>();
    const events: string[] = [];
    b.observable.subscribe({
      next: (v) => events.push(`a${v}`),
      complete: () => events.push('a|'),
    });
    b.next(1);
    b.complete();
    b.next(2);
    b.observable.subscribe({
      next: (v) => events.push(`b${v}`),
      complete: () => events.push('b|'),
    });
    expect(events).toEqual(['a1', 'a|', 'b|']);
    expect(b.size).toBe(0);
  });

  it('works as an RxJS source: operators and merge see its values and its end', async () => {
    const a = new Broadcast<number>();
    const c = new Broadcast<number>();
    const all = firstValueFrom(
      merge(a.observable, c.observable.pipe(map((v) => v * 10))).pipe(take(3), toArray()),
    );
    a.next(1);
    c.next(2);
    a.next(3);
    await expect(all).resolves.toEqual([1, 20, 3]);
    // take(3) unsubscribed from both.
    expect(a.size + c.size).toBe(0);
  });

  it('passes an error thrown by one subscriber on without keeping the others from the value', async () => {
    const b = new Broadcast<number>();
    const got: number[] = [];
    const errors: unknown[] = [];
    b.observable.subscribe(() => {
      throw new Error('subscriber bug');
    });
    b.observable.subscribe((v) => got.push(v));
    // RxJS reports an error thrown in a subscriber's next as unhandled, on a timer.
    const before = config.onUnhandledError;
    config.onUnhandledError = (err) => errors.push(err);
    try {
      b.next(7);
      await new Promise((r) => setTimeout(r, 0));
    } finally {
      config.onUnhandledError = before;
    }
    expect(got).toEqual([7]);
    expect(errors).toEqual([new Error('subscriber bug')]);
  });
});
