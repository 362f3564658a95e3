import { describe, expect, it } from '@jest/globals';
import { memoryLogger } from '../helpers/logger';

describe('createLogger', () => {
  it('writes JSON lines whose level is a word, as log collectors expect', () => {
    const { log, lines } = memoryLogger('debug');
    log.debug('d');
    log.info('i');
    log.warn({ point: 'x' }, 'w');
    log.error('e');
    expect(lines().map((l) => [l.level, l.msg])).toEqual([
      ['debug', 'd'],
      ['info', 'i'],
      ['warn', 'w'],
      ['error', 'e'],
    ]);
    // Still one JSON object per line with the time and the fields given.
    expect(lines()[2]).toMatchObject({ point: 'x', pid: process.pid });
    expect(typeof lines()[2]!.time).toBe('string');
  });
});
