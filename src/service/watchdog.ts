/**
 * systemd's watchdog (`WatchdogSec=` in the unit): the service must send WATCHDOG=1 more often
 * than every `WATCHDOG_USEC` microseconds, or systemd kills and (with `Restart=`) restarts it.
 */

/** Pings at most this often: a third of the timeout, so one late cycle does not cost a restart. */
export const PINGS_PER_TIMEOUT = 3;

/**
 * The watchdog timeout in ms from the environment systemd gives the service, or undefined when
 * there is no watchdog for this process: `WATCHDOG_USEC` unset or not a positive integer, or
 * `WATCHDOG_PID` set to another process (a child that inherited its parent's environment).
 */
export function watchdogTimeoutMs(
  env: Readonly<Record<string, string | undefined>>,
  pid: number,
): number | undefined {
  const usec = env.WATCHDOG_USEC;
  if (usec === undefined || !/^\d+$/.test(usec)) return undefined;
  const ms = Number(usec) / 1000;
  if (!(ms > 0) || !Number.isFinite(ms)) return undefined;
  const forPid = env.WATCHDOG_PID;
  if (forPid !== undefined && forPid !== '' && forPid !== String(pid)) return undefined;
  return ms;
}

export interface ServiceWatchdogOptions {
  /** `WATCHDOG_USEC` in ms. */
  timeoutMs: number;
  /** Sends WATCHDOG=1. */
  ping: () => void;
  /**
   * A monotonic clock (default `performance.now()`): a wall-clock step back must not stop the
   * pings. Tests pass virtual time.
   */
  now?: () => number;
}

/**
 * Turns evidence of progress into watchdog pings: `progress()` is called by what proves the
 * process is working — in HeatBridge each control cycle that completed — and a ping goes out on
 * it if the last one is at least `timeoutMs / 3` old. Nothing pings on its own: when the control
 * loop hangs, or the event loop is blocked, the pings stop and systemd restarts the process.
 *
 * Pings come at most every `timeoutMs / 3`, and at most `timeoutMs / 3` plus one progress period
 * apart while progress goes on, so the progress period must be well under two thirds of the
 * timeout (`tooSlow`).
 */
export class ServiceWatchdog {
  readonly intervalMs: number;
  private readonly now: () => number;
  private lastPingAt: number | undefined;
  private pings = 0;

  constructor(private readonly opts: ServiceWatchdogOptions) {
    this.intervalMs = opts.timeoutMs / PINGS_PER_TIMEOUT;
    this.now = opts.now ?? (() => performance.now());
  }

  /** Something proved progress: ping if the last ping is old enough. */
  progress(): void {
    const now = this.now();
    const last = this.lastPingAt;
    // A clock that went backwards (only possible with an injected wall clock) counts as due.
    if (last !== undefined && now >= last && now - last < this.intervalMs) return;
    this.lastPingAt = now;
    this.pings += 1;
    this.opts.ping();
  }

  /** Pings sent so far. */
  get count(): number {
    return this.pings;
  }

  /**
   * Whether progress every `periodMs` is too slow to keep this watchdog fed with a margin: the
   * worst gap between pings is the ping interval plus one period, and it should stay within
   * two thirds of the timeout.
   */
  tooSlow(periodMs: number): boolean {
    return this.intervalMs + periodMs > (this.opts.timeoutMs * 2) / 3;
  }
}
