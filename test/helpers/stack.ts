import { buildApp, type HeatBridgeApp } from '../../src/app';
import type { SiteConfig } from '../../src/config';
import type { Role } from '../../src/config/api';
import { Secret } from '../../src/config/secret';
import { SimHost } from '../../simulators/host';
import { eventually } from './components';
import { memoryLogger } from './logger';
import { demoSiteOnFreePorts } from './sites';

export interface DemoStack {
  site: SiteConfig;
  host: SimHost;
  app: HeatBridgeApp;
  /** The API's base URL. */
  base: string;
  stop(): Promise<void>;
}

/**
 * The demo site on free ports, its simulators in this process, and HeatBridge with API tokens for
 * the given users — started and through a first control cycle (1 s cycles).
 */
export async function startDemoStack(opts: {
  users: Record<string, { role: Role; token: string }>;
  openReads: boolean;
  tweak?: (site: SiteConfig) => void;
}): Promise<DemoStack> {
  const { site } = await demoSiteOnFreePorts();
  site.api = {
    ...site.api,
    openReads: opts.openReads,
    tokens: Object.entries(opts.users).map(([name, u]) => ({
      name,
      role: u.role,
      token: new Secret(u.token, 'test'),
    })),
  };
  site.control.cycleMs = 1000;
  opts.tweak?.(site);
  const host = new SimHost({ site, log: memoryLogger().log, adminPort: 0 });
  await host.start();
  const app = buildApp(site, { log: memoryLogger().log });
  await app.supervisor.start();
  await eventually(() => app.control.last !== undefined, 20_000, 'a first control cycle');
  return {
    site,
    host,
    app,
    base: `http://127.0.0.1:${app.api.address().port}`,
    async stop() {
      await app.supervisor.stop();
      await host.stop();
    },
  };
}
