import { resolve } from 'node:path';
import { asyncScheduler, EMPTY, type Observable, type SchedulerLike } from 'rxjs';
import type { SiteConfig } from '../config/site';
import type { UtilityConfig } from '../config/utility';
import type { PointDef } from '../domain/point';
import { pointId, type PointId } from '../domain/point-id';
import type { Sample } from '../domain/sample';
import type { Logger } from '../log';
import type { Component } from '../runtime/component';
import { siteTimeText } from '../util/site-time';
import { HOUR_MS } from './plan';
import { parsePlan } from './plan-format';
import { FileSource, PollSource, type Intake } from './plan-sources';
import { PlanStore } from './plan-store';
import { parsePrices, PriceSeries } from './price-series';
import { formatProblems } from './table-text';
import { ScadaRequests, scadaPointDefs } from './scada-requests';
import { UtilityFeed } from './utility-feed';
import { utilityPointDefs } from './utility-points';
import { valueLedgerFor, type ValueLedger } from './value-ledger';
import { valuePointDefs } from './value-points';

export interface UtilityWiring {
  /** The `utility` device: goes with the field adapters, so control reads it like any device. */
  feed: UtilityFeed;
  plans: PlanStore;
  /** The SCADA's live requests (northbound.requests); undefined without that section. */
  scada?: ScadaRequests;
  /** The electricity price series; undefined when the site names no source for it. */
  prices?: PriceSeries;
  /** The value ledger (utility.value); undefined without that section. */
  ledger?: ValueLedger;
  /** The file and poll sources and the ledger: started before the feed, stopped after it. */
  components: Component[];
  /** The ledger's `value/*` points, for the historian and the latest values. */
  samples$: Observable<Sample>;
}

export interface UtilityWiringOptions {
  site: SiteConfig;
  /** Every point HeatBridge knows; the utility's and the value ledger's are added to it. */
  defs: Map<PointId, PointDef>;
  /** The latest sample of a point, for the price model's inputs. */
  read: (id: PointId) => Sample | undefined;
  /** Every sample (the ledger integrates from it); subscribed at the ledger's start. */
  samples$: Observable<Sample>;
  log: Logger;
  now: () => number;
  scheduler?: SchedulerLike;
  /** Plans in memory only, no file or polled sources (`simulate` publishes its own). */
  inMemory?: boolean;
}

/** The point HeatBridge's supply-setpoint controller records the connection mode in. */
const CONNECTION_MODE = pointId('derived', 'connection_mode');

/**
 * Wires the utility side of a site (its `utility` section): the plan store (loaded from its state
 * file), the plan and price sources, the `utility` device feed and the value ledger. Undefined
 * for a site without the section: then no `utility` points exist and control runs on its curve.
 */
export function wireUtility(opts: UtilityWiringOptions): UtilityWiring | undefined {
  const cfg = opts.site.utility;
  if (!cfg) return undefined;
  const { site, log, now } = opts;
  const scheduler = opts.scheduler ?? asyncScheduler;
  const timeZone = site.site.timezone;
  const plans = new PlanStore({
    ...(opts.inMemory ? {} : { stateFile: resolve(cfg.plan.stateFile) }),
    log,
    now,
    timeZone,
  });
  plans.load();
  const prices = cfg.electricityPrices || opts.inMemory ? new PriceSeries(now) : undefined;
  const components: Component[] = [];
  if (!opts.inMemory) {
    const base = { log, scheduler };
    const planIntake = planIntakeOf(plans, now, timeZone);
    if (cfg.plan.file)
      components.push(
        new FileSource({
          ...base,
          name: 'utility plan file',
          what: 'day-ahead plan',
          intake: planIntake,
          file: resolve(cfg.plan.file),
        }),
      );
    if (cfg.plan.poll)
      components.push(
        new PollSource({
          ...base,
          ...cfg.plan.poll,
          name: 'utility plan poll',
          what: 'day-ahead plan',
          intake: planIntake,
        }),
      );
    const ep = cfg.electricityPrices;
    if (ep && prices) {
      const priceIntake = priceIntakeOf(prices, timeZone);
      if (ep.file)
        components.push(
          new FileSource({
            ...base,
            name: 'electricity price file',
            what: 'electricity prices',
            intake: priceIntake,
            file: resolve(ep.file),
          }),
        );
      if (ep.poll)
        components.push(
          new PollSource({
            ...base,
            ...ep.poll,
            name: 'electricity price poll',
            what: 'electricity prices',
            intake: priceIntake,
          }),
        );
    }
  }
  for (const d of utilityPointDefs(site)) opts.defs.set(d.id, d);
  const requests = site.northbound?.requests;
  const scada = requests ? new ScadaRequests(requests.timeoutMs) : undefined;
  if (requests)
    for (const d of scadaPointDefs(requests, site.control.cycleMs)) opts.defs.set(d.id, d);
  const feed = new UtilityFeed({
    ...(scada ? { scada } : {}),
    plans,
    ...(prices ? { prices } : {}),
    heatPrice: cfg.heatPrice,
    inputs: priceModelInputs(site, cfg, opts.defs),
    read: opts.read,
    cycleMs: site.control.cycleMs,
    scheduler,
    timeZone,
  });
  // The ledger (H6's value-ledger.ts), when the site has `utility.value`.
  const ledger = valueLedgerFor(site, opts.defs, opts.samples$, {
    log,
    now,
    ...(opts.scheduler ? { scheduler: opts.scheduler } : {}),
  });
  if (ledger) {
    for (const d of valuePointDefs(site.control.cycleMs)) opts.defs.set(d.id, d);
    components.push(ledger);
  }
  return {
    feed,
    plans,
    ...(scada ? { scada } : {}),
    ...(prices ? { prices } : {}),
    ...(ledger ? { ledger } : {}),
    components,
    samples$: ledger ? ledger.samples$ : EMPTY,
  };
}

/** The price model's inputs: the config's, else the supply-setpoint controller's points. */
function priceModelInputs(
  site: SiteConfig,
  cfg: UtilityConfig,
  defs: ReadonlyMap<PointId, PointDef>,
): { outdoorTemp?: PointId; supplyTemp?: PointId; connectionMode?: PointId } {
  const ss = site.control.controllers.find((c) => c.type === 'supply-setpoint');
  const outdoor = cfg.heatPrice.outdoorTemp ?? ss?.outdoorTemp;
  const supply = cfg.heatPrice.supplyTemp ?? ss?.measuredSupply ?? ss?.outputs[0];
  return {
    ...(outdoor ? { outdoorTemp: outdoor } : {}),
    ...(supply ? { supplyTemp: supply } : {}),
    ...(defs.has(CONNECTION_MODE) ? { connectionMode: CONNECTION_MODE } : {}),
  };
}

/** Plans from a source into the store: validated whole, a rejected text changes nothing. */
export function planIntakeOf(plans: PlanStore, now: () => number, timeZone: string): Intake {
  return (text, format, source) => {
    const parsed = parsePlan(text, format);
    if (!parsed.ok) return { ok: false, problems: formatProblems(parsed.problems) };
    const { hours, issuedAt } = parsed.value;
    const change = plans.accept({
      source,
      receivedAt: now(),
      ...(issuedAt !== undefined ? { issuedAt } : {}),
      hours,
    });
    const span = `${siteTimeText(change.from, timeZone)} – ${siteTimeText(change.to, timeZone)}`;
    const kept =
      (change.keptNewer > 0 ? `, ${change.keptNewer} kept from a plan issued later` : '') +
      (change.outside > 0
        ? `, ${change.outside} not taken (more than 7 days past or 31 days ahead)`
        : '');
    return {
      ok: true,
      summary: `${change.accepted} of ${hours.length} hours taken (${span})${kept}`,
    };
  };
}

/** Prices from a source into the series. */
export function priceIntakeOf(prices: PriceSeries, timeZone: string): Intake {
  return (text, format) => {
    const parsed = parsePrices(text, format);
    if (!parsed.ok) return { ok: false, problems: formatProblems(parsed.problems) };
    const list = parsed.value;
    prices.accept(list);
    const from = list[0]!.start;
    const to = list.at(-1)!.start + list[0]!.stepMs;
    const step = list[0]!.stepMs === HOUR_MS ? 'hourly' : `every ${list[0]!.stepMs / 60_000} min`;
    return {
      ok: true,
      summary: `${list.length} prices ${step} (${siteTimeText(from, timeZone)} – ${siteTimeText(to, timeZone)})`,
    };
  };
}
