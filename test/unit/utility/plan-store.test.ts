import { afterEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlanHour } from '../../../src/utility/plan';
import { PlanStore, type PlanChange } from '../../../src/utility/plan-store';
import { memoryLogger } from '../../helpers/logger';

const H = 3_600_000;
// Any instant works: times are built from it, never from today's date.
const NOW = Date.parse('2031-03-10T09:20:00Z');
const HOUR = Math.floor(NOW / H) * H;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hb-plan-'));
  dirs.push(dir);
  return join(dir, 'utility-plan.json');
}

const hours = (from: number, n: number, extra: Partial<PlanHour> = {}): PlanHour[] =>
  Array.from({ length: n }, (_, i) => ({
    start: from + i * H,
    supplyTempC: 90 + i,
    mode: 'spot',
    ...extra,
  }));

function store(file?: string, clock = { t: NOW }) {
  const { log, lines } = memoryLogger();
  const s = new PlanStore({
    ...(file ? { stateFile: file } : {}),
    log,
    now: () => clock.t,
    timeZone: 'UTC',
  });
  return { s, lines, clock };
}

describe('PlanStore', () => {
  it('merges by hour: a newer plan replaces the hours it covers and keeps the rest', () => {
    const { s } = store();
    const changes: PlanChange[] = [];
    s.changes$.subscribe((c) => changes.push(c));
    s.accept({ source: 'file:a.csv', receivedAt: NOW, hours: hours(HOUR, 4) });
    const c = s.accept({
      source: 'api:utility',
      receivedAt: NOW + 1,
      hours: hours(HOUR + 2 * H, 3, { supplyTempC: 110, mode: 'on-demand' }),
    });
    expect(c).toEqual({
      source: 'api:utility',
      accepted: 3,
      keptNewer: 0,
      outside: 0,
      from: HOUR + 2 * H,
      to: HOUR + 5 * H,
    });
    expect(changes).toHaveLength(2);
    expect(s.hours(HOUR, HOUR + 10 * H).map((h) => [h.source, h.supplyTempC])).toEqual([
      ['file:a.csv', 90],
      ['file:a.csv', 91],
      ['api:utility', 110],
      ['api:utility', 110],
      ['api:utility', 110],
    ]);
    expect(s.hourAt(HOUR + 2 * H + 59 * 60_000)?.mode).toBe('on-demand');
  });

  it('keeps hours of a plan the utility issued later when an older plan arrives after it (a file re-read at start)', () => {
    const { s } = store();
    s.accept({
      source: 'api:utility',
      receivedAt: NOW,
      issuedAt: NOW - H,
      hours: hours(HOUR, 2, { supplyTempC: 100 }),
    });
    const c = s.accept({
      source: 'file:plan.csv',
      receivedAt: NOW + 1,
      issuedAt: NOW - 20 * H,
      hours: hours(HOUR, 3),
    });
    expect(c.keptNewer).toBe(2);
    expect(c.accepted).toBe(1);
    expect(s.hourAt(HOUR)?.supplyTempC).toBe(100);
    expect(s.hourAt(HOUR + 2 * H)?.source).toBe('file:plan.csv');
  });

  it('keeps 7 days of past hours and drops older ones', () => {
    const clock = { t: NOW };
    const { s } = store(undefined, clock);
    s.accept({ source: 'x', receivedAt: NOW, hours: hours(HOUR, 2) });
    clock.t = NOW + 7 * 24 * H;
    s.accept({ source: 'y', receivedAt: clock.t, hours: hours(HOUR + 7 * 24 * H, 1) });
    expect(s.hourAt(HOUR)).toBeDefined();
    clock.t = NOW + 7 * 24 * H + 2 * H;
    s.accept({ source: 'z', receivedAt: clock.t, hours: hours(HOUR + 8 * 24 * H, 1) });
    expect(s.hourAt(HOUR)).toBeUndefined();
    expect(s.hourAt(HOUR + 7 * 24 * H)?.source).toBe('y');
  });

  it('does not take hours older than it keeps or more than 31 days ahead, and counts them', () => {
    const { s } = store();
    const change = s.accept({
      source: 'typo',
      receivedAt: NOW,
      hours: [
        ...hours(HOUR - 8 * 24 * H, 1),
        ...hours(HOUR, 2),
        ...hours(HOUR + 32 * 24 * H, 1),
        ...hours(Date.parse('2062-03-10T09:00:00Z'), 1),
      ],
    });
    expect({ accepted: change.accepted, outside: change.outside }).toEqual({
      accepted: 2,
      outside: 3,
    });
    expect(s.hours(HOUR - 30 * 24 * H, HOUR + 40_000 * 24 * H)).toHaveLength(2);
  });

  it('status: missing before any plan, active while one covers now, expired after its last hour, on virtual time', () => {
    const clock = { t: NOW };
    const { s } = store(undefined, clock);
    expect(s.status(clock.t)).toEqual({
      state: 'missing',
      text: 'no day-ahead plan received: supply curve',
    });
    s.accept({
      source: 'poll:https://u.example/p',
      receivedAt: NOW,
      hours: [...hours(HOUR, 2), ...hours(HOUR + 3 * H, 1)],
    });
    expect(s.status(NOW)).toEqual({
      state: 'active',
      text: 'plan from poll:https://u.example/p covers now (spot)',
      source: 'poll:https://u.example/p',
      receivedAt: NOW,
      coversUntil: HOUR + 2 * H,
    });
    // The gap hour: not covered, but the plan resumes.
    const gap = s.status(HOUR + 2 * H);
    expect(gap.state).toBe('expired');
    expect(gap.text).toBe(
      `no plan for this hour (the plan resumes at 2031-03-10 12:00:00 UTC): supply curve`,
    );
    expect(s.status(HOUR + 3 * H).state).toBe('active');
    const after = s.status(HOUR + 4 * H);
    expect(after).toEqual({
      state: 'expired',
      text: 'the plan ended at 2031-03-10 13:00:00 UTC: supply curve',
      source: 'poll:https://u.example/p',
      receivedAt: NOW,
    });
  });

  it('persists atomically and reloads after a restart', () => {
    const file = tempFile();
    const a = store(file).s;
    a.accept({
      source: 'api:utility',
      receivedAt: NOW,
      issuedAt: NOW - H,
      hours: hours(HOUR, 3, { priceEurPerMWh: 41.5 }),
    });
    expect(readdirSync(join(file, '..'))).toEqual(['utility-plan.json']); // no temporary file left
    const b = store(file);
    b.s.load();
    expect(b.s.hours(HOUR, HOUR + 3 * H)).toEqual(a.hours(HOUR, HOUR + 3 * H));
    expect(b.s.hourAt(HOUR)).toEqual({
      start: HOUR,
      supplyTempC: 90,
      priceEurPerMWh: 41.5,
      mode: 'spot',
      source: 'api:utility',
      receivedAt: NOW,
      issuedAt: NOW - H,
    });
    expect(b.lines().map((l) => l.msg)).toContain(`day-ahead plans: 3 hours read from ${file}`);
  });

  it('sets an unreadable state file aside with a warning and starts empty', () => {
    for (const bad of [
      '{"version":1,"hours":[{"start":1}]}',
      '{ not json',
      '{"version":9,"hours":[]}',
    ]) {
      const file = tempFile();
      writeFileSync(file, bad);
      const { s, lines } = store(file);
      s.load();
      expect(s.status(NOW).state).toBe('missing');
      expect(existsSync(file)).toBe(false);
      const aside = readdirSync(join(file, '..')).find((n) => n.includes('.corrupt-'));
      expect(aside).toBeDefined();
      expect(readFileSync(join(file, '..', aside!), 'utf8')).toBe(bad);
      const warn = lines().find((l) => l.level === 'warn');
      expect(warn?.msg).toMatch(/is unreadable .*starting without plans, the file is kept as/);
      // A new plan is taken and saved as usual.
      s.accept({ source: 'x', receivedAt: NOW, hours: hours(HOUR, 1) });
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
        version: 1,
        hours: [{ start: HOUR }],
      });
    }
  });

  it('follows a plan it cannot save, and says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-plan-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'file'), 'x');
    const { s, lines } = store(join(dir, 'file', 'utility-plan.json'));
    s.accept({ source: 'x', receivedAt: NOW, hours: hours(HOUR, 1) });
    expect(s.status(NOW).state).toBe('active');
    expect(lines().find((l) => l.level === 'error')?.msg).toMatch(
      /cannot save .*would be lost at a restart/,
    );
  });
});
