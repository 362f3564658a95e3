import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { Spool } from '../../../src/historian/spool';
import { memoryLogger } from '../../helpers/logger';

const lines = (from: number, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `m v=${from + i} ${from + i}`);

function spool(dir: string, maxBytes = 1024 * 1024, segmentLines = 100, keepWritten = true) {
  const s = new Spool({
    dir,
    maxBytes,
    segmentLines,
    keepWritten,
    log: memoryLogger().log,
    now: () => 1_000,
  });
  s.open();
  return s;
}

describe('disk spool', () => {
  it('hands out segments oldest first, in order, and deletes them only when acknowledged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-spool-'));
    const s = spool(dir);
    s.append(lines(0, 250)); // 100 + 100 + 50 (active)
    const got: string[] = [];
    for (let seg = s.take(); seg; seg = s.take()) {
      got.push(...s.read(seg));
      s.ack(seg);
    }
    expect(got).toEqual(lines(0, 250));
    expect(readdirSync(dir)).toEqual([]);
    expect(s.stats()).toMatchObject({ lines: 0, bytes: 0, segments: 0, dropped: 0 });
  });

  it('hands a segment over as the bytes it wrote, from memory, and the same from its file after a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-spool-'));
    const a = spool(dir);
    a.append(lines(0, 30));
    a.append(lines(30, 40)); // two appends into one segment of 100 lines
    const seg = a.take()!;
    const expected = `${lines(0, 70).join('\n')}\n`;
    expect(a.readBody(seg).toString('utf8')).toBe(expected);
    // A crash: the next run has only the file.
    const b = spool(dir);
    const again = b.take()!;
    expect(again.lines).toBe(70);
    expect(b.readBody(again).toString('utf8')).toBe(expected);
    expect(b.read(again)).toEqual(lines(0, 70));
  });

  it('lets lines wait up to the send delay for a batch to fill; a full segment goes at once', () => {
    let now = 10_000;
    const s = new Spool({
      dir: mkdtempSync(join(tmpdir(), 'hb-spool-')),
      maxBytes: 1024 * 1024,
      segmentLines: 100,
      log: memoryLogger().log,
      now: () => now,
    });
    s.open();
    expect(s.dueIn(1000)).toBeUndefined();
    s.append(lines(0, 10));
    expect(s.dueIn(1000)).toBe(1000);
    expect(s.take(1000)).toBeUndefined();
    now += 400;
    s.append(lines(10, 10)); // the segment's first line is what ages
    expect(s.dueIn(1000)).toBe(600);
    const first = s.take(0)!; // no delay: at once
    expect(first.lines).toBe(20);
    s.ack(first);
    s.append(lines(20, 130)); // fills one segment of 100 (sealed), 30 wait
    expect(s.dueIn(1000)).toBe(0);
    const full = s.take(1000)!;
    expect(full.lines).toBe(100);
    s.ack(full);
    expect(s.dueIn(1000)).toBe(1000);
    now += 1000;
    expect(s.take(1000)?.lines).toBe(30);
  });

  it('without keepWritten, reads a segment from its file: what is on disk is what is sent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-spool-'));
    const s = spool(dir, 1024 * 1024, 100, false);
    s.append(lines(0, 3));
    const seg = s.take()!;
    writeFileSync(seg.file, 'changed v=1 1\n');
    expect(s.read(seg)).toEqual(['changed v=1 1']);
  });

  it('keeps a segment whose send failed, to be taken again', () => {
    const s = spool(mkdtempSync(join(tmpdir(), 'hb-spool-')));
    s.append(lines(0, 10));
    const seg = s.take()!;
    s.release();
    expect(s.take()).toBe(seg);
    expect(s.read(seg)).toHaveLength(10);
  });

  it('survives a restart: what was appended is there, in order, after reopening', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-spool-'));
    const a = spool(dir);
    a.append(lines(0, 150));
    // No close(): a crash. The active segment is on disk because append fsyncs.
    const b = spool(dir);
    expect(b.stats().lines).toBe(150);
    const got: string[] = [];
    for (let seg = b.take(); seg; seg = b.take()) {
      got.push(...b.read(seg));
      b.ack(seg);
    }
    expect(got).toEqual(lines(0, 150));
  });

  it('drops a torn last line left by a crash in the middle of a write, and counts it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-spool-'));
    writeFileSync(join(dir, 'seg-0000000007-500.lp'), 'm v=1 1\nm v=2 2\nm v=3');
    const s = spool(dir);
    const seg = s.take()!;
    expect(s.read(seg)).toEqual(['m v=1 1', 'm v=2 2']);
    expect(s.stats()).toMatchObject({ lines: 2, dropped: 1 });
    // New segments continue the numbering.
    s.ack(seg);
    s.append(lines(0, 1));
    expect(s.take()!.seq).toBe(8);
  });

  it('over its cap drops the oldest lines, counting them, never the segment being sent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-spool-'));
    // Each line is ~12 bytes; 100-line segments of ~1.2 KB; cap 64 KiB.
    const s = spool(dir, 64 * 1024, 100);
    s.append(lines(0, 100));
    const sending = s.take()!; // the forwarder is sending the first segment
    for (let i = 1; i < 100; i++) s.append(lines(i * 100, 100));
    const st = s.stats();
    expect(st.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(st.dropped).toBeGreaterThan(0);
    expect(st.dropped % 100).toBe(0); // whole segments
    expect(existsSync(sending.file)).toBe(true);
    // What is left: the segment being sent, then the newest lines, with a gap of exactly `dropped`.
    s.ack(sending);
    const rest: string[] = [];
    for (let seg = s.take(); seg; seg = s.take()) {
      rest.push(...s.read(seg));
      s.ack(seg);
    }
    expect(rest[0]).toBe(`m v=${100 + st.dropped} ${100 + st.dropped}`);
    expect(rest.at(-1)).toBe('m v=9999 9999');
    expect(100 + st.dropped + rest.length).toBe(10_000);
  });
});
