import pino from 'pino';
import pretty from 'pino-pretty';

export type Logger = pino.Logger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LoggerOptions {
  level: LogLevel;
  /** Human-readable lines (a terminal) instead of JSON lines (a log collector). */
  pretty?: boolean;
  /** Where lines go; default stdout. Tests pass a stream to read them back. */
  destination?: NodeJS.WritableStream;
}

/**
 * Key names whose values are never logged, wherever they appear in a log object. The `Secret`
 * type already prints as `[secret]`; this catches plain strings under those names (request
 * headers, a library's options object) too.
 */
export const REDACTED_PATHS = [
  'password',
  'token',
  'authorization',
  '*.password',
  '*.token',
  '*.authorization',
  '*.headers.authorization',
  '*.*.password',
  '*.*.token',
];

export function createLogger(opts: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level,
    redact: { paths: REDACTED_PATHS, censor: '[secret]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // The level as a word ("level":"warn"), as log collectors (journald exporters, Loki,
    // Elasticsearch, Vector) expect; pino's default is its number (40).
    formatters: { level: (label) => ({ level: label }) },
  };
  const destination = opts.destination ?? process.stdout;
  if (opts.pretty) {
    // Synchronous pretty-printing: no worker thread, and nothing lost when the process exits.
    return pino(
      options,
      pretty({
        destination,
        sync: true,
        colorize: destination === process.stdout && process.stdout.isTTY,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname',
      }),
    );
  }
  return pino(options, destination);
}
