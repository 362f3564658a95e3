/**
 * The fuzz suite's one convention (test/fuzz/*.test.ts, property-based with fast-check).
 *
 *   FUZZ_RUNS  runs per property; default 200, so `npm test` (CI) runs a short pass.
 *              `npm run fuzz` runs the long pass (FUZZ_RUNS=100000).
 *   FUZZ_SEED  fast-check's seed; default a fixed number, so every CI run tries the same inputs.
 *              A failure prints the seed and the counterexample's path: rerun it with
 *              `FUZZ_SEED=<seed> npm run jest -- test/fuzz/<file>` (and fc.assert's `path` to replay it).
 *
 * A target file:
 *
 *   import fc from 'fast-check';
 *   import { fuzzParams, fuzzTimeoutMs, failOnUnhandledRejections } from './fuzz-config';
 *   failOnUnhandledRejections();
 *   it('never throws', () => {
 *     fc.assert(fc.property(fc.string(), (s) => { parse(s); }), fuzzParams);
 *   }, fuzzTimeoutMs());
 *
 * Asynchronous properties (fc.asyncProperty, a real server) cost more per run: scale the count
 * down with `fuzzParamsScaled(0.1)` and say so in the test. Tests assert no timing and no heap
 * figure; the long pass prints heap figures through `heapReport` for a person to read.
 */
import { afterAll, beforeAll } from '@jest/globals';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got "${raw}"`);
  return n;
}

/** Runs per property: FUZZ_RUNS, default 200. */
export const numRuns = Math.max(1, envInt('FUZZ_RUNS', 200));
/** fast-check's seed: FUZZ_SEED, default fixed so CI is reproducible. */
export const seed = envInt('FUZZ_SEED', 20261203);

/** For `fc.assert(property, fuzzParams)`: the run count and the seed. */
export const fuzzParams = { numRuns, seed } as const;

/** The same seed with `factor` times the runs (at least `min`), for costly asynchronous targets. */
export function fuzzParamsScaled(factor: number, min = 20): typeof fuzzParams {
  return { ...fuzzParams, numRuns: Math.max(min, Math.round(numRuns * factor)) };
}

/**
 * jest's per-test timeout for a property of `runs` runs, each allowed `msPerRun` on a loaded
 * machine, plus a minute: the long pass must not be cut off by jest's default.
 */
export function fuzzTimeoutMs(runs = numRuns, msPerRun = 20): number {
  return 60_000 + runs * msPerRun;
}

/**
 * Fails the test file if any promise rejection goes unhandled while it runs (call at the file's
 * top level): jest would otherwise at most print it.
 */
export function failOnUnhandledRejections(): void {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => {
    seen.push(reason);
  };
  beforeAll(() => {
    process.on('unhandledRejection', listener);
  });
  afterAll(() => {
    process.off('unhandledRejection', listener);
    if (seen.length > 0)
      throw new Error(
        `${seen.length} unhandled rejection(s), the first: ${String((seen[0] as Error)?.stack ?? seen[0])}`,
      );
  });
}

/**
 * Heap in use after 10% and after 100% of a property's runs: call `tick()` once per run, then
 * `print(label)`. Printed only when FUZZ_RUNS is set (the long pass), never asserted: heap sizes
 * depend on the machine and on when the collector last ran.
 */
export function heapProbe(runs = numRuns): { tick(): void; print(label: string): void } {
  let i = 0;
  let atTenth: number | undefined;
  let atEnd: number | undefined;
  const tenth = Math.max(1, Math.floor(runs / 10));
  return {
    tick() {
      i++;
      if (i === tenth) atTenth = process.memoryUsage().heapUsed;
      if (i === runs) atEnd = process.memoryUsage().heapUsed;
    },
    print(label) {
      if (process.env.FUZZ_RUNS === undefined) return;
      const mb = (n: number | undefined) => (n === undefined ? '?' : (n / 2 ** 20).toFixed(1));
      console.log(
        `${label}: ${i} runs (seed ${seed}); heap used ${mb(atTenth)} MiB after ${tenth}, ${mb(atEnd)} MiB after ${runs}`,
      );
    },
  };
}
