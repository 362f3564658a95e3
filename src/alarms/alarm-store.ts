import { existsSync, readFileSync, renameSync } from 'node:fs';
import { corruptName, writeFileAtomic } from '../util/atomic-file';
import type { AlarmListSnapshot } from './alarm-list';

/**
 * The alarm state on local disk, so a restart forgets no unacknowledged alarm and no shelf, and
 * so it does not depend on the historian being up. Written whole on each change, to a temporary
 * file that is fsynced and renamed over the old one: a crash leaves the old state or the new,
 * never half of one.
 */
export class AlarmStore {
  /** Why the last save failed, if it did (shown in health; the alarms themselves go on). */
  problem: string | undefined;

  constructor(private readonly file: string) {}

  /**
   * The saved state, or undefined when there is none. A file that cannot be read as alarm state
   * is set aside (renamed `.corrupt-<time>`) and reported, not fatal: alarms start empty.
   */
  load(now: number): { snapshot?: AlarmListSnapshot; warning?: string } {
    if (!existsSync(this.file)) return {};
    try {
      const data = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<AlarmListSnapshot>;
      if (data.version !== 1 || !Array.isArray(data.alarms) || !Array.isArray(data.floods))
        throw new Error('not an alarm state file (version 1)');
      return {
        snapshot: {
          version: 1,
          alarms: data.alarms,
          floods: data.floods,
          raises: Array.isArray(data.raises) ? data.raises : [],
        },
      };
    } catch (err) {
      const aside = corruptName(this.file, now);
      let kept = `set aside as ${aside}`;
      try {
        renameSync(this.file, aside);
      } catch (renameErr) {
        // Not fatal either: the next save replaces the unreadable file.
        kept = `could not be set aside (${(renameErr as Error).message})`;
      }
      return {
        warning: `alarm state ${this.file} unreadable (${(err as Error).message}); ${kept}, starting empty`,
      };
    }
  }

  save(s: AlarmListSnapshot): void {
    try {
      writeFileAtomic(this.file, JSON.stringify(s));
      this.problem = undefined;
    } catch (err) {
      this.problem = `alarm state ${this.file} cannot be saved: ${(err as Error).message}`;
    }
  }
}
