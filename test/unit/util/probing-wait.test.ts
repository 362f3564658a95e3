import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ProbingWait, type WaitEnd } from '../../../src/util/probing-wait';

/** An endpoint the test switches: the probe answers (undefined) or refuses at once. */
function endpoint() {
  let up = false;
  let probes = 0;
  return {
    probe: () => {
      probes += 1;
      return Promise.resolve(up ? undefined : 'connection refused');
    },
    set: (value: boolean) => (up = value),
    get probes() {
      return probes;
    },
  };
}

function ended(wait: ProbingWait): () => WaitEnd | undefined {
  let end: WaitEnd | undefined;
  void wait.done.then((e) => (end = e));
  return () => end;
}

// Issue 21.11: the backoff alone decided when a restarted server was used again (up to 30 s).
describe('ProbingWait (virtual time)', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('ends at the first answer after the endpoint was seen down, probing once per interval', async () => {
    const e = endpoint();
    const wait = new ProbingWait({
      delayMs: 30_000,
      probeEveryMs: 250,
      probe: e.probe,
      down: false,
    });
    const end = ended(wait);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(end()).toBeUndefined();
    expect(e.probes).toBe(40); // 10 s / 250 ms: not hammered
    e.set(true);
    await jest.advanceTimersByTimeAsync(250);
    expect(end()).toBe('reachable');
  });

  it('an endpoint that answers all along (sessions failing) waits for the backoff, probed less and less', async () => {
    const e = endpoint();
    e.set(true);
    const end = ended(
      new ProbingWait({ delayMs: 5_000, probeEveryMs: 500, probe: e.probe, down: false }),
    );
    await jest.advanceTimersByTimeAsync(4_900);
    expect(end()).toBeUndefined();
    await jest.advanceTimersByTimeAsync(100);
    expect(end()).toBe('delay');
    // At 0.5, 1.5, 3.5 s (then 7.5 s, 15.5 s …, at most one per 8 s), not every 500 ms.
    expect(e.probes).toBe(3);
  });

  it('down already (the attempt found it so): the first answer ends the wait; cancel ends it too', async () => {
    const e = endpoint();
    e.set(true);
    const end = ended(
      new ProbingWait({ delayMs: 5_000, probeEveryMs: 500, probe: e.probe, down: true }),
    );
    await jest.advanceTimersByTimeAsync(500);
    expect(end()).toBe('reachable');
    const wait = new ProbingWait({
      delayMs: 5_000,
      probeEveryMs: 500,
      probe: e.probe,
      down: false,
    });
    const cancelled = ended(wait);
    wait.cancel();
    await jest.advanceTimersByTimeAsync(0);
    expect(cancelled()).toBe('cancelled');
    expect(jest.getTimerCount()).toBe(0);
  });
});
