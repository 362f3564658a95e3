import { Subject, type Observable } from 'rxjs';
import type { Logger } from '../log';
import type {
  Component,
  ComponentContext,
  ComponentHealth,
  ComponentState,
  HealthReport,
  OverallStatus,
} from './component';

export interface SupervisorOptions {
  log: Logger;
  /** Clock for the `since` times; injected so tests need not depend on the wall clock. */
  now?: () => number;
  /** Longest a single component may take to start. */
  startTimeoutMs?: number;
  /** Bound on the whole shutdown; a component that exceeds its share is abandoned and reported. */
  stopTimeoutMs?: number;
  /** What proves the process makes progress, for systemd's watchdog (src/service). */
  progress?: Progress;
}

/**
 * Evidence that the process is working, not merely alive: the control loop's completed cycles.
 * systemd's watchdog is pinged from these, so a hung loop (or a blocked event loop) stops the
 * pings and gets the process restarted.
 */
export interface Progress {
  /** What makes progress, for the log: `control`. */
  source: string;
  /** How often it normally fires, to check the watchdog timeout against. */
  periodMs: number;
  events$: Observable<unknown>;
}

/** Thrown by `start()` when a critical component cannot start; everything started is stopped. */
export class StartupError extends Error {
  constructor(
    readonly component: string,
    cause: unknown,
  ) {
    super(`${component} could not start: ${errorMessage(cause)}`, { cause });
    this.name = 'StartupError';
  }
}

interface Entry {
  component: Component;
  state: ComponentState;
  since: number;
  message?: string;
  started: boolean;
  /**
   * Its start timed out, still running: it may yet open ports and timers, so stop() is called
   * for it too (issue 24: a northbound server kept listening, failed in health, never stopped).
   */
  startTimedOut?: boolean;
  /** Bounds the wait for a `readyWhenReported` component's first report. */
  readyTimer?: NodeJS.Timeout;
}

/**
 * Starts components in dependency order, stops them in reverse within a bounded time, and keeps
 * each one's state for /api/health. A component that fails is logged and reported; it takes down
 * the components that depend on it (they are not started) but nothing else.
 */
export class Supervisor {
  private readonly entries: Entry[];
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly startTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private phase: 'idle' | 'starting' | 'started' | 'stopping' | 'stopped' = 'idle';
  /** The start() of the component being started now, so a stop() can wait for it to settle. */
  private inFlight: Promise<unknown> | undefined;
  private readonly changed = new Subject<void>();
  /** Fires whenever a component's state changes (for systemd's STATUS= line). */
  readonly changes$: Observable<void> = this.changed.asObservable();
  readonly progress: Progress | undefined;

  constructor(components: readonly Component[], opts: SupervisorOptions) {
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
    this.startTimeoutMs = opts.startTimeoutMs ?? 30_000;
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 10_000;
    this.progress = opts.progress;
    const at = this.now();
    this.entries = dependencyOrder(components).map((component) => ({
      component,
      state: 'pending',
      since: at,
      started: false,
    }));
  }

  /** Component names in start order. */
  get order(): string[] {
    return this.entries.map((e) => e.component.name);
  }

  async start(): Promise<void> {
    if (this.phase !== 'idle') throw new Error(`supervisor already ${this.phase}`);
    this.phase = 'starting';
    for (const entry of this.entries) {
      if (this.phase !== 'starting') return; // a stop() arrived while starting
      const blocker = (entry.component.dependsOn ?? []).find((dep) => !this.isUp(dep));
      if (blocker !== undefined) {
        this.set(entry, 'failed', `not started: depends on ${blocker}, which is not running`);
        this.log.error(
          { component: entry.component.name, dependency: blocker },
          'component not started',
        );
        continue;
      }
      this.set(entry, 'starting');
      const starting = withTimeout(
        entry.component.start(this.contextFor(entry)),
        this.startTimeoutMs,
      );
      this.inFlight = starting.catch(() => undefined);
      try {
        await starting;
        entry.started = true;
        // A component may already have reported itself degraded during start.
        if (entry.state === 'starting') {
          if (entry.component.readyWhenReported) this.awaitReport(entry);
          else this.set(entry, 'running');
        }
        this.log.info({ component: entry.component.name }, 'component started');
      } catch (err) {
        if (err instanceof TimeoutError) entry.startTimedOut = true;
        this.set(entry, 'failed', errorMessage(err));
        this.log.error({ component: entry.component.name, err }, 'component failed to start');
        if (entry.component.critical && this.phase === 'starting') {
          this.inFlight = undefined;
          await this.stop();
          throw new StartupError(entry.component.name, err);
        }
      }
    }
    if (this.phase === 'starting') this.phase = 'started';
  }

  /**
   * A component that works only once it says so (a device adapter connecting): `starting` until
   * its first report, and `degraded` if none comes within the start timeout (a connect that
   * hangs), so health never waits for it forever.
   */
  private awaitReport(entry: Entry): void {
    this.set(entry, 'starting', 'started; waiting for its first report (connecting)');
    entry.readyTimer = setTimeout(() => {
      entry.readyTimer = undefined;
      // Skipped only once stopping: while later components are still starting, a component that
      // never reports must still turn degraded, or health would say `starting` for ever.
      if (entry.state !== 'starting' || this.phase === 'stopping' || this.phase === 'stopped')
        return;
      const message = `not ready ${this.startTimeoutMs / 1000} s after start (no connection yet)`;
      this.set(entry, 'degraded', message);
      this.log.warn({ component: entry.component.name, reason: message }, 'component degraded');
    }, this.startTimeoutMs);
    entry.readyTimer.unref();
  }

  /** Stops started components in reverse order. Resolves `clean: false` if any did not stop. */
  async stop(): Promise<{ clean: boolean }> {
    if (this.phase === 'stopping' || this.phase === 'stopped') return { clean: true };
    this.phase = 'stopping';
    for (const entry of this.entries) clearTimeout(entry.readyTimer);
    const deadline = this.now() + this.stopTimeoutMs;
    let clean = true;
    // A component still starting finishes (or times out) first, so it is stopped, not leaked.
    if (this.inFlight) {
      await withTimeout(this.inFlight, this.stopTimeoutMs).catch(() => {
        clean = false;
      });
    }
    for (const entry of [...this.entries].reverse()) {
      if (!entry.started && !entry.startTimedOut) continue;
      const previous = { state: entry.state, message: entry.message };
      this.set(entry, 'stopping');
      const remaining = Math.max(deadline - this.now(), 0);
      try {
        await withTimeout(entry.component.stop(), remaining);
        entry.started = false;
        entry.startTimedOut = false;
        // A component that had failed stays reported as failed, with its reason.
        if (previous.state === 'failed') this.set(entry, 'failed', previous.message);
        else this.set(entry, 'stopped');
        this.log.info({ component: entry.component.name }, 'component stopped');
      } catch (err) {
        clean = false;
        this.set(entry, 'failed', `did not stop cleanly: ${errorMessage(err)}`);
        this.log.error({ component: entry.component.name, err }, 'component did not stop cleanly');
      }
    }
    this.phase = 'stopped';
    return { clean };
  }

  health(): HealthReport {
    const components: ComponentHealth[] = this.entries.map((e) => {
      const details = e.started ? safeDetails(e.component) : undefined;
      return {
        name: e.component.name,
        state: e.state,
        since: new Date(e.since).toISOString(),
        ...(e.message !== undefined ? { message: e.message } : {}),
        ...(details ? { details } : {}),
      };
    });
    return { status: this.overall(), components };
  }

  private overall(): OverallStatus {
    if (this.phase === 'idle' || this.phase === 'starting') return 'starting';
    if (this.phase === 'stopping') return 'stopping';
    if (this.phase === 'stopped') return 'stopped';
    if (this.entries.some((e) => e.state === 'failed')) return 'failed';
    // Started, but a device not connected yet: HeatBridge does not work as a whole yet.
    if (this.entries.some((e) => e.state === 'starting')) return 'starting';
    if (this.entries.some((e) => e.state === 'degraded')) return 'degraded';
    return 'ok';
  }

  private isUp(name: string): boolean {
    const dep = this.entries.find((e) => e.component.name === name);
    // A started component still waiting for its first report is up: it connects by itself.
    return (
      dep !== undefined &&
      (dep.state === 'running' ||
        dep.state === 'degraded' ||
        (dep.started && dep.state === 'starting'))
    );
  }

  private contextFor(entry: Entry): ComponentContext {
    const log = this.log.child({ component: entry.component.name });
    return {
      log,
      report: (state, message) => {
        // Reports arriving while stopping or after stop describe a component we are letting go.
        if (this.phase === 'stopping' || this.phase === 'stopped') return;
        if (entry.state === state && entry.message === message) return;
        const first = entry.state === 'starting';
        clearTimeout(entry.readyTimer);
        this.set(entry, state, message);
        const fields = { state, ...(message !== undefined ? { reason: message } : {}) };
        if (state === 'failed') log.error(fields, 'component failed');
        else if (state === 'degraded') log.warn(fields, 'component degraded');
        else log.info(fields, first ? 'component ready' : 'component recovered');
      },
    };
  }

  private set(entry: Entry, state: ComponentState, message?: string): void {
    entry.state = state;
    entry.since = this.now();
    if (message === undefined) delete entry.message;
    else entry.message = message;
    this.changed.next();
  }
}

/**
 * Topological order over `dependsOn`, keeping the given order among independent components.
 * Unknown dependencies and cycles are programming errors in the composition root: thrown at once.
 */
export function dependencyOrder(components: readonly Component[]): Component[] {
  const byName = new Map<string, Component>();
  for (const c of components) {
    if (byName.has(c.name)) throw new Error(`duplicate component name "${c.name}"`);
    byName.set(c.name, c);
  }
  const ordered: Component[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (c: Component, trail: string[]): void => {
    const s = state.get(c.name);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`dependency cycle: ${[...trail, c.name].join(' → ')}`);
    state.set(c.name, 'visiting');
    for (const dep of c.dependsOn ?? []) {
      const d = byName.get(dep);
      if (!d) throw new Error(`component "${c.name}" depends on unknown component "${dep}"`);
      visit(d, [...trail, c.name]);
    }
    state.set(c.name, 'done');
    ordered.push(c);
  };
  for (const c of components) visit(c, []);
  return ordered;
}

function safeDetails(c: Component): Record<string, unknown> | undefined {
  try {
    return c.details?.();
  } catch (err) {
    return { error: `details unavailable: ${errorMessage(err)}` };
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

class TimeoutError extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(ms)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
