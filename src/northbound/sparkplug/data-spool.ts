import { copyFileSync, linkSync } from 'node:fs';
import { QUALITIES, type Quality } from '../../domain/quality';
import { Spool, type Segment, type SpoolStats } from '../../historian/spool';
import type { Logger } from '../../log';
import type { DeviceBatch } from './change-batcher';
import type { MetricCatalog } from './metrics';

/**
 * The Sparkplug store-and-forward buffer: the historian's disk spool (fsynced append-only
 * segments, oldest first, deleted after acknowledgement, size-capped with counted drops) in its
 * own folder, one line per device batch. A line names its points (device and point name), not
 * aliases, so it is still understood after a restart with a changed configuration.
 *
 * Nothing in a segment may hold up the data behind it for ever: a line that is not one of ours
 * (not JSON, or not the shape below) is skipped and counted, and a segment whose replay fails
 * for any other reason than a lost connection is retried, then set aside (`<file>.bad`).
 */

/** A spooled line: device, and per change [point name, value, source time ms, quality]. */
interface SpooledLine {
  d: string;
  c: [string, DeviceBatch[number]['change']['value'], number, Quality][];
}

/** Failed replays of one segment before it is set aside as `<file>.bad`. */
export const MAX_REPLAY_ATTEMPTS = 3;

const QUALITY_SET: ReadonlySet<unknown> = new Set(QUALITIES);

function isChange(v: unknown): boolean {
  if (!Array.isArray(v) || v.length !== 4) return false;
  const [name, value, ts, quality] = v as unknown[];
  return (
    typeof name === 'string' &&
    (value === null || ['number', 'boolean', 'string'].includes(typeof value)) &&
    typeof ts === 'number' &&
    Number.isFinite(ts) &&
    QUALITY_SET.has(quality)
  );
}

/** The line as a SpooledLine, or undefined when it is not one (corrupt, or not ours). */
export function parseSpooledLine(text: string): SpooledLine | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { d, c } = v as Record<string, unknown>;
  if (typeof d !== 'string' || !Array.isArray(c) || !c.every(isChange)) return undefined;
  return v as SpooledLine;
}

export class DataSpool {
  private readonly spool: Spool;
  private readonly log: Logger;
  /** The segment handed out by `take`, until acked, released or set aside. */
  private taken: Segment | undefined;
  /** The last segment found with corrupt lines. */
  private corruptSeq: number | undefined;
  /** The segment whose replay failed last, and how often in a row. */
  private failing: { seq: number; attempts: number } | undefined;
  /** Spooled changes whose point no longer exists (a changed configuration): skipped, counted. */
  unknown = 0;
  /** Lines that are not a spooled batch (a damaged file): skipped, counted. */
  corrupt = 0;
  /** Segments set aside after MAX_REPLAY_ATTEMPTS failed replays. */
  quarantined = 0;

  constructor(opts: { dir: string; maxBytes: number; log: Logger; now: () => number }) {
    this.log = opts.log;
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
    this.taken = segment;
    if (!segment) return undefined;
    const batches: DeviceBatch[] = [];
    let corrupt = 0;
    for (const text of this.spool.read(segment)) {
      const line = parseSpooledLine(text);
      if (!line) {
        corrupt += 1;
        continue;
      }
      const batch: DeviceBatch = [];
      for (const [name, value, ts, quality] of line.c) {
        const entry = catalog.find(line.d, name);
        if (entry) batch.push({ entry, change: { value, ts, quality } });
        else this.unknown += 1;
      }
      if (batch.length > 0) batches.push(batch);
    }
    // Counted and logged once per segment, not per attempt: a segment may be taken again.
    if (corrupt > 0 && this.corruptSeq !== segment.seq) {
      this.corruptSeq = segment.seq;
      this.corrupt += corrupt;
      this.log.warn(
        { file: segment.file, lines: corrupt },
        'Sparkplug: spool lines that are not stored data were skipped (a damaged file?)',
      );
    }
    return { segment, batches };
  }

  ack(segment: Segment): void {
    this.taken = undefined;
    this.failing = undefined;
    this.spool.ack(segment);
  }

  /** The connection ended before the segment was acknowledged: it stays, to be taken again. */
  release(): void {
    this.taken = undefined;
    this.spool.release();
  }

  /**
   * Replaying the taken segment failed for another reason than the connection (a file that
   * cannot be read, a message that cannot be sent): released to be retried; after
   * MAX_REPLAY_ATTEMPTS failures in a row set aside as `<file>.bad`, so newer data flows again.
   * One warning at the first failure, one error when it is set aside.
   */
  failed(err: unknown): 'retry' | 'quarantined' {
    const segment = this.taken;
    this.release();
    if (!segment) {
      if (this.failing?.seq !== -1)
        this.log.warn({ err }, 'Sparkplug: replay of stored data failed; retrying');
      this.failing = { seq: -1, attempts: 1 };
      return 'retry';
    }
    const attempts = this.failing?.seq === segment.seq ? this.failing.attempts + 1 : 1;
    this.failing = { seq: segment.seq, attempts };
    if (attempts < MAX_REPLAY_ATTEMPTS) {
      if (attempts === 1)
        this.log.warn(
          { err, file: segment.file },
          `Sparkplug: replay of stored data failed; retried, set aside after ${MAX_REPLAY_ATTEMPTS} attempts`,
        );
      return 'retry';
    }
    this.quarantine(segment, err);
    return 'quarantined';
  }

  stats(): SpoolStats {
    return this.spool.stats();
  }

  close(): void {
    this.spool.close();
  }

  private quarantine(segment: Segment, err: unknown): void {
    const bad = `${segment.file}.bad`;
    let kept = true;
    try {
      linkSync(segment.file, bad);
    } catch {
      try {
        copyFileSync(segment.file, bad);
      } catch {
        kept = false;
      }
    }
    try {
      // Out of the spool's list, and the original file deleted (the spool ignores `.bad`).
      this.spool.ack(segment);
    } catch {
      // The list no longer has it; the file may have been gone already.
    }
    this.failing = undefined;
    this.quarantined += 1;
    this.log.error(
      { err, file: segment.file, ...(kept ? { setAsideAs: bad } : {}), batches: segment.lines },
      `Sparkplug: stored data could not be replayed in ${MAX_REPLAY_ATTEMPTS} attempts; ${kept ? 'set aside' : 'dropped'} so newer data flows again`,
    );
  }
}
