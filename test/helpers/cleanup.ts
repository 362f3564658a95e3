// Jest-only: the other helpers are shared with the benchmarks (bench/), which run outside jest,
// where importing @jest/globals throws.
import { afterEach } from '@jest/globals';

/**
 * Registers an `afterEach` (call it at a test file's top level) that stops, newest first, what
 * each test hands to the returned function, whether the test passed or failed: a server or
 * process left running keeps jest from exiting.
 */
export function stopAfterEach(): (running: { stop(): Promise<void> }) => void {
  const running: { stop(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const r of running.splice(0).reverse()) await r.stop();
  });
  return (r) => {
    running.push(r);
  };
}
