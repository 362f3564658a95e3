/**
 * Lines of line protocol collected between flushes, as the bytes that go to disk and to the
 * database: no string per line, no join. A sample's line is its point's prefix bytes
 * (`measurement,tags value=`, cached), the value's digits and the time (cached for the last
 * instant: a poll's samples share it). Joining strings (a cons string per line, flattened)
 * cost more than everything else in the historian (issue 25, docs/performance.md).
 *
 * Kept in chunks, each with its line count, so an overflow can drop the oldest whole chunks.
 */
export interface LineChunk {
  bytes: Buffer;
  lines: number;
}

const CHUNK_BYTES = 256 * 1024;
const NEWLINE = 0x0a;

export class LineBuffer {
  private readonly full: LineChunk[] = [];
  private cur = Buffer.allocUnsafe(CHUNK_BYTES);
  private off = 0;
  private curLines = 0;
  private total = 0;
  private lastMs = NaN;
  private lastSuffix = Buffer.alloc(0);

  /** Lines held. */
  get lines(): number {
    return this.total;
  }

  /** A line given as text (without its newline). */
  putText(line: string): void {
    const n = Buffer.byteLength(line, 'utf8') + 1;
    this.room(n);
    this.off += this.cur.write(line, this.off, 'utf8');
    this.cur[this.off++] = NEWLINE;
    this.counted();
  }

  /**
   * A line of a finite number: `prefix` (ASCII, ending in `value=`), the number as JavaScript
   * writes it (what `String(value)` gives, as the line encoder writes it), then the time in
   * nanoseconds.
   */
  putNumber(prefix: Buffer, value: number, ms: number): void {
    const suffix = this.suffix(ms);
    // A number's text: at most 24 characters (-1.2345678901234567e-300).
    this.room(prefix.length + 24 + suffix.length);
    const b = this.cur;
    prefix.copy(b, this.off);
    let o = this.off + prefix.length;
    if (Number.isInteger(value) && Math.abs(value) < 1e15) {
      // Most register values: the digits by hand, no string.
      let v = value;
      if (v < 0) {
        b[o++] = 0x2d;
        v = -v;
      }
      // -0 too: String(-0) is "0" (0 has one digit).
      // Digits written from the last one back: no subarray to reverse (an object per value).
      let digits = 1;
      for (let t = v; t >= 10; t = Math.floor(t / 10)) digits += 1;
      let at = o + digits - 1;
      do {
        b[at--] = 0x30 + (v % 10);
        v = Math.floor(v / 10);
      } while (v > 0);
      o += digits;
    } else {
      o += b.write(String(value), o, 'latin1');
    }
    suffix.copy(b, o);
    this.off = o + suffix.length;
    this.counted();
  }

  /** Everything held, oldest first, and empties the buffer. */
  take(): LineChunk[] {
    this.seal();
    const out = this.full.splice(0);
    this.total = 0;
    return out;
  }

  /** Drops the oldest whole chunks until at most `max` lines are held; the lines dropped. */
  dropOldest(max: number): number {
    let dropped = 0;
    if (this.total <= max) return 0;
    this.seal();
    while (this.total > max && this.full.length > 0) {
      const c = this.full.shift()!;
      this.total -= c.lines;
      dropped += c.lines;
    }
    return dropped;
  }

  /** Puts chunks back in front (a flush that failed: disk full), oldest first. */
  restore(chunks: readonly LineChunk[]): void {
    this.seal();
    this.full.unshift(...chunks);
    for (const c of chunks) this.total += c.lines;
  }

  private suffix(ms: number): Buffer {
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastSuffix = Buffer.from(` ${ms === 0 ? '0' : `${ms}000000`}\n`, 'latin1');
    }
    return this.lastSuffix;
  }

  private counted(): void {
    this.curLines += 1;
    this.total += 1;
  }

  private room(n: number): void {
    if (this.off + n <= this.cur.length) return;
    this.seal();
    this.cur = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, n));
  }

  private seal(): void {
    if (this.curLines === 0) return;
    // A copy of what was written: the chunk's memory is used again for the next lines.
    this.full.push({ bytes: Buffer.from(this.cur.subarray(0, this.off)), lines: this.curLines });
    this.off = 0;
    this.curLines = 0;
  }
}

/**
 * The lines of bytes LineBuffer or the spool hold (complete lines, each ending in a newline);
 * an empty line, which no encoder writes, is not one.
 */
export function linesOf(bytes: Buffer): string[] {
  return bytes
    .toString('utf8')
    .split('\n')
    .filter((l) => l.length > 0);
}
