import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStateFile, StateFileWriter } from '../../../src/util/state-file';
import { memoryLogger } from '../../helpers/logger';

const NOW = Date.parse('2026-12-03T10:00:00Z');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'hb-state-'));
const parse = (text: string): number => {
  const v = JSON.parse(text) as unknown;
  if (typeof v !== 'number') throw new Error('expected a number');
  return v;
};

describe('state files', () => {
  it('a missing file is not found; a good one is parsed', () => {
    const file = join(tmp(), 'state.json');
    expect(readStateFile(file, parse, NOW)).toEqual({ found: false });
    writeFileSync(file, '42');
    expect(readStateFile(file, parse, NOW)).toEqual({ found: true, value: 42 });
  });

  it('an unreadable file is set aside with what is wrong', () => {
    const dir = tmp();
    const file = join(dir, 'state.json');
    writeFileSync(file, '"text"');
    const read = readStateFile(file, parse, NOW);
    expect(read).toEqual({
      found: true,
      error: 'expected a number',
      setAsideAs: join(dir, 'state.json.corrupt-2026-12-03T100000000Z'),
    });
    expect(readdirSync(dir)).toEqual(['state.json.corrupt-2026-12-03T100000000Z']);
  });

  it('a failed save is logged once and reported degraded, then running once it works', () => {
    const dir = tmp();
    const file = join(dir, 'state.json');
    mkdirSync(`${file}.tmp`);
    const { log, lines } = memoryLogger();
    const reports: string[] = [];
    const report = (state: string, message?: string): number =>
      reports.push(`${state} ${message ?? ''}`);
    const w = new StateFileWriter(file, 'test state', log);
    w.write('1', NOW, report);
    w.write('2', NOW + 1, report);
    expect(
      lines().filter((l) => String(l.msg).startsWith('test state cannot be saved')),
    ).toHaveLength(1);
    expect(reports).toHaveLength(2);
    expect(reports[0]).toMatch(/^degraded test state cannot be saved to /);
    expect(w.details()).toHaveProperty('problem');
    // The folder in the way is gone: the next save works and says so.
    rmSync(`${file}.tmp`, { recursive: true });
    w.write('3', NOW + 2, report);
    expect(reports.at(-1)).toBe('running ');
    expect(readFileSync(file, 'utf8')).toBe('3');
    expect(w.details()).toEqual({ file, savedAt: new Date(NOW + 2).toISOString() });
  });
});
