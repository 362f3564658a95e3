import type { Component, ComponentContext } from '../../src/runtime/component';
import { memoryLogger } from './logger';

export interface Running<C extends Component> {
  component: C;
  /** Every state the component reported, in order. */
  reports: { state: string; message?: string }[];
  lines: () => Record<string, unknown>[];
  stop(): Promise<void>;
}

/** Starts a component the way the supervisor does, recording its reports and log lines. */
export async function startComponent<C extends Component>(component: C): Promise<Running<C>> {
  const { log, lines } = memoryLogger('debug');
  const reports: Running<C>['reports'] = [];
  const ctx: ComponentContext = {
    log,
    report: (state, message) =>
      reports.push({ state, ...(message !== undefined ? { message } : {}) }),
  };
  await component.start(ctx);
  return { component, reports, lines, stop: () => component.stop() };
}

/** Resolves when `check` is true, polling every 20 ms; rejects with `what` after `timeoutMs`. */
export async function eventually(
  check: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Like `eventually`, for a check that has to ask a server; errors count as "not yet". */
export async function eventuallyAsync(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const start = Date.now();
  for (;;) {
    let last = '';
    try {
      if (await check()) return;
    } catch (err) {
      last = ` (last error: ${(err as Error).message})`;
    }
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
