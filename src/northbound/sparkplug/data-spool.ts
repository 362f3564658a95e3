import { Spool, type Segment, type SpoolStats } from '../../historian/spool';
import type { Logger } from '../../log';
import type { DeviceBatch } from './change-batcher';
import type { MetricCatalog } from './metrics';

/**
 * The Sparkplug store-and-forward buffer: the historian's disk spool (fsynced append-only
 * segments, oldest first, deleted after acknowledgement, size-capped with counted drops) in its
 * own folder, one line per device batch. A line names its points (device and point name), not
 * aliases, so it is still understood after a restart with a changed configuration.
 */

/** A spooled line: device, and per change [point name, value, source time ms, quality]. */
interface SpooledLine {
  d: string;
  c: [
    string,
    DeviceBatch[number]['change']['value'],
    number,
    DeviceBatch[number]['change']['quality'],
  ][];
}

export class DataSpool {
  private readonly spool: Spool;
  /** Spooled changes whose point no longer exists (a changed configuration): skipped, counted. */
  unknown = 0;

  constructor(opts: { dir: string; maxBytes: number; log: Logger; now: () => number }) {
    // 200 batches per segment: one segment is replayed, then acknowledged, as one unit.
    this.spool = new Spool({ ...opts, segmentLines: 200 });
  }

  open(): void {
    this.spool.open();
  }

  /** Appends batches (fsynced before it returns). */
  append(batches: Iterable<DeviceBatch>): void {
    const lines: string[] = [];
    for (const batch of batches) {
      if (batch.length === 0) continue;
      const line: SpooledLine = {
        d: batch[0]!.entry.device,
        c: batch.map(({ entry, change }) => [entry.name, change.value, change.ts, change.quality]),
      };
      lines.push(JSON.stringify(line));
    }
    this.spool.append(lines);
  }

  /** The oldest segment and its batches, resolved against the current catalog. */
  take(catalog: MetricCatalog): { segment: Segment; batches: DeviceBatch[] } | undefined {
    const segment = this.spool.take();
    if (!segment) return undefined;
    const batches: DeviceBatch[] = [];
    for (const text of this.spool.read(segment)) {
      const line = JSON.parse(text) as SpooledLine;
      const batch: DeviceBatch = [];
      for (const [name, value, ts, quality] of line.c) {
        const entry = catalog.find(line.d, name);
        if (entry) batch.push({ entry, change: { value, ts, quality } });
        else this.unknown += 1;
      }
      if (batch.length > 0) batches.push(batch);
    }
    return { segment, batches };
  }

  ack(segment: Segment): void {
    this.spool.ack(segment);
  }

  release(): void {
    this.spool.release();
  }

  stats(): SpoolStats {
    return this.spool.stats();
  }

  close(): void {
    this.spool.close();
  }
}
