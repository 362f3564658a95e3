import { appendFileSync, mkdtempSync, readdirSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { FileBackend, lineTimeMs } from '../../../src/historian/backends/file';
import type { HistoryQuery } from '../../../src/historian/backend';
import { memoryLogger } from '../../helpers/logger';

// Times here are arbitrary instants: the file backend never compares them with a clock.
const HOUR = 3_600_000;
const line = (t: number, v: number): string =>
  `measurement,device=hp1,point=t,quality=good,site=s,unit=degC value=${v} ${t}000000`;
const query = (from: number, to: number): HistoryQuery => ({
  measurement: 'measurement',
  site: 's',
  device: 'hp1',
  point: 't',
  from,
  to,
});

function backend(dir: string): FileBackend {
  // Small files: one hour of minute points is about six of them.
  return new FileBackend({ dir, rotateBytes: 1024, maxFiles: 1000, log: memoryLogger().log });
}

/** Ten hours of one point a minute, the hour h holding values 100·h …. */
function tenHours(b: FileBackend): void {
  for (let h = 0; h < 10; h++)
    b.writeSync(Array.from({ length: 60 }, (_, m) => line(h * HOUR + m * 60_000, 100 * h + m)));
}

describe('lineTimeMs', () => {
  it('reads the nanosecond timestamp at the end of a line as milliseconds', () => {
    expect(lineTimeMs(line(1_234_567, 1))).toBe(1_234_567);
    expect(lineTimeMs('m,a=b s="x 1234567890123456789" 1700000000123000000')).toBe(1700000000123);
  });

  it('is undefined for a line without one', () => {
    expect(lineTimeMs('m v=1')).toBeUndefined();
    expect(lineTimeMs('m s="ends in 12"')).toBeUndefined();
  });
});

describe('the file backend reads only the files that hold part of a range', () => {
  it('skips files outside the range from the spans of the lines it wrote', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-filebackend-'));
    const b = backend(dir);
    await b.init();
    tenHours(b);
    const files = readdirSync(dir).length;
    expect(files).toBeGreaterThan(20);
    const points = await b.query(query(5 * HOUR, 6 * HOUR));
    expect(points.map((p) => p.value)).toEqual(Array.from({ length: 60 }, (_, m) => 500 + m));
    const { filesRead, filesSkipped } = b.stats();
    expect(filesRead + filesSkipped).toBe(files);
    expect(filesRead).toBeLessThanOrEqual(Math.ceil(files / 10) + 2);
    await b.close();
  });

  it('after a restart reads each old file once, then knows it; a file changed since is read again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-filebackend-'));
    const first = backend(dir);
    await first.init();
    tenHours(first);
    await first.close();
    const names = readdirSync(dir);
    // File times that say nothing about the lines: all far in the past.
    for (const f of names) utimesSync(join(dir, f), new Date(0), new Date(0));

    const b = backend(dir);
    await b.init();
    const q = query(9 * HOUR, 10 * HOUR);
    const expected = Array.from({ length: 60 }, (_, m) => 900 + m);
    expect((await b.query(q)).map((p) => p.value)).toEqual(expected);
    expect(b.stats()).toEqual({ filesRead: names.length, filesSkipped: 0 });
    expect((await b.query(q)).map((p) => p.value)).toEqual(expected);
    const known = b.stats();
    expect(known.filesRead - names.length).toBeLessThanOrEqual(Math.ceil(names.length / 10) + 2);

    // Someone appends a line of hour 9 to the oldest file: its size changed, so it is read again.
    const seq = (f: string): number => Number(/-(\d+)\.lp$/.exec(f)![1]);
    const oldest = names.sort((x, y) => seq(x) - seq(y))[0]!;
    appendFileSync(join(dir, oldest), `${line(9 * HOUR + 30_500, -1)}\n`);
    const again = await b.query(q);
    expect(again.map((p) => p.value)).toContain(-1);
    await b.close();
  });

  it('never skips a file with a line without a time (such a line counts as any time)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-filebackend-'));
    const b = backend(dir);
    await b.init();
    b.writeSync([line(0, 1), 'measurement,device=hp1,point=t,quality=good,site=s value=2']);
    await b.query(query(5 * HOUR, 6 * HOUR));
    expect(b.stats()).toEqual({ filesRead: 1, filesSkipped: 0 });
    await b.close();
  });
});
