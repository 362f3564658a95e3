import { describe, expect, it } from '@jest/globals';
import { EpisodeLog } from '../../../src/util/episode-log';
import { LEVEL_RANK, levelRank, memoryLogger, type LevelWord } from '../../helpers/logger';

function setup(summaryEveryMs?: number) {
  const { log, lines } = memoryLogger('debug');
  let now = 0;
  const episodes = new EpisodeLog({
    log,
    started: 'thing failed',
    cleared: 'thing works again',
    now: () => now,
    ...(summaryEveryMs !== undefined ? { summaryEveryMs } : {}),
  });
  const at = (level: LevelWord): Record<string, unknown>[] =>
    lines().filter((l) => levelRank(l) >= LEVEL_RANK[level]);
  return { episodes, lines, at, tick: (ms: number) => (now += ms) };
}
const WARN = 'warn';
const INFO = 'info';

describe('EpisodeLog', () => {
  it('warns once per episode, counts repeats at debug, and clears with the total', () => {
    const { episodes, lines, at, tick } = setup();
    expect(episodes.occurred('a', { point: 'x' })).toBe(true);
    for (let i = 0; i < 57; i++) {
      tick(500);
      expect(episodes.occurred('a', { point: 'x' })).toBe(false);
    }
    expect(at(WARN).map((l) => l.msg)).toEqual(['thing failed']);
    expect(lines().filter((l) => l.level === 'debug')).toHaveLength(57);
    expect(episodes.count('a')).toBe(58);
    tick(1000);
    expect(episodes.cleared('a', { point: 'x' })).toBe(true);
    const clear = at(INFO).filter((l) => l.level === INFO);
    expect(clear).toEqual([
      expect.objectContaining({ msg: 'thing works again', count: 58, forMs: 29_500, point: 'x' }),
    ]);
    expect(episodes.active('a')).toBe(false);
  });

  it('logs no clear line without an episode, and a new episode warns again', () => {
    const { episodes, at } = setup();
    expect(episodes.cleared('a')).toBe(false);
    episodes.occurred('a');
    episodes.cleared('a');
    episodes.occurred('a');
    expect(at(WARN)).toHaveLength(2);
    expect(at(INFO)).toHaveLength(3);
  });

  it('keeps keys apart', () => {
    const { episodes, at } = setup();
    episodes.occurred('a');
    episodes.occurred('b');
    episodes.occurred('a');
    expect(at(WARN)).toHaveLength(2);
    expect(episodes.keys().sort()).toEqual(['a', 'b']);
    episodes.cleared('a');
    expect(episodes.keys()).toEqual(['b']);
  });

  it('warns again when the cause changes within an episode, counting on', () => {
    const { episodes, at } = setup();
    episodes.occurred('a', {}, 'timeout');
    episodes.occurred('a', {}, 'timeout');
    episodes.occurred('a', {}, 'exception 4');
    expect(at(WARN).map((l) => l.count)).toEqual([undefined, 3]);
  });

  it('summarises a long episode at most once per period', () => {
    const { episodes, at, tick } = setup(10_000);
    episodes.occurred('a');
    for (let i = 0; i < 30; i++) {
      tick(1000);
      episodes.occurred('a');
    }
    const warns = at(WARN);
    expect(warns.map((l) => l.msg)).toEqual([
      'thing failed',
      'thing failed (still)',
      'thing failed (still)',
      'thing failed (still)',
    ]);
    expect(warns.slice(1).map((l) => l.count)).toEqual([11, 21, 31]);
    expect(warns.slice(1).map((l) => l.since)).toEqual([10, 10, 10]);
  });

  it('forgets an episode without a line', () => {
    const { episodes, at } = setup();
    episodes.occurred('a');
    episodes.forget('a');
    expect(episodes.cleared('a')).toBe(false);
    expect(at(INFO)).toHaveLength(1);
  });
});
