import { describe, expect, it } from '@jest/globals';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, auditEntryInZone } from '../../../src/api/audit-log';

const entry = (target: string, action: 'override-set' | 'mode-changed' = 'override-set') => ({
  actor: 'user:olli',
  action,
  target,
  old: 1,
  new: 2,
  reason: 'test',
  result: 'ok',
});

describe('audit log', () => {
  it('appends each entry to its file as a JSON line, and reads them back after a restart', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hb-audit-')), 'sub', 'audit.jsonl');
    let t = Date.UTC(2026, 0, 1);
    const log = new AuditLog(file, () => t);
    log.record(entry('hp1/sp'));
    t += 1000;
    log.record(entry('hp2', 'mode-changed'));
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([1, 2]);
    // A torn last line (a crash mid-write) is skipped; numbering goes on after the last good one.
    appendFileSync(file, '{"seq": 3, "at": "20');
    const again = new AuditLog(file, () => t);
    expect(again.query({ limit: 10 }).map((e) => e.target)).toEqual(['hp2', 'hp1/sp']);
    expect(again.record(entry('x')).seq).toBe(3);
    // The new entry is a line of its own, after the torn one.
    expect(JSON.parse(readFileSync(file, 'utf8').trim().split('\n').at(-1)!)).toMatchObject({
      seq: 3,
      target: 'x',
    });
  });

  it('keeps entries it cannot write, says why, and writes them once it can', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-audit-'));
    const file = join(dir, 'audit.jsonl');
    const log = new AuditLog(file);
    mkdirSync(file); // a folder where the file should be: every append fails
    expect(() => log.record(entry('a'))).not.toThrow();
    log.record(entry('b'));
    expect(log.problem()).toMatch(/audit\.jsonl cannot be written: EISDIR/);
    expect(log.query({ limit: 10 })).toHaveLength(2);
    rmdirSync(file);
    expect(log.problem()).toBeUndefined();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { target: string }).target)).toEqual(['a', 'b']);
  });

  it('answers queries newest first, filtered and limited', () => {
    let t = 0;
    const log = new AuditLog(undefined, () => t);
    for (let i = 0; i < 10; i++) {
      t = i * 1000;
      log.record(entry(`p${i}`, i % 2 ? 'mode-changed' : 'override-set'));
    }
    expect(log.query({ limit: 3 }).map((e) => e.target)).toEqual(['p9', 'p8', 'p7']);
    expect(
      log.query({ limit: 10, action: 'mode-changed', from: 4000, to: 8000 }).map((e) => e.target),
    ).toEqual(['p7', 'p5']);
    expect(log.query({ limit: 10, target: 'p3' })).toHaveLength(1);
  });

  it('filters by who and what, combined (contract C3)', () => {
    const log = new AuditLog(undefined, () => Date.UTC(2026, 11, 3, 19));
    const rec = (actor: string, action: 'override-set' | 'mode-changed', target: string) =>
      log.record({ ...entry(target, action), actor });
    rec('user:olli', 'override-set', 'hp1/condenser_out_setpoint');
    rec('user:erik', 'override-set', 'hp1/load_setpoint');
    rec('user:olli', 'mode-changed', 'hp1');
    rec('user:olli', 'override-set', 'hp10/load_setpoint');
    rec('system:heatbridge', 'override-set', 'dh/offered_heat');
    rec('user:heatbridge', 'override-set', 'dh/offered_heat');
    const seqs = (q: Parameters<AuditLog['query']>[0]) => log.query(q).map((e) => e.seq);
    // A bare name is a user; a kind:name is exact.
    expect(seqs({ limit: 10, actor: 'olli' })).toEqual([4, 3, 1]);
    expect(seqs({ limit: 10, actor: 'user:olli' })).toEqual([4, 3, 1]);
    expect(seqs({ limit: 10, actor: 'heatbridge' })).toEqual([6]);
    expect(seqs({ limit: 10, actor: 'system:heatbridge' })).toEqual([5]);
    // A device prefix: its points and the device itself, not a device whose name starts alike.
    expect(seqs({ limit: 10, target: 'hp1/' })).toEqual([3, 2, 1]);
    expect(seqs({ limit: 10, target: 'hp1' })).toEqual([3]);
    expect(seqs({ limit: 10, target: 'hp1/load_setpoint' })).toEqual([2]);
    // Combined.
    expect(seqs({ limit: 10, actor: 'olli', action: 'override-set', target: 'hp1/' })).toEqual([1]);
    // The file keeps UTC; the API shows the site's offset, the same instant.
    const [last] = log.query({ limit: 1 });
    expect(last!.at).toBe('2026-12-03T19:00:00.000Z');
    expect(auditEntryInZone(last!, 'Europe/Helsinki')).toEqual({
      ...last,
      at: '2026-12-03T21:00:00+02:00',
    });
  });

  it('publishes every entry for live views', () => {
    const log = new AuditLog(undefined);
    const seen: number[] = [];
    log.entries$.subscribe((e) => seen.push(e.seq));
    log.record(entry('a'));
    log.record(entry('b'));
    expect(seen).toEqual([1, 2]);
  });
});
