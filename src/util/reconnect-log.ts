import type { Logger } from '../log';

/** "850 ms", "45 s", "3 min 12 s", "2 h 5 min": a duration for people. */
export function durationText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return s % 60 === 0 ? `${min} min` : `${min} min ${s % 60} s`;
  const h = Math.floor(min / 60);
  return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
}

export interface ReconnectLogOptions {
  /** What the lines name: the device or connection (`hall1`). */
  name: string;
  log: Logger;
  now: () => number;
  /** While attempts keep failing, one summary line at most this often (default one minute). */
  summaryEveryMs?: number;
}

interface Outage {
  since: number;
  attempts: number;
  lastReason: string | undefined;
  lastUnreachable: boolean;
  summarisedAt: number;
}

/**
 * The reconnect loop's log: one line per event, repeated attempts summarised. A connection lost
 * (or a first connect failing) is one warning; the attempts that follow are debug lines, with a
 * warning when the reason changes and a summary each minute ("hall1: still unreachable after 12
 * attempts over 3 min (last: connection refused (ECONNREFUSED))"); the connection back is one
 * info line with how long it took and how many attempts ("hall1: reconnected after 3 min 12 s
 * (12 attempts)").
 */
export class ReconnectLog {
  private outage: Outage | undefined;
  private everConnected = false;

  constructor(private readonly o: ReconnectLogOptions) {}

  /** Failed attempts in the outage going on (0 when connected). */
  get attempts(): number {
    return this.outage?.attempts ?? 0;
  }

  /** A connection that was serving ended. */
  lost(reason: string, fields: Record<string, unknown> = {}): void {
    const now = this.o.now();
    this.outage = {
      since: now,
      attempts: 0,
      lastReason: undefined,
      lastUnreachable: false,
      summarisedAt: now,
    };
    this.o.log.warn({ ...fields, reason }, `${this.o.name}: connection lost (${reason}); retrying`);
  }

  /**
   * An attempt failed: `unreachable` when nothing answered at the endpoint (as opposed to a
   * server that answered and refused, e.g. a certificate not trusted).
   */
  failed(reason: string, unreachable: boolean, fields: Record<string, unknown> = {}): void {
    const { name, log } = this.o;
    const now = this.o.now();
    const o = this.outage;
    if (!o) {
      this.outage = {
        since: now,
        attempts: 1,
        lastReason: reason,
        lastUnreachable: unreachable,
        summarisedAt: now,
      };
      const what = this.everConnected ? 'cannot reconnect' : 'cannot connect';
      log.warn({ ...fields, reason, attempts: 1 }, `${name}: ${what} (${reason}); retrying`);
      return;
    }
    o.attempts += 1;
    const changed = o.lastReason !== undefined && o.lastReason !== reason;
    o.lastReason = reason;
    o.lastUnreachable = unreachable;
    const line = { ...fields, reason, attempts: o.attempts, forMs: now - o.since };
    const state = unreachable ? 'still unreachable' : 'still not connected';
    const sofar = `${o.attempts} attempt${o.attempts === 1 ? '' : 's'} over ${durationText(now - o.since)}`;
    if (changed) {
      o.summarisedAt = now;
      log.warn(line, `${name}: ${state} after ${sofar} (now: ${reason})`);
    } else if (now - o.summarisedAt >= (this.o.summaryEveryMs ?? 60_000)) {
      o.summarisedAt = now;
      log.warn(line, `${name}: ${state} after ${sofar} (last: ${reason})`);
    } else log.debug(line, `${name}: attempt ${o.attempts} failed (${reason})`);
  }

  /** An attempt succeeded. Returns the outage it ended (undefined for a first connect at once). */
  connected(fields: Record<string, unknown> = {}): { forMs: number; attempts: number } | undefined {
    const o = this.outage;
    const { name, log } = this.o;
    const first = !this.everConnected;
    this.everConnected = true;
    this.outage = undefined;
    if (!o) {
      log.info(fields, `${name}: connected`);
      return undefined;
    }
    const forMs = this.o.now() - o.since;
    // The failed ones and this one.
    const attempts = o.attempts + 1;
    const how = `after ${durationText(forMs)} (${attempts} attempt${attempts === 1 ? '' : 's'})`;
    log.info(
      { ...fields, forMs, attempts },
      `${name}: ${first ? 'connected' : 'reconnected'} ${how}`,
    );
    return { forMs, attempts };
  }
}
