import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ComponentContext } from '../../../src/runtime/component';
import { VirtualClock } from '../../../src/simulation/virtual-clock';
import { FileSource } from '../../../src/utility/plan-sources';
import { PlanStore } from '../../../src/utility/plan-store';
import { planIntakeOf } from '../../../src/utility/utility-wiring';
import { memoryLogger } from '../../helpers/logger';

const H = 3_600_000;
const START = Date.parse('2031-02-03T08:10:00Z');
const HOUR = Math.floor(START / H) * H;
const iso = (t: number): string => new Date(t).toISOString();

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(name = 'plan.csv') {
  const dir = mkdtempSync(join(tmpdir(), 'hb-plan-src-'));
  dirs.push(dir);
  const file = join(dir, name);
  const clock = new VirtualClock(START);
  const { log, lines } = memoryLogger();
  const plans = new PlanStore({ log, now: () => clock.now() });
  const reports: string[] = [];
  const ctx: ComponentContext = {
    log,
    report: (state, message) => reports.push(`${state}${message ? `: ${message}` : ''}`),
  };
  const source = new FileSource({
    name: 'utility plan file',
    what: 'day-ahead plan',
    intake: planIntakeOf(plans, () => clock.now(), 'UTC'),
    log,
    scheduler: clock,
    file,
    checkEveryMs: 10_000,
  });
  let version = 0;
  /** Writes the file with a modification time of its own, as a later save would have. */
  const write = (text: string): void => {
    writeFileSync(file, text);
    version++;
    utimesSync(file, new Date(START + version * 1000), new Date(START + version * 1000));
  };
  return { file, clock, plans, source, ctx, reports, lines, write };
}

const csv = (temp: number, hours = 2): string =>
  `start,supply_temp_c,mode\n${Array.from({ length: hours }, (_, i) => `${iso(HOUR + i * H)},${temp},spot`).join('\n')}\n`;

describe('a plan file', () => {
  it('is read at start and again when it changes, on the scheduler', async () => {
    const { clock, plans, source, ctx, write, lines } = setup();
    write(csv(95));
    await source.start(ctx);
    expect(plans.hourAt(START)).toMatchObject({
      supplyTempC: 95,
      source: expect.stringMatching(/^file:.*plan\.csv$/),
    });
    expect(
      lines().some((l) => /day-ahead plan from file:.*: 2 of 2 hours taken/.test(String(l.msg))),
    ).toBe(true);
    write(csv(101, 3));
    expect(plans.hourAt(START)?.supplyTempC).toBe(95); // not before the next look
    clock.runUntil(START + 10_000);
    expect(plans.hourAt(START)?.supplyTempC).toBe(101);
    expect(plans.hourAt(HOUR + 2 * H)).toBeDefined();
    await source.stop();
  });

  it('a bad file keeps the last good plan and turns the source degraded; a fixed one recovers', async () => {
    const { clock, plans, source, ctx, reports, write, lines } = setup();
    write(csv(95));
    await source.start(ctx);
    write(`start,supply_temp_c,mode\n${iso(HOUR)},95,sometimes\n`);
    clock.runUntil(START + 10_000);
    expect(plans.hourAt(START)?.supplyTempC).toBe(95);
    expect(reports.at(-1)).toMatch(
      /^degraded: file:.*plan\.csv: rejected: line 2, mode: expected on-demand or spot/,
    );
    const warn = lines().find((l) => l.level === 'warn');
    expect(warn?.msg).toMatch(/rejected: line 2, mode: .*; keeping the last good one$/);
    write(csv(99));
    clock.runUntil(START + 20_000);
    expect(plans.hourAt(START)?.supplyTempC).toBe(99);
    expect(reports.at(-1)).toBe('running');
    expect(lines().some((l) => /good again/.test(String(l.msg)))).toBe(true);
    await source.stop();
  });

  it('a missing file is waited for, said once', async () => {
    const { clock, plans, source, ctx, reports, write, lines } = setup('plan.json');
    await source.start(ctx);
    clock.runUntil(START + 30_000);
    expect(reports).toEqual([
      expect.stringMatching(/^degraded: .*plan\.json cannot be read \(ENOENT\)$/),
    ]);
    expect(lines().filter((l) => l.level === 'warn')).toHaveLength(1);
    write(JSON.stringify({ hours: [{ start: iso(HOUR), supplyTempC: 88, mode: 'on-demand' }] }));
    clock.runUntil(START + 40_000);
    expect(plans.hourAt(START)).toMatchObject({ supplyTempC: 88, mode: 'on-demand' });
    await source.stop();
  });

  it('stops looking at stop', async () => {
    const { clock, plans, source, ctx, write } = setup();
    write(csv(95));
    await source.start(ctx);
    await source.stop();
    write(csv(70));
    clock.runUntil(START + 60_000);
    expect(plans.hourAt(START)?.supplyTempC).toBe(95);
  });
});
