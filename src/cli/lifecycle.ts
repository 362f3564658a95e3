import type { Logger } from '../log';
import { StartupError, errorMessage, type Supervisor } from '../runtime/supervisor';
import { SystemdService } from '../service/systemd';

/** How long the last notifications to systemd (STOPPING=1, a failure) may take before exit. */
const NOTIFY_FLUSH_MS = 2000;

/** Signals this soon after the first are the same Ctrl-C delivered twice, not a second press. */
const DUPLICATE_SIGNAL_WINDOW_MS = 1000;

/** A process event listener, as `process.on` takes it. */
type Listener = Parameters<typeof process.on>[1];

export interface RunOptions {
  /** Named in the life-cycle log lines: "HeatBridge stopped". */
  name?: string;
  /** Called once everything started, e.g. to tell a parent process over IPC. */
  onRunning?: () => void;
  /** What to log once running, e.g. the URL to open. */
  runningFields?: () => Record<string, unknown>;
  /**
   * A child managed by a parent over IPC ignores SIGINT (the terminal sends Ctrl-C to the whole
   * process group; the parent decides when its children stop) and stops on SIGTERM or when the
   * parent goes away.
   */
  managedChild?: boolean;
  /**
   * systemd's notifications (READY=1, STATUS=, STOPPING=1, WATCHDOG=1). Default: from the
   * environment when run by systemd (`NOTIFY_SOCKET`), none for a managed child; `false` for none.
   */
  systemd?: SystemdService | false;
  /**
   * Checked before anything starts (the ports the command opens): each problem as one line
   * naming what to change. Any problem stops the start with exit code 1 and nothing opened.
   */
  preflight?: () => Promise<string[]>;
  /** What to add to a startup failure's line, e.g. the option that moves a port in use. */
  hint?: (err: unknown) => string | undefined;
}

/**
 * Runs the supervised components until SIGINT/SIGTERM, then stops them within the supervisor's
 * bound. Resolves the process exit code: 0 after a clean stop, 1 after a startup failure, a crash
 * or an unclean stop. A second signal while stopping (a second Ctrl-C, not the same one delivered
 * twice) exits at once (130), for an operator who really means it. Uncaught errors are logged and lead to an orderly stop: never a silent death.
 */
export function runUntilStopped(
  supervisor: Supervisor,
  log: Logger,
  opts: RunOptions = {},
): Promise<number> {
  const name = opts.name ?? 'HeatBridge';
  const systemd =
    opts.systemd === false
      ? undefined
      : (opts.systemd ??
        (opts.managedChild
          ? undefined
          : SystemdService.fromEnv(process.env, { log, pid: process.pid })));
  return new Promise<number>((settle) => {
    // The last notifications get out before the exit code is handed back (and the process ends).
    const resolve = (code: number): void => {
      if (!systemd) return settle(code);
      void systemd.idle(NOTIFY_FLUSH_MS).then(() => settle(code));
    };
    let stopping: Promise<void> | undefined;

    let firstSignalAt = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        // One Ctrl-C can arrive twice: the terminal signals the whole process group and
        // `npm run` forwards the signal to its child as well. Only a later one is a second press.
        if (Date.now() - firstSignalAt < DUPLICATE_SIGNAL_WINDOW_MS) return;
        log.warn({ signal }, 'second signal while stopping: exiting now');
        process.exit(130);
      }
      firstSignalAt = Date.now();
      shutdown(signal, 0);
    };
    const onCrash = (err: unknown): void => {
      log.fatal({ err }, `unexpected error, stopping: ${errorMessage(err)}`);
      shutdown('crash', 1);
    };
    const ignore = (): void => undefined;
    const onDisconnect = (): void => shutdown('parent process gone', 0);

    const handlers: [string, Listener][] = [
      ['SIGTERM', onSignal],
      ['SIGINT', opts.managedChild ? ignore : onSignal],
      ['uncaughtException', onCrash],
      ['unhandledRejection', onCrash],
      ...(opts.managedChild ? [['disconnect', onDisconnect] as [string, Listener]] : []),
    ];
    for (const [event, handler] of handlers) process.on(event, handler);
    const cleanup = (): void => {
      for (const [event, handler] of handlers) process.off(event, handler);
    };

    function shutdown(reason: string, code: number): void {
      if (stopping) return;
      log.info({ reason }, `stopping ${name}`);
      systemd?.stopping(reason);
      stopping = supervisor.stop().then(
        ({ clean }) => {
          cleanup();
          log.info({ clean }, clean ? `${name} stopped` : `${name} stopped, not cleanly`);
          resolve(clean ? code : 1);
        },
        (err: unknown) => {
          cleanup();
          log.error({ err }, 'error while stopping');
          resolve(1);
        },
      );
    }

    const preflight = opts.preflight ?? (() => Promise.resolve([]));
    const started = preflight().then((problems) => {
      if (stopping) return; // a signal during the preflight: nothing to start
      if (problems.length === 0) return supervisor.start();
      // Said before anything opened: one line each, no stack, and systemd hears why.
      for (const p of problems) log.fatal(p);
      throw new PreflightError(problems);
    });
    started.then(
      () => {
        if (stopping) return;
        const health = supervisor.health();
        const failed = health.components.filter((c) => c.state === 'failed').map((c) => c.name);
        if (failed.length > 0) log.warn({ failed }, `${name} running without some components`);
        else log.info(opts.runningFields?.() ?? {}, `${name} running; Ctrl-C to stop`);
        // Every critical component is up (start() throws otherwise): READY=1 for systemd.
        systemd?.ready(supervisor);
        opts.onRunning?.();
      },
      (err: unknown) => {
        cleanup();
        const line = startFailureLine(err, opts.hint);
        // A preflight's problems were said line by line already.
        if (err instanceof StartupError) log.fatal(line);
        else if (!(err instanceof PreflightError)) log.fatal({ err }, `${name} could not start`);
        systemd?.failed(line);
        resolve(1);
      },
    );
  });
}

/** The one line a startup failure is reported with (log, systemd's STATUS=). */
function startFailureLine(err: unknown, hint: RunOptions['hint']): string {
  if (err instanceof PreflightError) return err.message;
  if (!(err instanceof StartupError)) return `could not start: ${errorMessage(err)}`;
  const h = hint?.(err.cause);
  return h ? `${err.message}: ${h}` : err.message;
}

/** The preflight found problems: nothing was started. */
class PreflightError extends Error {
  constructor(problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'PreflightError';
  }
}
