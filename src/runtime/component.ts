import type { Logger } from '../log';

export const COMPONENT_STATES = [
  'pending', // not started yet
  'starting',
  'running',
  'degraded', // running, but something is wrong (e.g. a device unreachable): see message
  'failed', // did not start, or died; see message
  'stopping',
  'stopped',
] as const;
export type ComponentState = (typeof COMPONENT_STATES)[number];

export interface ComponentContext {
  log: Logger;
  /**
   * Reports a change after start: `degraded` with a reason, `running` when recovered, `failed`
   * when the component cannot go on. This is how a component's trouble reaches /api/health
   * instead of an exception escaping into the process.
   */
  report(state: 'running' | 'degraded' | 'failed', message?: string): void;
}

/** A part of HeatBridge with a life cycle, started and stopped by the supervisor. */
export interface Component {
  readonly name: string;
  /** Names of components that must be running before this one starts. */
  readonly dependsOn?: readonly string[];
  /**
   * A critical component that cannot start stops HeatBridge (exit code 1): the API is one, since
   * without it no one can see what failed. Others fail alone and are reported.
   */
  readonly critical?: boolean;
  /**
   * start() resolves before the component works: it connects in the background (a device
   * adapter, so a device that is down does not hold up HeatBridge) and reports `running` once it
   * does, `degraded` with the reason when it cannot. Until its first report it stays `starting`,
   * so /api/health does not say "ok" before every device has been connected once.
   */
  readonly readyWhenReported?: boolean;
  /** Resolves once the component works. On failure it releases what it opened, then throws. */
  start(ctx: ComponentContext): Promise<void>;
  /** Releases everything; must be safe to call after a runtime failure. */
  stop(): Promise<void>;
  /** Extra facts for /api/health (a backlog, a connection count). Never secrets. */
  details?(): Record<string, unknown>;
}

export interface ComponentHealth {
  name: string;
  state: ComponentState;
  /** When it entered this state, ISO 8601. */
  since: string;
  message?: string;
  details?: Record<string, unknown>;
}

export type OverallStatus = 'starting' | 'ok' | 'degraded' | 'failed' | 'stopping' | 'stopped';

export interface HealthReport {
  status: OverallStatus;
  components: ComponentHealth[];
}
