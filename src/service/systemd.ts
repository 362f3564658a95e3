import { asyncScheduler, interval, type Observable, type SchedulerLike } from 'rxjs';
import type { Subscription } from 'rxjs';
import type { Logger } from '../log';
import type { HealthReport } from '../runtime/component';
import type { Progress } from '../runtime/supervisor';
import { SystemdNotifier, type NotifyFields } from './sd-notify';
import { ServiceWatchdog, watchdogTimeoutMs } from './watchdog';

/** The environment variables systemd hands a `Type=notify` service. */
const SYSTEMD_VARIABLES = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'] as const;

/** What the service notifications read from the supervisor. */
export interface Supervised {
  health(): HealthReport;
  /** Fires when a component's state changes. */
  readonly changes$: Observable<unknown>;
  /** What proves the process makes progress (the control loop's cycles), if anything. */
  readonly progress: Progress | undefined;
}

export interface SystemdServiceOptions {
  log: Logger;
  /** `NOTIFY_SOCKET`. */
  socket: string;
  /** `WATCHDOG_USEC` in ms, when systemd watches this process. */
  watchdogMs?: number;
  pid: number;
  /** The notifier; default `systemd-notify` (`SystemdNotifier`). */
  send?: (fields: NotifyFields) => void;
  /** For the fallback watchdog timer and virtual time in tests. */
  scheduler?: SchedulerLike;
  /** Monotonic clock of the watchdog's rate limit (default `performance.now()`). */
  now?: () => number;
}

/**
 * HeatBridge as a systemd `Type=notify` service (sd_notify(3)): READY=1 once every critical
 * component is up, STATUS= with a short line for `systemctl status`, STOPPING=1 when it stops, and
 * WATCHDOG=1 from the control loop's completed cycles, so a hung control loop or a blocked event
 * loop gets the process restarted (`WatchdogSec=`, `Restart=` in the unit).
 */
export class SystemdService {
  private readonly log: Logger;
  private readonly send: (fields: NotifyFields) => void;
  private readonly notifier: SystemdNotifier | undefined;
  readonly watchdog: ServiceWatchdog | undefined;
  private subscriptions: Subscription[] = [];
  private lastStatus: string | undefined;
  private phase: 'starting' | 'ready' | 'stopping' = 'starting';

  constructor(private readonly opts: SystemdServiceOptions) {
    this.log = opts.log;
    if (opts.send) this.send = opts.send;
    else {
      const notifier = new SystemdNotifier({ socket: opts.socket, log: opts.log });
      this.notifier = notifier;
      this.send = (fields) => notifier.notify(fields);
    }
    if (opts.watchdogMs !== undefined) {
      this.watchdog = new ServiceWatchdog({
        timeoutMs: opts.watchdogMs,
        ping: () => this.send({ WATCHDOG: '1' }),
        ...(opts.now ? { now: opts.now } : {}),
      });
    }
  }

  /**
   * The service notifications systemd asked for, or undefined when `NOTIFY_SOCKET` is unset (not
   * run by systemd as a notify service): then nothing at all happens. Like sd_notify's
   * `unset_environment`, the variables are removed from `env`, so child processes (the demo's
   * simulators) do not report to systemd in HeatBridge's name.
   */
  static fromEnv(
    env: Record<string, string | undefined>,
    opts: Omit<SystemdServiceOptions, 'socket' | 'watchdogMs'>,
  ): SystemdService | undefined {
    const socket = env.NOTIFY_SOCKET;
    if (socket === undefined || socket === '') return undefined;
    const watchdogMs = watchdogTimeoutMs(env, opts.pid);
    for (const name of SYSTEMD_VARIABLES) delete env[name];
    return new SystemdService({
      ...opts,
      socket,
      ...(watchdogMs !== undefined ? { watchdogMs } : {}),
    });
  }

  /**
   * Every critical component is up: READY=1 with the status line, then STATUS= on every change,
   * and the watchdog fed by the supervisor's progress from now on (systemd arms it at READY=1).
   */
  ready(app: Supervised): void {
    if (this.phase !== 'starting') return;
    this.phase = 'ready';
    const status = statusLine(app.health());
    this.lastStatus = status;
    this.send({ READY: '1', MAINPID: String(this.opts.pid), STATUS: status });
    this.subscriptions.push(
      app.changes$.subscribe(() => {
        if (this.phase === 'ready') this.status(statusLine(app.health()));
      }),
    );
    const watchdog = this.watchdog;
    if (!watchdog) return;
    const progress = app.progress;
    if (progress) {
      if (watchdog.tooSlow(progress.periodMs))
        this.log.warn(
          { watchdogMs: this.opts.watchdogMs, periodMs: progress.periodMs },
          `systemd's WatchdogSec is too short for one ${progress.source} cycle every ${progress.periodMs} ms: make it at least 3 × the cycle`,
        );
      this.subscriptions.push(progress.events$.subscribe(() => watchdog.progress()));
      this.log.info(
        { watchdogMs: this.opts.watchdogMs, everyMs: watchdog.intervalMs, source: progress.source },
        `systemd watchdog on: pinged from completed ${progress.source} cycles`,
      );
    } else {
      // Nothing in this process runs cycles (the plant simulators on their own): the event loop's
      // own timer is the evidence, which still catches a blocked event loop.
      this.subscriptions.push(
        interval(watchdog.intervalMs, this.opts.scheduler ?? asyncScheduler).subscribe(() =>
          watchdog.progress(),
        ),
      );
      this.log.info(
        { watchdogMs: this.opts.watchdogMs, everyMs: watchdog.intervalMs },
        'systemd watchdog on: pinged from a timer (no control loop in this process)',
      );
    }
  }

  /** Stopping (a signal, a crash): STOPPING=1, and no more watchdog pings or status changes. */
  stopping(reason: string): void {
    if (this.phase === 'stopping') return;
    this.phase = 'stopping';
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    this.send({ STOPPING: '1', STATUS: `stopping (${reason})` });
  }

  /** Startup failed: the reason, for `systemctl status`, before the process exits. */
  failed(message: string): void {
    this.phase = 'stopping';
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    this.send({ STATUS: message });
  }

  /** Resolves once the last messages went out (or after `timeoutMs`): call before exiting. */
  idle(timeoutMs: number): Promise<void> {
    return this.notifier?.idle(timeoutMs) ?? Promise.resolve();
  }

  private status(line: string): void {
    if (line === this.lastStatus) return;
    this.lastStatus = line;
    this.send({ STATUS: line });
  }
}

/**
 * One short line for `systemctl status`: the overall status and which components are not
 * running, e.g. `degraded: 7 of 8 components running; degraded: plc`. Reasons are left to
 * /api/health: they change often, and each change would be a message.
 */
export function statusLine(health: HealthReport): string {
  const total = health.components.length;
  const running = health.components.filter((c) => c.state === 'running').length;
  const others = new Map<string, string[]>();
  for (const c of health.components) {
    if (c.state === 'running') continue;
    others.set(c.state, [...(others.get(c.state) ?? []), c.name]);
  }
  const head =
    running === total
      ? `${health.status}: all ${total} components running`
      : `${health.status}: ${running} of ${total} components running`;
  const tail = [...others].map(([state, names]) => `${state}: ${names.join(', ')}`);
  return [head, ...tail].join('; ');
}
