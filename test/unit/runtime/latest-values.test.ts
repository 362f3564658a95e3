import { describe, expect, it } from '@jest/globals';
import { Subject } from 'rxjs';
import { AdapterBase } from '../../../src/adapters/adapter';
import type { PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import { LatestValues } from '../../../src/runtime/latest-values';

const sample = (id: string, value: number, ts = 1000): Sample => ({
  id: id as PointId,
  value,
  ts,
  receivedAt: ts,
  quality: 'good',
});

/** An adapter's sample streams, fed by hand. */
class HandAdapter extends AdapterBase {
  constructor() {
    super('modbus', 'hand', 'modbus hand');
  }
  read(samples: Sample[]): void {
    this.emitBatch(samples);
  }
  one(s: Sample): void {
    this.emit(s);
  }
  end(): void {
    this.endSamples();
  }
}

describe('an adapter’s samples, one at a time and as batches', () => {
  it('gives the same samples in the same order on both streams, and ends both', () => {
    const a = new HandAdapter();
    const single: Sample[] = [];
    const batches: (readonly Sample[])[] = [];
    let ended = 0;
    a.samples$.subscribe({ next: (s) => single.push(s), complete: () => (ended += 1) });
    a.batches$.subscribe({ next: (b) => batches.push(b), complete: () => (ended += 1) });
    a.read([sample('d/a', 1), sample('d/b', 2)]);
    a.read([]);
    a.one(sample('d/a', 3));
    a.end();
    expect(single.map((s) => s.value)).toEqual([1, 2, 3]);
    // An empty read is not a batch; a single sample is a batch of one.
    expect(batches.map((b) => b.map((s) => s.value))).toEqual([[1, 2], [3]]);
    expect(ended).toBe(2);
  });
});

describe('the latest values', () => {
  it('keep the newest sample of every point from the single stream and the batches', () => {
    const single = new Subject<Sample>();
    const batches = new Subject<readonly Sample[]>();
    const latest = new LatestValues(single, batches);
    batches.next([sample('d/a', 1), sample('d/b', 2)]);
    single.next(sample('control/x', 5));
    batches.next([sample('d/a', 7, 2000)]);
    expect(latest.get('d/a' as PointId)).toMatchObject({ value: 7, ts: 2000 });
    expect(latest.get('d/b' as PointId)?.value).toBe(2);
    expect(latest.get('control/x' as PointId)?.value).toBe(5);
    expect(latest.count).toBe(4);
    expect(latest.size).toBe(3);
    latest.close();
    batches.next([sample('d/a', 9)]);
    expect(latest.get('d/a' as PointId)?.value).toBe(7);
  });
});
