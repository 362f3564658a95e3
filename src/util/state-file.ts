import { existsSync, readFileSync, renameSync } from 'node:fs';
import type { Logger } from '../log';
import { corruptName, writeFileAtomic } from './atomic-file';

/**
 * A component's small state file kept across restarts (counters, ledgers, stores): read at start,
 * where a missing file is a first start and an unreadable one is set aside (for a look, and so
 * the next save does not overwrite it) rather than stopping HeatBridge; written whole
 * (atomic-file.ts), a failure reported and retried at the next save.
 */

export type StateRead<T> =
  | { found: false }
  | { found: true; value: T }
  /** Unreadable: `error` says why, `setAsideAs` where it went (absent when even that failed). */
  | { found: true; error: string; setAsideAs?: string };

/** Reads and parses (`parse` throws what is wrong); an unreadable file is renamed aside. */
export function readStateFile<T>(
  file: string,
  parse: (text: string) => T,
  now: number,
): StateRead<T> {
  if (!existsSync(file)) return { found: false };
  try {
    return { found: true, value: parse(readFileSync(file, 'utf8')) };
  } catch (err) {
    const error = (err as Error).message;
    const aside = corruptName(file, now);
    try {
      renameSync(file, aside);
      return { found: true, error, setAsideAs: aside };
    } catch {
      // The next save replaces it.
      return { found: true, error };
    }
  }
}

/** How a component tells its supervisor (ComponentContext.report). */
type Report = (state: 'running' | 'degraded', message?: string) => void;

/**
 * Writes one component's state file: a failure is logged once per distinct problem and reported
 * `degraded`; the next save that works reports `running` again.
 */
export class StateFileWriter {
  savedAt: number | undefined;
  problem: string | undefined;

  constructor(
    readonly file: string,
    /** What is saved, for the message: "energy counters", "value ledger". */
    private readonly what: string,
    private readonly log: Logger,
  ) {}

  write(text: string, now: number, report?: Report): void {
    try {
      writeFileAtomic(this.file, text);
      this.savedAt = now;
      if (this.problem) {
        this.problem = undefined;
        report?.('running');
      }
    } catch (err) {
      const problem = `${this.what} cannot be saved to ${this.file}: ${(err as Error).message}`;
      if (problem !== this.problem) this.log.warn(problem);
      this.problem = problem;
      report?.('degraded', problem);
    }
  }

  /** For /api/health's details. */
  details(): Record<string, unknown> {
    return {
      file: this.file,
      ...(this.savedAt !== undefined ? { savedAt: new Date(this.savedAt).toISOString() } : {}),
      ...(this.problem ? { problem: this.problem } : {}),
    };
  }
}
