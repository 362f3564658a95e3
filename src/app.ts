import { ApiComponent } from './api/server';
import type { SiteConfig } from './config';
import type { Logger } from './log';
import type { Component } from './runtime/component';
import { Supervisor } from './runtime/supervisor';

export interface AppOptions {
  log: Logger;
  now?: () => number;
  stopTimeoutMs?: number;
  /** Extra components started before HeatBridge's own, e.g. the demo's simulators. */
  extraComponents?: Component[];
}

export interface HeatBridgeApp {
  supervisor: Supervisor;
  api: ApiComponent;
}

/**
 * The composition root: the one place that knows every component and how they depend on each
 * other (DESIGN §1). Components only talk through what is passed to them here.
 *
 * Start order: the API first (so /api/health shows the others starting), then the components in
 * dependency order. Stop order is the reverse: the API goes last, reporting to the end.
 */
export function buildApp(site: SiteConfig, opts: AppOptions): HeatBridgeApp {
  const api = new ApiComponent(site.api, {
    site: { id: site.site.id, name: site.site.name },
    // Called per request, long after `supervisor` below exists.
    health: () => supervisor.health(),
    ...(opts.now ? { now: opts.now } : {}),
  });
  const components: Component[] = [api, ...(opts.extraComponents ?? [])];
  const supervisor = new Supervisor(components, {
    log: opts.log,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.stopTimeoutMs !== undefined ? { stopTimeoutMs: opts.stopTimeoutMs } : {}),
  });
  return { supervisor, api };
}
