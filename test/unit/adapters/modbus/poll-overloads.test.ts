import { describe, expect, it } from '@jest/globals';
import { ON_TIME_AGAIN_MS, PollOverloads } from '../../../../src/adapters/modbus/poll-overloads';
import { EpisodeLog } from '../../../../src/util/episode-log';
import { memoryLogger } from '../../../helpers/logger';

describe('polls skipped by a device slower than its interval (PollOverloads)', () => {
  const setup = (): {
    o: PollOverloads;
    at: (ms: number) => void;
    lines: () => Record<string, unknown>[];
  } => {
    let t = 0;
    const { log, lines } = memoryLogger();
    const now = (): number => t;
    const o = new PollOverloads(
      new EpisodeLog({ log, now, started: 'skipped', cleared: 'on time' }),
      now,
    );
    return { o, at: (ms) => (t = ms), lines };
  };
  const dev = { name: 'd', pollIntervalMs: 100 };

  it('counts skipped ticks and starts one episode', () => {
    const { o, lines } = setup();
    expect(o.skippedTick(dev)).toBe(true);
    expect(o.skippedTick(dev)).toBe(false);
    expect(o.skipped).toEqual({ d: 2 });
    expect(o.overloaded()).toEqual(['d']);
    expect(lines().filter((l) => l.msg === 'skipped')).toHaveLength(1);
  });

  it('ends the episode only after on-time ticks for ON_TIME_AGAIN_MS, and a skip in between starts the wait over', () => {
    const { o, at, lines } = setup();
    o.skippedTick(dev);
    at(1000);
    expect(o.onTimeTick(dev)).toBe(false);
    at(1000 + ON_TIME_AGAIN_MS - 1);
    expect(o.onTimeTick(dev)).toBe(false);
    // Skipped again: the episode goes on, and the on-time wait starts again.
    o.skippedTick(dev);
    at(2000 + ON_TIME_AGAIN_MS);
    expect(o.onTimeTick(dev)).toBe(false);
    at(2000 + 2 * ON_TIME_AGAIN_MS);
    expect(o.onTimeTick(dev)).toBe(true);
    expect(o.overloaded()).toEqual([]);
    expect(lines().filter((l) => l.msg === 'on time')).toEqual([
      expect.objectContaining({ device: 'd', count: 2 }),
    ]);
    // Nothing to end any more.
    expect(o.onTimeTick(dev)).toBe(false);
  });

  it('waits at least ten poll intervals for a slow poller', () => {
    const { o, at } = setup();
    const slow = { name: 's', pollIntervalMs: 2000 };
    o.skippedTick(slow);
    o.onTimeTick(slow);
    at(ON_TIME_AGAIN_MS);
    expect(o.onTimeTick(slow)).toBe(false);
    at(20_000);
    expect(o.onTimeTick(slow)).toBe(true);
  });
});
