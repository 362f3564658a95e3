import {
  closeSync,
  createReadStream,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from '../../log';
import {
  newest,
  WindowMeans,
  type HistorianBackend,
  type HistoryPoint,
  type HistoryQuery,
} from '../backend';
import { parseLine } from '../line-protocol';

export interface FileBackendOptions {
  dir: string;
  rotateBytes: number;
  /** Oldest files are deleted beyond this many. */
  maxFiles: number;
  log: Logger;
  now?: () => number;
}

/** The times of the lines in one file (ms), and its size when they were taken. */
interface FileSpan {
  bytes: number;
  min: number;
  max: number;
}

/**
 * The time of a line of line protocol in milliseconds: its last word, in nanoseconds. Undefined
 * when the line has none (HeatBridge always writes one; files may come from elsewhere).
 */
export function lineTimeMs(line: string): number | undefined {
  const word = line.slice(line.lastIndexOf(' ') + 1);
  if (!/^-?\d{7,}$/.test(word)) return undefined;
  return Number(word.slice(0, -6));
}

/** Takes a line's time into a span; a line without one could be any time (parseLine: now). */
function widen(span: FileSpan, t: number | undefined): void {
  span.min = Math.min(span.min, t ?? -Infinity);
  span.max = Math.max(span.max, t ?? Infinity);
}

const FILE = /^heatbridge-(\d{8}T\d{6}Z)-(\d+)\.lp$/;

/**
 * The embedded historian (the default, used by the demo): the same line protocol the databases
 * get, in local files that rotate by size. A file imports into InfluxDB as it is
 * (`influx -import` after a `# DML` header, or `heatbridge historian replay`). Writes are fsynced
 * before they count as accepted. Queries scan the files for recent history; for long ranges and
 * dashboards, use a database.
 */
export class FileBackend implements HistorianBackend {
  readonly kind = 'file' as const;
  private fd: number | undefined;
  private file: string | undefined;
  private size = 0;
  private seq = 0;
  private readonly now: () => number;
  private queries: Promise<unknown> = Promise.resolve();
  /**
   * The time span of each file's lines, so a query reads only the files that hold part of its
   * range. Kept from the lines themselves, not from file times: a file's mtime is the kernel's
   * clock while its lines carry source times, and the two need not agree (a device clock ahead,
   * a clock stepped by NTP, files copied from another machine).
   */
  private readonly spans = new Map<string, FileSpan>();
  /** The span of the file being written (also in `spans`); widened as lines are written. */
  private span: FileSpan | undefined;
  /** Files read and skipped by queries, for the historian's details. */
  private readonly scans = { filesRead: 0, filesSkipped: 0 };

  constructor(private readonly opts: FileBackendOptions) {
    this.now = opts.now ?? Date.now;
  }

  init(): Promise<void> {
    mkdirSync(this.opts.dir, { recursive: true });
    const existing = this.files();
    this.seq = existing.length > 0 ? Number(FILE.exec(existing.at(-1)!)![2]) + 1 : 0;
    return Promise.resolve();
  }

  write(lines: readonly string[]): Promise<void> {
    this.writeSync(lines);
    return Promise.resolve();
  }

  /** Appends and fsyncs: the lines are accepted when this returns. */
  writeSync(lines: readonly string[]): void {
    let chunk: string[] = [];
    let chunkBytes = 0;
    const put = (): void => {
      if (chunk.length === 0) return;
      writeSync(this.fd!, chunk.join(''));
      fsyncSync(this.fd!);
      this.size += chunkBytes;
      chunk = [];
      chunkBytes = 0;
    };
    for (const line of lines) {
      if (this.fd === undefined) this.rotate();
      const text = `${line}\n`;
      chunk.push(text);
      chunkBytes += Buffer.byteLength(text);
      widen(this.span!, lineTimeMs(line));
      // A file ends at the first line that takes it to its size; the next line starts a new one.
      if (this.size + chunkBytes >= this.opts.rotateBytes) {
        put();
        this.rotate();
      }
    }
    put();
  }

  /**
   * Scans the files for one series. Files read as streams, one query at a time, so a long range
   * never blocks the event loop (control and the PLC heartbeat share it) nor stacks up scans.
   */
  query(q: HistoryQuery): Promise<HistoryPoint[]> {
    const run = this.queries.then(() => this.scan(q));
    this.queries = run.catch(() => undefined);
    return run;
  }

  private async scan(q: HistoryQuery): Promise<HistoryPoint[]> {
    // Cheap pre-filter on the raw text before parsing: the series' own tags must appear.
    const needles = [`${q.measurement},`, `device=${q.device}`, `point=${q.point}`];
    let points: HistoryPoint[] = [];
    // Window means accumulate as we go: a year of 5-second samples never sits in memory.
    const windows = q.everyMs ? new WindowMeans(q.everyMs) : undefined;
    for (const name of this.files()) {
      const path = join(this.opts.dir, name);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (!stat) continue;
      const known = this.spans.get(name);
      // The file being written is always known; another one only while it has not changed.
      const current = known !== undefined && known === this.span;
      if (known && (current || known.bytes === stat.size)) {
        if (known.max < q.from || known.min >= q.to) {
          this.scans.filesSkipped++;
          continue;
        }
      }
      const seen: FileSpan = { bytes: stat.size, min: Infinity, max: -Infinity };
      if (stat.size === 0) {
        if (!current) this.spans.set(name, seen);
        continue;
      }
      this.scans.filesRead++;
      try {
        const input = createReadStream(path, { encoding: 'utf8', end: stat.size - 1 });
        for await (const line of createInterface({ input, crlfDelay: Infinity })) {
          if (line === '') continue;
          widen(seen, lineTimeMs(line));
          if (!needles.every((n) => line.includes(n))) continue;
          const p = this.pointOf(line, q);
          if (!p) continue;
          if (windows) windows.add(p);
          else points.push(p);
        }
        // Read up to the size seen: that much of it is what this span covers.
        if (!current) this.spans.set(name, seen);
      } catch (err) {
        // Retention may delete the oldest file while we read it: its lines are gone anyway.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      // Raw points beyond the limit are dropped as we go: memory stays bounded on long ranges.
      if (q.limit !== undefined && points.length > 2 * q.limit) points = newest(points, q.limit);
    }
    return newest(windows ? windows.points() : points, q.limit);
  }

  private pointOf(line: string, q: HistoryQuery): HistoryPoint | undefined {
    let r;
    try {
      r = parseLine(line);
    } catch {
      return undefined;
    }
    if (
      r.measurement !== q.measurement ||
      r.tags.site !== q.site ||
      r.tags.device !== q.device ||
      r.tags.point !== q.point ||
      r.time < q.from ||
      r.time >= q.to
    )
      return undefined;
    return {
      t: r.time,
      value: typeof r.fields.value === 'number' ? r.fields.value : null,
      ...(typeof r.fields.state === 'string' ? { state: r.fields.state } : {}),
      ...(r.tags.quality ? { quality: r.tags.quality } : {}),
    };
  }

  /** How many files queries read, and how many they skipped by their time span. */
  stats(): { filesRead: number; filesSkipped: number } {
    return { ...this.scans };
  }

  close(): Promise<void> {
    if (this.fd !== undefined) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = undefined;
    }
    return Promise.resolve();
  }

  /** Files oldest first. */
  files(): string[] {
    return readdirSync(this.opts.dir)
      .filter((f) => FILE.test(f))
      .sort((a, b) => Number(FILE.exec(a)![2]) - Number(FILE.exec(b)![2]));
  }

  private rotate(): void {
    // The file being closed keeps its span while its size stays what was written.
    if (this.span) this.span.bytes = this.size;
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
    const stamp = new Date(this.now()).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
    this.file = join(this.opts.dir, `heatbridge-${stamp}-${this.seq++}.lp`);
    this.fd = openSync(this.file, 'a');
    this.size = statSync(this.file).size;
    // A new file is empty; one that somehow exists already may hold any time.
    const empty = this.size === 0;
    this.span = {
      bytes: this.size,
      min: empty ? Infinity : -Infinity,
      max: empty ? -Infinity : Infinity,
    };
    this.spans.set(basename(this.file), this.span);
    this.opts.log.debug({ file: this.file }, 'historian file started');
    const files = this.files();
    for (const old of files.slice(0, Math.max(files.length - this.opts.maxFiles, 0))) {
      unlinkSync(join(this.opts.dir, old));
      this.spans.delete(old);
      this.opts.log.info(
        { file: old, maxFiles: this.opts.maxFiles },
        'historian file deleted (retention)',
      );
    }
  }
}
