import { describe, expect, it } from '@jest/globals';
import type { PointDef } from '../../../src/domain/point';
import type { PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import { LineBuffer, type LineChunk } from '../../../src/historian/line-buffer';
import { SampleLines, sampleLine } from '../../../src/historian/schema';

const T = Date.UTC(2026, 0, 15, 6);
const def: Pick<PointDef, 'kind' | 'unit'> = { kind: 'measurement', unit: 'kW' };
const sample = (value: Sample['value'], over: Partial<Sample> = {}): Sample => ({
  id: 'hp1/power' as PointId,
  value,
  ts: T,
  receivedAt: T + 5,
  quality: 'good',
  ...over,
});

const text = (chunks: LineChunk[]): string => chunks.map((c) => c.bytes.toString('utf8')).join('');

/** As the historian does it: the byte path for numbers, text for the rest. */
const lines = new SampleLines('demo');
function put(buffer: LineBuffer, s: Sample): void {
  lines.put(buffer, def, s);
}

describe('the historian’s line buffer', () => {
  it('writes every sample as the same bytes as the line encoder', () => {
    const values: Sample['value'][] = [
      0,
      -0,
      1,
      -1,
      7,
      10,
      65535,
      -32768,
      123456789012345,
      999999999999999,
      1e15,
      1e21,
      -1e21,
      0.1,
      -71.25,
      1 / 3,
      5e-324,
      1.7976931348623157e308,
      true,
      false,
      'running',
      null,
      NaN,
    ];
    const buffer = new LineBuffer();
    const expected: string[] = [];
    for (const v of values) {
      for (const s of [
        sample(v),
        sample(v, { ts: T + 200 }),
        sample(v, { quality: 'stale' }),
        sample(v, { ts: 0 }),
      ]) {
        let line: string;
        try {
          line = sampleLine('demo', def, s);
        } catch {
          continue; // NaN: refused by both paths (the historian counts it)
        }
        put(buffer, s);
        expected.push(line);
      }
    }
    expect(buffer.lines).toBe(expected.length);
    expect(expected.length).toBeGreaterThan(80);
    const chunks = buffer.take();
    expect(text(chunks)).toBe(`${expected.join('\n')}\n`);
    expect(chunks.reduce((n, c) => n + c.lines, 0)).toBe(expected.length);
    expect(buffer.lines).toBe(0);
    expect(buffer.take()).toEqual([]);
  });

  it('grows past one chunk, and drops whole oldest chunks on overflow, counting their lines', () => {
    const buffer = new LineBuffer();
    // About 60 bytes a line: 20,000 lines take several 256 kB chunks.
    for (let i = 0; i < 20_000; i++) put(buffer, sample(i));
    expect(buffer.lines).toBe(20_000);
    const dropped = buffer.dropOldest(10_000);
    expect(dropped).toBeGreaterThanOrEqual(10_000);
    expect(buffer.lines).toBe(20_000 - dropped);
    const lines = text(buffer.take()).split('\n').slice(0, -1);
    expect(lines).toHaveLength(20_000 - dropped);
    // What is left is the newest, in order.
    expect(lines.at(-1)).toBe(sampleLine('demo', def, sample(19_999)));
    expect(lines[0]).toBe(sampleLine('demo', def, sample(dropped)));
  });

  it('takes chunks back in front after a failed flush', () => {
    const buffer = new LineBuffer();
    put(buffer, sample(1));
    const first = buffer.take();
    put(buffer, sample(2));
    buffer.restore(first);
    expect(buffer.lines).toBe(2);
    expect(text(buffer.take())).toBe(
      `${sampleLine('demo', def, sample(1))}\n${sampleLine('demo', def, sample(2))}\n`,
    );
  });

  it('keeps text lines with any characters as UTF-8', () => {
    const buffer = new LineBuffer();
    buffer.putText('audit,site=demo reason="Lämpö ✓" 1');
    expect(text(buffer.take())).toBe('audit,site=demo reason="Lämpö ✓" 1\n');
  });
});
