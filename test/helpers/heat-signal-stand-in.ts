import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EMPTY } from 'rxjs';
import { parse, stringify } from 'yaml';
import { AlarmList } from '../../src/alarms/alarm-list';
import { AuditLog } from '../../src/api/audit-log';
import { KpiTracker } from '../../src/api/kpi';
import { createApiApp } from '../../src/api/server';
import { demoConfigPath } from '../../src/cli/commands';
import { buildPointDefs, parseSiteConfig, type SiteConfig } from '../../src/config';
import { Secret } from '../../src/config/secret';
import { siteHeatModel, type SiteHeatModel } from '../../src/signals/heat-forecast';
import { computeHeatSignal, neutralSignal } from '../../src/signals/heat-signal';
import type { HeatSignal, HourInputs } from '../../src/signals/heat-signal-types';
import { memoryLogger } from './logger';

/**
 * Heat signals for the interface tests (route, gauges, CLI), made by the real model
 * (`computeHeatSignal`, `neutralSignal`) on the demo site with a heatSignal section of its own,
 * and a stand-in for the live service that serves one of them.
 */

export const HOUR_MS = 3_600_000;

/** The section the tests give the demo site (fixed here: the demo's own may change). */
const HEAT_SIGNAL = {
  horizonHours: 36,
  itPower: 'hall1/it_power',
  recoverableShare: 0.7,
  acceptance: {
    curve: [
      { outdoorC: -5, kw: 3000 },
      { outdoorC: 20, kw: 600 },
    ],
  },
  dryCoolers: {
    capacity: [
      { outdoorC: -20, kw: 15300 },
      { outdoorC: 35, kw: 1940 },
    ],
    marginPct: 10,
  },
  flexible: { minKw: 100, maxKw: 800, rampKwPerH: 200, dailyEnergyKwh: 9600, deadlineHour: 6 },
};

/** The demo site with the test's heatSignal section (`with: false`: without any). */
export function heatSite(opts: { with?: boolean } = {}): SiteConfig {
  const data = parse(readFileSync(demoConfigPath(), 'utf8')) as Record<string, unknown>;
  delete data.heatSignal;
  if (opts.with !== false) data.heatSignal = HEAT_SIGNAL;
  const result = parseSiteConfig(stringify(data), {});
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config;
}

let demoModel: SiteHeatModel | undefined;

/** The site's model (default: the demo site's with the test section, made once). */
export function heatModel(site?: SiteConfig): SiteHeatModel {
  if (!site && demoModel) return demoModel;
  const model = siteHeatModel(site ?? heatSite());
  if (!model) throw new Error('the site has no heatSignal section');
  if (!site) demoModel = model;
  return model;
}

/**
 * A day and a half of inputs from the hour holding `now`: a cold night warming by day (so the
 * signal moves), the IT load flat at 1.5 MW besides the flexible work, prices a little higher
 * by day.
 */
export function hourInputs(now: number, model: SiteHeatModel): HourInputs[] {
  const first = Math.floor(now / HOUR_MS) * HOUR_MS;
  return Array.from({ length: model.horizonHours }, (_, i) => ({
    start: first + i * HOUR_MS,
    outdoorC: -8 + 10 * Math.sin((i / 24) * 2 * Math.PI),
    electricityPrice: 60 + 40 * Math.max(Math.sin(((i - 6) / 24) * 2 * Math.PI), 0),
    inflexibleItKw: 1500,
    baselineFlexKw: model.flexible.dailyEnergyKwh / 24,
  }));
}

export function okSignal(now: number, model: SiteHeatModel = heatModel()): HeatSignal {
  return computeHeatSignal({ now, hours: hourInputs(now, model), sourceC: 35 }, model);
}

export function neutral(
  now: number,
  reason: string,
  model: SiteHeatModel = heatModel(),
): HeatSignal {
  return neutralSignal(now, reason, model);
}

/** Stands in for the live HeatSignalService: serves the signal it holds, or throws `failure`. */
export class HeatSignalStandIn {
  calls = 0;
  failure: Error | undefined;

  constructor(public signal: HeatSignal) {}

  current(): HeatSignal {
    this.calls++;
    if (this.failure) throw this.failure;
    return this.signal;
  }
}

/** A reader's token for the signal API the tests start (reads are not open there). */
export const READER_TOKEN = 'rita-reader-token-0123456789';

export interface SignalApi {
  base: string;
  stop(): Promise<void>;
}

/**
 * HeatBridge's real API app (createApiApp: routes, authentication, /metrics, the OpenAPI
 * document) over loopback on a free port, for a site with or without a heat signal.
 */
export async function startSignalApi(opts: {
  heatSignal?: { current(): HeatSignal };
  now: () => number;
  site?: SiteConfig;
}): Promise<SignalApi> {
  const site = opts.site ?? heatSite({ with: opts.heatSignal !== undefined });
  site.api = {
    ...site.api,
    openReads: false,
    tokensFile: undefined,
    tokens: [{ name: 'rita', role: 'viewer', token: new Secret(READER_TOKEN, 'test') }],
  };
  const defs = buildPointDefs(site);
  const latest = { get: () => undefined, all: () => [] };
  const { log } = memoryLogger();
  const api = createApiApp(
    site.api,
    {
      site,
      defs,
      latest,
      health: () => ({ status: 'ok', components: [] }),
      alarms: new AlarmList(),
      audit: new AuditLog(undefined),
      kpi: new KpiTracker({ site, defs, latest, startedAt: opts.now() }),
      samples$: EMPTY,
      ...(opts.heatSignal ? { heatSignal: opts.heatSignal } : {}),
      now: opts.now,
    },
    log,
  );
  const server = createServer(api.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      api.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
