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

    supervisor.start().then(
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
        if (err instanceof StartupError) log.fatal(err.message);
        else log.fatal({ err }, `${name} could not start`);
        systemd?.failed(
          err instanceof StartupError ? err.message : `could not start: ${errorMessage(err)}`,
        );
        resolve(1);
      },
    );
  });
}
