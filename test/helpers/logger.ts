import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log';

/** pino's level numbers, for "at least warn" filters over lines whose level is a word. */
export const LEVEL_RANK = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
} as const;
export type LevelWord = keyof typeof LEVEL_RANK;

/** A line's level rank; throws when the level is not one of pino's words (JSON lines say "warn"). */
export function levelRank(line: Record<string, unknown>): number {
  const rank = LEVEL_RANK[line.level as LevelWord] as number | undefined;
  if (rank === undefined) throw new Error(`log line without a level word: ${JSON.stringify(line)}`);
  return rank;
}

/** A real pino logger whose JSON lines are kept in memory, so tests can assert what was logged. */
export function memoryLogger(level: 'info' | 'debug' = 'info'): {
  log: Logger;
  lines: () => Record<string, unknown>[];
} {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    log: createLogger({ level, destination: sink }),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
