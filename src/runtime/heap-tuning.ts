import { setFlagsFromString } from 'node:v8';

/**
 * How much V8 lets the old generation grow past what the last full collection left live before
 * it starts the next one: 75 % (a factor of 1.75).
 *
 * Under the deployed `--max-old-space-size=192`, V8 judges the heap memory-constrained and uses a
 * factor near 1.1–1.3: at 50,000 points/s it ran a full mark-compact every 0.5–0.7 s, each
 * marking the whole ~33 MB live heap (about 70 ms of marking threads), a third of the process's
 * CPU (issue 25, docs/performance.md). With a factor of 2, 3 full collections in 20 s instead of
 * 30, but 5–10 MB more RSS at 10,000 points/s than 1.75, which costs no more CPU measurably. The
 * cap on the old generation still holds.
 *
 * A V8 flag Node refuses in NODE_OPTIONS, so it is set here, before the site is built; V8 reads
 * it at each collection. A `--heap-growing-percent` given on node's command line wins.
 */
export const HEAP_GROWING_PERCENT = 75;

export function tuneHeap(execArgv: readonly string[] = process.execArgv): void {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent/.test(a))) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
