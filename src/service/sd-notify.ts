import { spawn } from 'node:child_process';
import type { Logger } from '../log';
import { EpisodeLog } from '../util/episode-log';

/**
 * One sd_notify message: `READY: '1'`, `STATUS: 'ok: 8 components running'`, `WATCHDOG: '1'`…
 * Sent as `KEY=VALUE` lines in one datagram.
 */
export type NotifyFields = Record<string, string>;

export interface SystemdNotifierOptions {
  /** `NOTIFY_SOCKET` as systemd set it: a path, or `@name` for the abstract namespace. */
  socket: string;
  log: Logger;
  /** The sender (default `systemd-notify` on PATH); tests name a missing or failing one. */
  command?: string;
  /** A sender still running after this long is killed and counted as failed. */
  timeoutMs?: number;
  /** Monotonic clock for the failure episodes' durations. */
  now?: () => number;
}

/**
 * Sends sd_notify messages to systemd (sd_notify(3)) by running `systemd-notify`, the sender
 * every systemd host has.
 *
 * Why a child process: the protocol is a datagram on an AF_UNIX SOCK_DGRAM socket, which Node's
 * `dgram` cannot open, and a native addon would have to be built against each Node release's
 * headers. A message every few seconds makes a process spawn cheap. `systemd-notify` (≥ 246)
 * then sends a BARRIER (a pipe's write end, passed over the socket) and waits until the manager
 * has closed it, i.e. until systemd has processed the message. Without that wait systemd could
 * read the message after the short-lived sender exited and no longer know which unit it came
 * from (and drop it); with it, the sender is alive while systemd attributes it. Because the
 * sender is not the main process, the unit needs `NotifyAccess=all`.
 *
 * Never blocks the event loop: the child is spawned asynchronously, at most one is in flight,
 * and what is asked for meanwhile is merged into one pending message (later values win, so a
 * burst of STATUS lines and WATCHDOG pings becomes one datagram). A failing sender is logged once
 * per episode, not per ping, and once more when messages get through again.
 */
export class SystemdNotifier {
  private inFlight = false;
  private pending: NotifyFields | undefined;
  private readonly failures: EpisodeLog;
  private idleWaiters: (() => void)[] = [];
  private sentCount = 0;
  private failedCount = 0;

  constructor(private readonly opts: SystemdNotifierOptions) {
    this.failures = new EpisodeLog({
      log: opts.log,
      now: opts.now ?? (() => performance.now()),
      started:
        'cannot notify systemd (systemd-notify failed): readiness and watchdog pings are lost',
      cleared: 'systemd notifications get through again',
    });
  }

  /** Queues a message. Returns at once; the message goes out when the previous one is done. */
  notify(fields: NotifyFields): void {
    this.pending = { ...this.pending, ...fields };
    if (!this.inFlight) this.sendPending();
  }

  /** Messages sent and failed so far (for tests and health details). */
  get counts(): { sent: number; failed: number } {
    return { sent: this.sentCount, failed: this.failedCount };
  }

  /**
   * Resolves when nothing is pending or in flight, or after `timeoutMs`: before the process
   * exits, so STOPPING=1 and the last STATUS are not lost.
   */
  idle(timeoutMs: number): Promise<void> {
    if (!this.inFlight && !this.pending) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.idleWaiters.push(done);
    });
  }

  private sendPending(): void {
    const fields = this.pending;
    this.pending = undefined;
    if (!fields) {
      for (const w of this.idleWaiters.splice(0)) w();
      return;
    }
    this.inFlight = true;
    // One `KEY=VALUE` argument per line of the datagram; a value is one line by protocol.
    const args = Object.entries(fields).map(([k, v]) => `${k}=${v.replace(/\s+/g, ' ')}`);
    let stderr = '';
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (problem: string | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.inFlight = false;
      if (problem === undefined) {
        this.sentCount += 1;
        this.failures.cleared('notify');
      } else {
        this.failedCount += 1;
        this.failures.occurred('notify', { message: args.join(' ') }, problem);
      }
      this.sendPending();
    };
    try {
      const child = spawn(this.opts.command ?? 'systemd-notify', args, {
        env: { ...process.env, NOTIFY_SOCKET: this.opts.socket },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      // Not spawn's own `timeout`: its timer outlives a sender that could not be run.
      const timeoutMs = this.opts.timeoutMs ?? 10_000;
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish(`no answer within ${timeoutMs} ms`);
      }, timeoutMs);
      timer.unref();
      child.stderr?.on('data', (d: Buffer) => {
        if (stderr.length < 500) stderr += d.toString();
      });
      child.once('error', (err) => finish(err.message));
      child.once('close', (code, signal) => {
        if (code === 0) finish(undefined);
        else
          finish(
            stderr.trim().split('\n')[0] ||
              (signal ? `killed by ${signal}` : `exit code ${String(code)}`),
          );
      });
    } catch (err) {
      finish(err instanceof Error ? err.message : String(err));
    }
  }
}
