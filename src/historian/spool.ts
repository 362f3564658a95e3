import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  mkdirSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log';
import type { LineChunk } from './line-buffer';

/**
 * The disk store-and-forward buffer between HeatBridge and its database (DESIGN §6).
 *
 * Lines are appended to segment files and fsynced before `append` resolves: only then do they
 * count as accepted. Segments are sealed (renamed with their line count) when they are full or
 * when the forwarder takes them, read oldest first, and deleted only after the database
 * acknowledged them. Over the size cap the oldest segments are dropped and their lines counted.
 * After a crash the half-written last segment is sealed on open; a torn last line (never
 * acknowledged, since the fsync did not complete) is dropped and counted.
 *
 * File names: active `seg-<seq>-<firstMs>.lp`, sealed `seg-<seq>-<firstMs>-<lines>.lp`.
 * Synchronous file calls: appends are small and the fsync must finish before acceptance anyway.
 *
 * With `keepWritten`, the bytes of the segments written in this run are also kept in memory, up
 * to a bound, as they went to disk: the historian's forwarder sends them without reading the file back, splitting it into lines
 * and joining them again (three passes over every byte that showed in the profile, issue 25).
 */
export interface SpoolOptions {
  dir: string;
  maxBytes: number;
  /** Lines per segment: at most one database batch. */
  segmentLines: number;
  log: Logger;
  now?: () => number;
  /**
   * Keep what this run writes in memory (up to MAX_KEPT_BYTES) and hand it out from there: the
   * historian's forwarder, which sends every segment it wrote moments ago. Off for spools whose
   * files are the truth to read back (notifications: a message file that is gone or damaged is
   * dropped, not sent from a copy).
   */
  keepWritten?: boolean;
}

export interface Segment {
  seq: number;
  firstAt: number;
  lines: number;
  bytes: number;
  file: string;
}

export interface SpoolStats {
  segments: number;
  lines: number;
  bytes: number;
  /** Age of the oldest line waiting, ms (0 when empty). */
  oldestAgeMs: number;
  /** Lines dropped since start: over the cap, or torn by a crash. */
  dropped: number;
}

/** Bytes of written segments kept in memory for sending; beyond it the oldest are read back. */
const MAX_KEPT_BYTES = 16 * 1024 * 1024;

const SEALED = /^seg-(\d+)-(\d+)-(\d+)\.lp$/;
const ACTIVE = /^seg-(\d+)-(\d+)\.lp$/;

export class Spool {
  private readonly sealed: Segment[] = [];
  private active: (Segment & { fd: number }) | undefined;
  /** The segment the forwarder is sending: never dropped under it by the cap. */
  private sending: Segment | undefined;
  private nextSeq = 1;
  private droppedLines = 0;
  private readonly now: () => number;
  private readonly segmentBytes: number;
  /** What this run wrote to each segment, in order, by sequence number (see MAX_KEPT_BYTES). */
  private readonly kept = new Map<number, Buffer[]>();
  private keptBytes = 0;

  constructor(private readonly opts: SpoolOptions) {
    this.now = opts.now ?? Date.now;
    // Several segments fit under the cap, so dropping the oldest frees space gradually.
    this.segmentBytes = Math.max(
      64 * 1024,
      Math.min(4 * 1024 * 1024, Math.floor(opts.maxBytes / 8)),
    );
  }

  /** Finds what an earlier run left: sealed segments as they are, an active one sealed now. */
  open(): void {
    mkdirSync(this.opts.dir, { recursive: true });
    const names = readdirSync(this.opts.dir);
    for (const name of names) {
      const file = join(this.opts.dir, name);
      let m = SEALED.exec(name);
      if (m) {
        this.sealed.push({
          seq: Number(m[1]),
          firstAt: Number(m[2]),
          lines: Number(m[3]),
          bytes: statSync(file).size,
          file,
        });
        continue;
      }
      m = ACTIVE.exec(name);
      if (m) this.sealed.push(this.recover(file, Number(m[1]), Number(m[2])));
    }
    this.sealed.sort((a, b) => a.seq - b.seq);
    this.nextSeq = (this.sealed.at(-1)?.seq ?? 0) + 1;
    const stats = this.stats();
    if (stats.lines > 0) {
      this.opts.log.info(
        { lines: stats.lines, segments: stats.segments, bytes: stats.bytes },
        'spool has lines from before; they will be sent first',
      );
    }
  }

  /** Appends lines and returns once they are on disk. */
  append(lines: readonly string[]): void {
    if (lines.length === 0) return;
    this.appendChunks([
      { bytes: Buffer.from(`${lines.join('\n')}\n`, 'utf8'), lines: lines.length },
    ]);
  }

  /**
   * Appends chunks of complete lines (each ending in a newline, `lines` of them, as LineBuffer
   * holds them) and returns once they are on disk. A chunk is cut at a line boundary where a
   * segment fills up.
   */
  appendChunks(chunks: readonly LineChunk[]): void {
    for (const chunk of chunks) {
      let bytes = chunk.bytes;
      let lines = chunk.lines;
      while (lines > 0) {
        const seg = this.active ?? this.startSegment();
        const room = this.opts.segmentLines - seg.lines;
        let take = lines;
        let data = bytes;
        if (lines > room) {
          take = room;
          data = bytes.subarray(0, endOfLine(bytes, room));
        }
        writeSync(seg.fd, data);
        // The bytes written are the bytes later sent (kept as a view: `bytes` is not reused).
        this.keep(seg, data);
        seg.lines += take;
        seg.bytes += data.length;
        lines -= take;
        bytes = bytes.subarray(data.length);
        if (seg.lines >= this.opts.segmentLines || seg.bytes >= this.segmentBytes) this.seal();
      }
    }
    // Data, and the size that makes it readable: all an append needs (no timestamps).
    if (this.active) fdatasyncSync(this.active.fd);
    this.enforceCap();
  }

  /**
   * The oldest segment, to send; seals the active one when nothing sealed is waiting. The
   * segment stays in the spool (and is not dropped by the cap) until `ack` or `release`.
   */
  take(delayMs = 0): Segment | undefined {
    if (this.sealed.length === 0 && this.dueIn(delayMs) === 0) this.seal();
    this.sending = this.sealed[0];
    return this.sending;
  }

  /**
   * How long until `take(delayMs)` hands out something: 0 when a segment is waiting (or the active
   * one's first line is `delayMs` old), undefined when the spool is empty.
   */
  dueIn(delayMs: number): number | undefined {
    if (this.sealed.length > 0) return 0;
    if (!this.active || this.active.lines === 0) return undefined;
    return Math.max(0, this.active.firstAt + delayMs - this.now());
  }

  /** Sending failed: the segment stays, to be taken again. */
  release(): void {
    this.sending = undefined;
  }

  /** The lines of a segment (a torn last line is not one). */
  read(seg: Segment): string[] {
    return splitLines(this.readBody(seg).toString('utf8')).lines;
  }

  /**
   * A segment's bytes, complete lines each ending in a newline: from memory when this run wrote
   * all of it, else from its file (a torn last line, which `open` already cut, left out).
   */
  readBody(seg: Segment): Buffer {
    const kept = this.kept.get(seg.seq);
    if (kept) return kept.length === 1 ? kept[0]! : Buffer.concat(kept);
    const data = readFileSync(seg.file);
    const end = data.lastIndexOf(0x0a) + 1;
    return end === data.length ? data : data.subarray(0, end);
  }

  /** The database has the segment: delete it. */
  ack(seg: Segment): void {
    this.sending = undefined;
    const i = this.sealed.indexOf(seg);
    if (i >= 0) this.sealed.splice(i, 1);
    this.forget(seg.seq);
    unlinkSync(seg.file);
  }

  stats(): SpoolStats {
    const all = [...this.sealed, ...(this.active ? [this.active] : [])];
    const oldest = all.find((s) => s.lines > 0);
    return {
      segments: all.length,
      lines: all.reduce((n, s) => n + s.lines, 0),
      bytes: all.reduce((n, s) => n + s.bytes, 0),
      oldestAgeMs: oldest ? Math.max(this.now() - oldest.firstAt, 0) : 0,
      dropped: this.droppedLines,
    };
  }

  close(): void {
    if (this.active) {
      fsyncSync(this.active.fd);
      if (this.active.lines > 0) this.seal();
      else {
        closeSync(this.active.fd);
        unlinkSync(this.active.file);
        this.active = undefined;
      }
    }
  }

  /**
   * Keeps what was written to a segment, if all of it is kept: a segment whose beginning was let
   * go (over the bound) is read back from its file.
   */
  private keep(seg: Segment, data: Buffer): void {
    if (!this.opts.keepWritten) return;
    let kept = this.kept.get(seg.seq);
    if (!kept) {
      if (seg.lines > 0) return;
      this.kept.set(seg.seq, (kept = []));
    }
    kept.push(data);
    this.keptBytes += data.length;
    for (const seq of this.kept.keys()) {
      if (this.keptBytes <= MAX_KEPT_BYTES) break;
      this.forget(seq);
    }
  }

  private forget(seq: number): void {
    const kept = this.kept.get(seq);
    if (!kept) return;
    this.kept.delete(seq);
    for (const b of kept) this.keptBytes -= b.length;
  }

  private startSegment(): Segment & { fd: number } {
    const seq = this.nextSeq++;
    const firstAt = this.now();
    const file = join(this.opts.dir, `seg-${String(seq).padStart(10, '0')}-${firstAt}.lp`);
    const fd = openSync(file, 'a');
    this.active = { seq, firstAt, lines: 0, bytes: 0, file, fd };
    return this.active;
  }

  private seal(): void {
    const a = this.active;
    if (!a) return;
    fsyncSync(a.fd);
    closeSync(a.fd);
    this.active = undefined;
    const sealedFile = a.file.replace(/\.lp$/, `-${a.lines}.lp`);
    renameSync(a.file, sealedFile);
    this.sealed.push({
      seq: a.seq,
      firstAt: a.firstAt,
      lines: a.lines,
      bytes: a.bytes,
      file: sealedFile,
    });
  }

  /** An active segment left by a crash: keep its complete lines, seal it. */
  private recover(file: string, seq: number, firstAt: number): Segment {
    const text = readFileSync(file, 'utf8');
    const { lines, torn } = splitLines(text);
    if (torn) {
      this.droppedLines += 1;
      this.opts.log.warn(
        { file },
        'spool segment ended in a torn line (a crash during a write); dropped it',
      );
    }
    const body = lines.map((l) => `${l}\n`).join('');
    const sealedFile = file.replace(/\.lp$/, `-${lines.length}.lp`);
    // Rewrite only when a torn line has to go; otherwise a rename keeps it atomic.
    if (torn) {
      const fd = openSync(sealedFile, 'w');
      writeSync(fd, body);
      fsyncSync(fd);
      closeSync(fd);
      unlinkSync(file);
    } else {
      renameSync(file, sealedFile);
    }
    return { seq, firstAt, lines: lines.length, bytes: Buffer.byteLength(body), file: sealedFile };
  }

  private enforceCap(): void {
    let stats = this.stats();
    for (;;) {
      if (stats.bytes <= this.opts.maxBytes) return;
      const i = this.sealed.findIndex((seg) => seg !== this.sending);
      if (i < 0) return;
      const [oldest] = this.sealed.splice(i, 1) as [Segment];
      this.forget(oldest.seq);
      unlinkSync(oldest.file);
      this.droppedLines += oldest.lines;
      this.opts.log.warn(
        {
          lines: oldest.lines,
          since: new Date(oldest.firstAt).toISOString(),
          maxBytes: this.opts.maxBytes,
          droppedTotal: this.droppedLines,
        },
        'spool over its size cap: dropped the oldest lines',
      );
      stats = this.stats();
    }
  }
}

/** The offset just past the `n`-th newline of `bytes` (its length if it has fewer). */
function endOfLine(bytes: Buffer, n: number): number {
  let at = -1;
  for (let i = 0; i < n; i++) {
    at = bytes.indexOf(0x0a, at + 1);
    if (at < 0) return bytes.length;
  }
  return at + 1;
}

function splitLines(text: string): { lines: string[]; torn: boolean } {
  const parts = text.split('\n');
  const last = parts.pop();
  // A file of complete lines ends with "\n": the last part is empty.
  return { lines: parts.filter((l) => l.length > 0), torn: last !== undefined && last.length > 0 };
}
