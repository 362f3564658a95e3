import { describe, expect, it } from '@jest/globals';
import { ReconnectLog, durationText } from '../../../src/util/reconnect-log';
import { LEVEL_RANK, levelRank, memoryLogger } from '../../helpers/logger';

function setup() {
  const { log, lines } = memoryLogger('debug');
  let now = 0;
  const reconnects = new ReconnectLog({ name: 'hall1', log, now: () => now });
  const said = (): string[] =>
    lines()
      .filter((l) => levelRank(l) >= LEVEL_RANK.info)
      .map((l) => `${String(l.level)} ${String(l.msg)}`);
  return { reconnects, lines, said, tick: (ms: number) => (now += ms) };
}

// Issue 21.16: attempts after the first were not logged at all; now one line per event and the
// repeats summarised.
describe('ReconnectLog', () => {
  it('a loss, a summary a minute, the reconnect with how long and how many attempts', () => {
    const { reconnects, lines, said, tick } = setup();
    reconnects.connected();
    tick(10_000);
    reconnects.lost('no publish response for 7000 ms');
    const refused = 'connection refused (ECONNREFUSED)';
    for (let i = 0; i < 12; i++) {
      tick(16_000);
      reconnects.failed(refused, true);
    }
    tick(1_000);
    reconnects.connected();
    expect(said()).toEqual([
      'info hall1: connected',
      'warn hall1: connection lost (no publish response for 7000 ms); retrying',
      `warn hall1: still unreachable after 4 attempts over 1 min 4 s (last: ${refused})`,
      `warn hall1: still unreachable after 8 attempts over 2 min 8 s (last: ${refused})`,
      `warn hall1: still unreachable after 12 attempts over 3 min 12 s (last: ${refused})`,
      'info hall1: reconnected after 3 min 13 s (13 attempts)',
    ]);
    // Every attempt is still there, at debug.
    expect(lines().filter((l) => /attempt \d+ failed/.test(String(l.msg)))).toHaveLength(9);
  });

  it('a first connect that fails, a change of reason at once, then connected', () => {
    const { reconnects, said, tick } = setup();
    reconnects.failed('connection refused (ECONNREFUSED)', true);
    tick(1000);
    reconnects.failed('connection refused (ECONNREFUSED)', true);
    tick(2000);
    reconnects.failed('the server certificate is not trusted', false);
    tick(4000);
    reconnects.connected();
    expect(said()).toEqual([
      'warn hall1: cannot connect (connection refused (ECONNREFUSED)); retrying',
      'warn hall1: still not connected after 3 attempts over 3 s (now: the server certificate is not trusted)',
      'info hall1: connected after 7 s (4 attempts)',
    ]);
  });

  it('says durations as people do', () => {
    expect(durationText(850)).toBe('850 ms');
    expect(durationText(45_000)).toBe('45 s');
    expect(durationText(192_000)).toBe('3 min 12 s');
    expect(durationText(180_000)).toBe('3 min');
    expect(durationText(7_500_000)).toBe('2 h 5 min');
  });
});
