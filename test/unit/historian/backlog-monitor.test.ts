import { describe, expect, it } from '@jest/globals';
import { BacklogMonitor } from '../../../src/historian/backlog-monitor';

/** Feeds one observation a second from `from`; returns the events with their times. */
function feed(
  m: BacklogMonitor,
  from: number,
  backlog: number[],
  reachable = true,
): { at: number; event: string }[] {
  const events: { at: number; event: string }[] = [];
  backlog.forEach((lines, i) => {
    const at = from + i * 1000;
    const e = m.observe(at, lines, reachable);
    if (e) events.push({ at, event: e });
  });
  return events;
}

describe('historian falling behind (injected clock)', () => {
  const opts = { windowMs: 5000, minLines: 100 };

  it('a backlog growing for a whole window starts one episode; draining ends it', () => {
    const m = new BacklogMonitor(opts);
    // Grows by 50 lines a second for 20 s: one episode, started once the window is covered.
    const growing = Array.from({ length: 21 }, (_, i) => 50 * i);
    expect(feed(m, 0, growing)).toEqual([{ at: 5000, event: 'started' }]);
    expect(m.current).toEqual({ active: true, episodes: 1, since: 5000, sinceLines: 250 });
    // Still above what it was 5 s ago while it levels off: no second warning, no end yet.
    expect(feed(m, 21_000, [1010, 1020, 1020])).toEqual([]);
    // Draining: ends when the backlog is no larger than a window ago.
    const draining = [1000, 900, 800, 700, 600, 500, 400];
    const events = feed(m, 24_000, draining);
    expect(events).toHaveLength(1);
    expect(events[0]!.event).toBe('ended');
    expect(m.current).toEqual({ active: false, episodes: 1 });
  });

  it('a backlog staying small, or fluctuating without growing over the window, is no episode', () => {
    const m = new BacklogMonitor(opts);
    expect(feed(m, 0, [0, 20, 50, 90, 99, 40, 80, 99, 10, 95])).toEqual([]);
    expect(m.current.episodes).toBe(0);
    // Above minLines but not growing over the window (batches taken, new lines arriving).
    const n = new BacklogMonitor(opts);
    expect(feed(n, 0, [5000, 3000, 5000, 3000, 5000, 3000, 5000, 3000, 4000, 3000])).toEqual([]);
    expect(n.current.episodes).toBe(0);
  });

  it('a database outage is not an episode, ends one, and catching up afterwards is not one', () => {
    const m = new BacklogMonitor(opts);
    expect(feed(m, 0, [0, 200, 400, 600, 800, 1000, 1200])).toEqual([
      { at: 5000, event: 'started' },
    ]);
    // The database goes away: the episode ends; the growing spool is the outage's, not one.
    expect(feed(m, 7000, [1400, 1600, 1800, 2000, 2200, 2400, 2600, 2800], false)).toEqual([
      { at: 7000, event: 'ended' },
    ]);
    // Back: the backlog drains; no episode.
    expect(feed(m, 15_000, [2800, 2000, 1500, 1000, 500, 100, 0, 0])).toEqual([]);
    expect(m.current).toEqual({ active: false, episodes: 1 });
  });

  it('a second growth after an episode ended is a second episode', () => {
    const m = new BacklogMonitor(opts);
    feed(m, 0, [0, 200, 400, 600, 800, 1000, 1200, 0, 0, 0]);
    expect(m.current).toEqual({ active: false, episodes: 1 });
    expect(feed(m, 10_000, [0, 200, 400, 600, 800, 1000, 1200])).toEqual([
      { at: 15_000, event: 'started' },
    ]);
    expect(m.current.episodes).toBe(2);
  });
});
