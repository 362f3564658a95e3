import type { HeatBridgeApp } from '../app';
import type { Logger } from '../log';
import { StartupError, errorMessage } from '../runtime/supervisor';

/**
 * Runs the app until SIGINT/SIGTERM, then stops it within the supervisor's bound. Resolves the
 * process exit code: 0 after a clean stop, 1 after a startup failure, a crash or an unclean stop.
 * A second signal while stopping exits at once (130), for an operator who really means it.
 * Uncaught errors are logged and lead to an orderly stop: never a silent death.
 */
export function runUntilStopped(app: HeatBridgeApp, log: Logger): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping: Promise<void> | undefined;
    const cleanup = (): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
    };
    const shutdown = (reason: string, code: number): void => {
      if (stopping) return;
      log.info({ reason }, 'stopping HeatBridge');
      stopping = app.supervisor.stop().then(
        ({ clean }) => {
          cleanup();
          log.info({ clean }, clean ? 'HeatBridge stopped' : 'HeatBridge stopped, not cleanly');
          resolve(clean ? code : 1);
        },
        (err: unknown) => {
          cleanup();
          log.error({ err }, 'error while stopping');
          resolve(1);
        },
      );
    };
    function onSignal(signal: NodeJS.Signals): void {
      if (stopping) {
        log.warn({ signal }, 'second signal while stopping: exiting now');
        process.exit(130);
      }
      shutdown(signal, 0);
    }
    function onCrash(err: unknown): void {
      log.fatal({ err }, `unexpected error, stopping: ${errorMessage(err)}`);
      shutdown('crash', 1);
    }
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);

    app.supervisor.start().then(
      () => {
        if (stopping) return;
        const health = app.supervisor.health();
        const failed = health.components.filter((c) => c.state === 'failed').map((c) => c.name);
        if (failed.length > 0) log.warn({ failed }, 'HeatBridge running without some components');
        else log.info({ url: apiUrl(app) }, 'HeatBridge running; Ctrl-C to stop');
      },
      (err: unknown) => {
        cleanup();
        if (err instanceof StartupError) log.fatal(err.message);
        else log.fatal({ err }, 'HeatBridge could not start');
        resolve(1);
      },
    );
  });
}

function apiUrl(app: HeatBridgeApp): string | undefined {
  try {
    const { address, port } = app.api.address();
    return `http://${address.includes(':') ? `[${address}]` : address}:${port}/`;
  } catch {
    return undefined;
  }
}
