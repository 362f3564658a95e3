import { resolve } from 'node:path';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { HeatSignalSection } from '../config/heat-signal';
import type { SiteConfig } from '../config/site';
import type { PointDef } from '../domain/point';
import type { PointId } from '../domain/point-id';
import type { Sample } from '../domain/sample';
import type { Logger } from '../log';
import type { Component } from '../runtime/component';
import { FileSource, PollSource } from '../utility/plan-sources';
import type { PlanStore } from '../utility/plan-store';
import type { PriceSeries } from '../utility/price-series';
import { siteHeatModel } from './heat-forecast';
import { HeatSignalService, RECOMPUTE_EVERY_MS, type SignalInputs } from './heat-signal-service';
import { forecastIntakeOf, OutdoorForecastStore } from './outdoor-forecast';
import { signalPointDefs } from './signal-points';

/** The points the service reads: the section's, else the controllers' (as the model's defaults). */
export function signalInputs(site: SiteConfig, cfg: HeatSignalSection): SignalInputs {
  const ss = site.control.controllers.find((c) => c.type === 'supply-setpoint');
  const dispatch = site.control.controllers.find((c) => c.type === 'heat-pump-dispatch');
  const outdoor = cfg.outdoorTemp ?? ss?.outdoorTemp;
  const sources: PointId[] = cfg.sourceTemp
    ? [cfg.sourceTemp]
    : (dispatch?.heatPumps.map((hp) => hp.evaporatorIn) ?? []);
  return {
    itPower: cfg.itPower,
    ...(cfg.flexiblePower ? { flexiblePower: cfg.flexiblePower } : {}),
    ...(outdoor ? { outdoorTemp: outdoor } : {}),
    sourceTemps: sources,
  };
}

export interface HeatSignalWiring {
  service: HeatSignalService;
  forecast: OutdoorForecastStore;
  /** The forecast's file and poll sources: started before the service. */
  components: Component[];
}

export interface HeatSignalWiringOptions {
  site: SiteConfig;
  /** Every point HeatBridge knows; the `signal` device's are added to it. */
  defs: Map<PointId, PointDef>;
  read: (id: PointId) => Sample | undefined;
  utility?: {
    plans: Pick<PlanStore, 'hourAt' | 'changes$'>;
    prices?: Pick<PriceSeries, 'at' | 'changes$'>;
  };
  log: Logger;
  now: () => number;
  scheduler?: SchedulerLike;
}

/**
 * Wires the heat signal of a site with a `heatSignal` section: the forecast store and its file
 * and poll sources, the service, the `signal` device's points. Undefined without the section.
 */
export function wireHeatSignal(opts: HeatSignalWiringOptions): HeatSignalWiring | undefined {
  const cfg = opts.site.heatSignal;
  const model = siteHeatModel(opts.site);
  if (!cfg || !model) return undefined;
  const { site, log, now } = opts;
  const scheduler = opts.scheduler ?? asyncScheduler;
  const timeZone = site.site.timezone;
  const forecast = new OutdoorForecastStore();
  const components: Component[] = [];
  const src = cfg.outdoorForecast;
  if (src) {
    const base = {
      log,
      scheduler,
      what: 'outdoor-temperature forecast',
      intake: forecastIntakeOf(forecast, now, timeZone),
    };
    if (src.file)
      components.push(
        new FileSource({ ...base, name: 'outdoor forecast file', file: resolve(src.file) }),
      );
    if (src.poll)
      components.push(new PollSource({ ...base, ...src.poll, name: 'outdoor forecast poll' }));
  }
  for (const d of signalPointDefs(RECOMPUTE_EVERY_MS)) opts.defs.set(d.id, d);
  const service = new HeatSignalService({
    config: cfg,
    model,
    inputs: signalInputs(site, cfg),
    forecast,
    read: opts.read,
    ...(opts.utility ? { plans: opts.utility.plans } : {}),
    ...(opts.utility?.prices ? { prices: opts.utility.prices } : {}),
    cycleMs: site.control.cycleMs,
    scheduler,
    log,
    stateFile: resolve(cfg.stateFile),
  });
  return { service, forecast, components };
}
