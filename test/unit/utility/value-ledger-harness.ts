import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject, type Subscription } from 'rxjs';
import type { PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import { every, VirtualClock } from '../../../src/simulation/virtual-clock';
import { ValueLedger } from '../../../src/utility/value-ledger';
import { memoryLogger } from '../../helpers/logger';

export const HEAT = 'dh/power' as PointId;
export const HP1 = 'hp1/electric_power' as PointId;
export const HP2 = 'hp2/electric_power' as PointId;
export const HEAT_PRICE = 'utility/heat_price' as PointId;
export const ELECTRICITY_PRICE = 'utility/electricity_price' as PointId;
export const HOUR = 3_600_000;

/** What the inputs read now; `null`: a bad sample (no price, a meter down); absent: no sample. */
export type Inputs = Partial<Record<PointId, number | null>>;

export const tmp = (): string => mkdtempSync(join(tmpdir(), 'hb-value-'));

/**
 * A ledger on virtual time, its inputs published every `periodMs` just before its own step
 * (started first, so at the same instant they come first), as the utility feed and the adapters
 * would. `skew` moves the ledger's clock alone (a suspended process: time passes, nothing runs).
 */
export function ledgerRun(opts: {
  file: string;
  start: number;
  timeZone?: string;
  periodMs?: number;
  staleAfterMs?: number;
  maxGapMs?: number;
  saveEveryMs?: number;
  inputs: (t: number) => Inputs;
  clock?: VirtualClock;
}) {
  const periodMs = opts.periodMs ?? 1000;
  const clock = opts.clock ?? new VirtualClock(opts.start);
  const samples = new Subject<Sample>();
  const { log, lines } = memoryLogger();
  let skew = 0;
  const now = (): number => clock.now() + skew;
  const staleAfterMs = opts.staleAfterMs ?? 5 * periodMs;
  const ledger = new ValueLedger({
    file: opts.file,
    timeZone: opts.timeZone ?? 'Europe/Helsinki',
    deliveredHeat: HEAT,
    electricPower: [HP1, HP2],
    samples$: samples,
    defs: new Map(
      [HEAT, HP1, HP2, HEAT_PRICE, ELECTRICITY_PRICE].map((id) => [id, { staleAfterMs }]),
    ),
    periodMs,
    ...(opts.maxGapMs !== undefined ? { maxGapMs: opts.maxGapMs } : {}),
    ...(opts.saveEveryMs !== undefined ? { saveEveryMs: opts.saveEveryMs } : {}),
    now,
    log,
    scheduler: clock,
  });
  const out: Sample[] = [];
  ledger.samples$.subscribe((s) => out.push(s));
  const reports: string[] = [];
  let feed: Subscription | undefined;
  return {
    clock,
    ledger,
    lines,
    out,
    reports,
    /** The last published sample of a `value/` point. */
    lastOf: (name: string): Sample | undefined =>
      out.filter((s) => s.id === `value/${name}`).at(-1),
    start: async (): Promise<void> => {
      feed = every(clock, periodMs, () => {
        const t = now();
        for (const [id, value] of Object.entries(opts.inputs(t))) {
          if (value === undefined) continue;
          samples.next({
            id: id as PointId,
            value,
            ts: t,
            receivedAt: t,
            quality: value === null ? 'bad' : 'good',
          });
        }
      });
      await ledger.start({
        log,
        report: (state, message) => reports.push(`${state} ${message ?? ''}`),
      });
    },
    stop: async (): Promise<void> => {
      feed?.unsubscribe();
      await ledger.stop();
    },
    runUntil: (t: number): void => clock.runUntil(t),
    suspend: (ms: number): void => {
      skew += ms;
    },
  };
}
