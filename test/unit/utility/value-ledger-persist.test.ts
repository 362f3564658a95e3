import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMPTY } from 'rxjs';
import type { SiteConfig } from '../../../src/config';
import { VirtualClock } from '../../../src/simulation/virtual-clock';
import { valueLedgerFor } from '../../../src/utility/value-ledger';
import { ValueBook } from '../../../src/utility/value-book';
import { memoryLogger } from '../../helpers/logger';
import {
  ELECTRICITY_PRICE,
  HEAT,
  HEAT_PRICE,
  HOUR,
  HP1,
  HP2,
  ledgerRun,
  tmp,
} from './value-ledger-harness';

const T0 = Date.parse('2026-12-03T10:00:00Z');
const steady = () => ({
  [HEAT]: 1000,
  [HP1]: 150,
  [HP2]: 150,
  [HEAT_PRICE]: 50,
  [ELECTRICITY_PRICE]: 100,
});

describe('the value ledger across restarts', () => {
  it('keeps its buckets in the file, and counts the time it was down as a gap', async () => {
    const file = join(tmp(), 'data', 'value.json');
    const first = ledgerRun({ file, start: T0 - 10_000, inputs: steady });
    await first.start();
    first.runUntil(T0 + HOUR / 2);
    await first.stop();
    expect(existsSync(file)).toBe(true);

    // Ten minutes later, a new process: the books continue.
    const second = ledgerRun({ file, start: T0 + HOUR / 2 + 10 * 60_000, inputs: steady });
    await second.start();
    second.runUntil(T0 + 2 * HOUR);
    const [hour, next] = second.ledger.buckets('hour', T0, T0 + 2 * HOUR);
    // Down from the first's last step to the second's first: 10 min + its first period.
    const downS = 600 + 1;
    expect(hour!.gaps).toBe(1);
    expect(hour!.gapHours).toBeCloseTo(downS / 3600, 9);
    expect(hour!.heatMWh).toBeCloseTo((3600 - downS) / 3600, 9);
    expect(hour!.revenueEur).toBeCloseTo((50 * (3600 - downS)) / 3600, 9);
    expect(next!.revenueEur).toBeCloseTo(50, 9);
    // Today's net goes on from the saved day.
    const day = second.ledger.buckets('day', 0, Infinity)[0]!;
    expect(second.lastOf('net_today')!.value as number).toBeCloseTo(day.netEur, 9);
    expect(day.netEur).toBeGreaterThan(35);
    expect(
      second.lines().some((l) => l.msg === 'value ledger continues from its saved buckets'),
    ).toBe(true);
    await second.stop();

    // What was saved reads back the same.
    const again = ValueBook.fromJSON(readFileSync(file, 'utf8'), 'Europe/Helsinki').book;
    const kept = second.ledger.buckets('hour', 0, Infinity);
    expect(again.buckets('hour', 0, Infinity).map((b) => b.start)).toEqual(
      kept.map((b) => b.start),
    );
    again.buckets('hour', 0, Infinity).forEach((b, i) => {
      for (const k of ['heatMWh', 'revenueEur', 'costEur', 'gapHours'] as const)
        expect(b[k]).toBeCloseTo(kept[i]![k], 6);
    });
  });

  it('a corrupt file: a warning, a fresh start, the file kept aside', async () => {
    const dir = tmp();
    const file = join(dir, 'value.json');
    writeFileSync(file, '{"version": 1, "hour": [[1, 2');
    const run = ledgerRun({ file, start: T0, inputs: steady });
    await run.start();
    const warning = run
      .lines()
      .find((l) => l.msg === 'saved value ledger unreadable: value counts from now');
    expect(warning).toBeDefined();
    const aside = readdirSync(dir).find((f) => f.startsWith('value.json.corrupt-'));
    expect(aside).toBeDefined();
    expect(warning!.setAsideAs).toBe(join(dir, aside!));
    expect(readFileSync(join(dir, aside!), 'utf8')).toBe('{"version": 1, "hour": [[1, 2');
    expect(run.ledger.buckets('hour', 0, Infinity)).toEqual([]);
    run.runUntil(T0 + HOUR);
    await run.stop();
    // A fresh file beside it, with no gap for the time before (nothing was known of it).
    const saved = ValueBook.fromJSON(readFileSync(file, 'utf8'), 'Europe/Helsinki');
    const [hour] = saved.book.buckets('hour', T0, T0 + 1);
    expect(hour!.gaps).toBe(0);
    expect(hour!.revenueEur).toBeCloseTo((50 * 3599) / 3600, 5);
  });

  it('a file with a wrong row is unreadable too, and says where', () => {
    const good = new ValueBook('Europe/Helsinki');
    good.add(T0, T0 + HOUR, { heatKw: 1000, electricKw: 0, heatPrice: 50, electricityPrice: 1 });
    const saved = good.toJSON(T0 + HOUR, T0 + HOUR);
    saved.day[0]![3] = Number.NaN; // JSON writes null
    expect(() => ValueBook.fromJSON(JSON.stringify(saved), 'Europe/Helsinki')).toThrow(
      'day[0]: expected 10 finite numbers',
    );
  });

  it('a save that fails degrades the ledger and recovers when it works again', async () => {
    const dir = tmp();
    const file = join(dir, 'value.json');
    mkdirSync(`${file}.tmp`); // the atomic write's temporary name is taken by a folder
    const run = ledgerRun({ file, start: T0, inputs: steady });
    await run.start();
    run.runUntil(T0 + 10 * 60_000);
    expect(run.reports.some((r) => r.startsWith('degraded value ledger cannot be saved'))).toBe(
      true,
    );
    expect(run.ledger.details()).toHaveProperty('problem');
    await run.stop();
  });

  it('prunes hours older than 400 days when it saves', () => {
    const book = new ValueBook('Europe/Helsinki');
    const held = { heatKw: 1000, electricKw: 0, heatPrice: 50, electricityPrice: 1 };
    book.add(T0 - 401 * 24 * HOUR, T0 - 401 * 24 * HOUR + HOUR, held);
    book.add(T0, T0 + HOUR, held);
    book.prune(T0 + HOUR);
    expect(book.size('hour')).toBe(1);
    expect(book.size('day')).toBe(2);
    expect(book.size('month')).toBe(2);
  });
});

describe('valueLedgerFor', () => {
  const site = (utility?: unknown) =>
    ({
      site: { timezone: 'Europe/Helsinki' },
      control: { cycleMs: 1000 },
      utility,
    }) as unknown as Pick<SiteConfig, 'site' | 'control' | 'utility'>;
  const opts = () => ({ log: memoryLogger().log, now: () => T0, scheduler: new VirtualClock(T0) });

  it('is none without utility.value', () => {
    expect(valueLedgerFor(site(), new Map(), EMPTY, opts())).toBeUndefined();
    expect(valueLedgerFor(site({ heatPrice: {} }), new Map(), EMPTY, opts())).toBeUndefined();
  });

  it('builds the ledger from the config', () => {
    const dir = tmp();
    const ledger = valueLedgerFor(
      site({
        value: {
          stateFile: join(dir, 'value.json'),
          deliveredHeat: 'dh/power',
          electricPower: ['hp1/electric_power'],
        },
      }),
      new Map(),
      EMPTY,
      opts(),
    );
    expect(ledger?.details()).toMatchObject({ file: join(dir, 'value.json'), hours: 0 });
  });
});
