import { describe, expect, it } from '@jest/globals';
import { ServiceWatchdog, watchdogTimeoutMs } from '../../../src/service/watchdog';

describe('watchdogTimeoutMs', () => {
  it('reads WATCHDOG_USEC, for this process only', () => {
    expect(watchdogTimeoutMs({ WATCHDOG_USEC: '30000000' }, 7)).toBe(30_000);
    expect(watchdogTimeoutMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 7)).toBe(30_000);
    expect(watchdogTimeoutMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '8' }, 7)).toBeUndefined();
  });

  it('has no watchdog for a missing or malformed value', () => {
    for (const usec of [undefined, '', '0', '-1', '1e6', '30 s', 'abc'])
      expect(watchdogTimeoutMs({ WATCHDOG_USEC: usec }, 7)).toBeUndefined();
  });
});

describe('ServiceWatchdog (virtual time)', () => {
  const harness = (timeoutMs: number) => {
    let t = 0;
    const pings: number[] = [];
    const w = new ServiceWatchdog({ timeoutMs, ping: () => pings.push(t), now: () => t });
    return {
      w,
      pings,
      at(time: number) {
        t = time;
        w.progress();
      },
    };
  };

  it('pings on progress, at most every third of the timeout', () => {
    const h = harness(1000);
    for (let t = 0; t <= 2000; t += 100) h.at(t);
    expect(h.pings).toEqual([0, 400, 800, 1200, 1600, 2000]);
    expect(h.w.count).toBe(6);
  });

  it('pings on the first progress after a pause, and never on its own', () => {
    const h = harness(3000);
    h.at(0);
    h.at(500);
    h.at(5000); // after a long pause (systemd would have restarted us meanwhile)
    h.at(5100);
    expect(h.pings).toEqual([0, 5000]);
  });

  it('a clock that went backwards does not stop the pings', () => {
    const h = harness(3000);
    h.at(10_000);
    h.at(2000);
    h.at(2500);
    expect(h.pings).toEqual([10_000, 2000]);
  });

  it('knows a progress period too slow for its timeout', () => {
    const w = new ServiceWatchdog({ timeoutMs: 30_000, ping: () => undefined });
    expect(w.intervalMs).toBe(10_000);
    expect(w.tooSlow(5000)).toBe(false);
    expect(w.tooSlow(10_000)).toBe(false);
    expect(w.tooSlow(10_001)).toBe(true);
  });
});
