import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log';
import { Backoff } from '../util/backoff';
import type { HistorianBackend } from './backend';
import { sendIsolating } from './forwarder';
import { parseLine } from './line-protocol';

export interface ReplayResult {
  files: number;
  lines: number;
  sent: number;
  /** Lines that are not line protocol (skipped). */
  invalid: number;
  /** Lines the database refused as data (dropped, logged). */
  refused: number;
}

const ORDER: [RegExp, (m: RegExpExecArray) => number][] = [
  [/^seg-(\d+)-/, (m) => Number(m[1])],
  [/^heatbridge-\d{8}T\d{6}Z-(\d+)\.lp$/, (m) => Number(m[1])],
];

/** Line-protocol files of a folder in the order they were written (spool or file historian). */
export function replayFiles(dir: string): string[] {
  const key = (name: string): [number, string] => {
    for (const [re, seq] of ORDER) {
      const m = re.exec(name);
      if (m) return [seq(m), name];
    }
    return [Number.MAX_SAFE_INTEGER, name];
  };
  return readdirSync(dir)
    .filter((f) => f.endsWith('.lp') && statSync(join(dir, f)).isFile())
    .sort((a, b) => {
      const [sa, na] = key(a);
      const [sb, nb] = key(b);
      return sa - sb || na.localeCompare(nb);
    });
}

/**
 * Pushes the line-protocol files of a folder — a spool, or the embedded historian's files — into
 * a database, in order, in batches, retrying while it is unreachable (up to `maxAttempts` per
 * batch). Files are left as they are.
 */
export async function replay(
  dir: string,
  backend: HistorianBackend,
  opts: {
    batchSize: number;
    log: Logger;
    progress?: (r: ReplayResult, file: string) => void;
    maxAttempts?: number;
  },
): Promise<ReplayResult> {
  const result: ReplayResult = { files: 0, lines: 0, sent: 0, invalid: 0, refused: 0 };
  const counts = { sentLines: 0, sentBatches: 0, refusedLines: 0 };
  await backend.init();
  for (const name of replayFiles(dir)) {
    const text = readFileSync(join(dir, name), 'utf8');
    // A torn last line (a crash while it was written) was never accepted: not replayed.
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    const lines: string[] = [];
    for (const line of complete.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      try {
        parseLine(line);
        lines.push(line);
      } catch {
        result.invalid += 1;
      }
    }
    for (let i = 0; i < lines.length; i += opts.batchSize) {
      const batch = lines.slice(i, i + opts.batchSize);
      const backoff = new Backoff({ initialDelayMs: 500, maxDelayMs: 10_000 });
      for (let attempt = 1; ; attempt++) {
        try {
          await sendIsolating(backend, batch, counts, opts.log);
          break;
        } catch (err) {
          if (attempt >= (opts.maxAttempts ?? 10)) throw err;
          const delay = backoff.next();
          opts.log.warn(
            { file: name, err: (err as Error).message, retryInMs: delay },
            'database unavailable; retrying',
          );
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    }
    result.files += 1;
    result.lines += lines.length;
    result.sent = counts.sentLines;
    result.refused = counts.refusedLines;
    opts.progress?.(result, name);
  }
  return result;
}
