import type { SiteConfig } from '../config';
import { buildPointDefs } from '../config';
import type { ControllerConfig } from '../config/controllers';
import { controlPointDefs } from '../control/control-points';
import { splitPointId } from '../domain/point-id';
import { measurementOfKind } from '../historian/schema';
import { utilityPointDefs } from '../utility/utility-points';
import { valuePointDefs } from '../utility/value-points';
import { GOOD, meanOver, pointIs, select } from './influxql';
import type { Query } from './panels';

/** The config of a controller of one type. */
export type Of<T extends ControllerConfig['type']> = Extract<ControllerConfig, { type: T }>;

/** What the dashboards need to know about a site. */
export class SiteContext {
  readonly defs;
  constructor(readonly site: SiteConfig) {
    this.defs = buildPointDefs(site);
    // Only the derived figures the site computes (issue 21): a panel on a figure never written
    // would stay empty. The connection mode, the utility device and the value ledger likewise.
    for (const d of controlPointDefs(site.control)) this.defs.set(d.id, d);
    if (site.utility) {
      for (const d of utilityPointDefs(site)) this.defs.set(d.id, d);
      if (site.utility.value)
        for (const d of valuePointDefs(site.control.cycleMs)) this.defs.set(d.id, d);
    }
  }

  /** Whether the site has the point (a panel on a point never written would stay empty). */
  has(id: string): boolean {
    return this.defs.has(id as never);
  }

  /** Where a point's samples are, and the conditions selecting it (any quality). */
  where(id: string): { measurement: string; where: string[] } {
    const s = this.series(id);
    return { measurement: s.measurement, where: [s.point] };
  }

  controller<T extends ControllerConfig['type']>(type: T): Of<T> | undefined {
    return this.site.control.controllers.find((c): c is Of<T> => c.type === type);
  }

  /** Where a point's samples are, and the conditions selecting its clean values. */
  private series(id: string): { measurement: string; point: string; clean: string[] } {
    const def = this.defs.get(id as never);
    if (!def) throw new Error(`dashboards: no point ${id} in the site config`);
    const measurement = measurementOfKind(def.kind);
    // Derived points are computed from good inputs only; every other point has its quality tag.
    const clean = [pointIs(id), ...(measurement === 'derived' ? [] : [GOOD])];
    return { measurement, point: pointIs(id), clean };
  }

  /** The mean of one point per interval (good samples only), named `alias`. */
  mean(id: string, alias: string): Query {
    const s = this.series(id);
    return { query: meanOver(s.measurement, s.clean), alias };
  }

  /** Energy over the dashboard's range from a power point: the integral in kWh. */
  energy(id: string, alias: string, rest = ''): Query {
    const s = this.series(id);
    return { query: select('integral("value", 1h)', s.measurement, s.clean, rest), alias };
  }

  last(id: string, alias: string): Query {
    const s = this.series(id);
    return { query: select('last("value")', s.measurement, [s.point]), alias };
  }

  /** Limit alarms configured on a point. */
  limits(id: string): { high?: number; low?: number } {
    const out: { high?: number; low?: number } = {};
    for (const a of this.site.alarms.definitions) {
      if (a.type !== 'limit' || a.point !== id) continue;
      if (a.high !== undefined) out.high = Math.min(out.high ?? Infinity, a.high);
      if (a.low !== undefined) out.low = Math.max(out.low ?? -Infinity, a.low);
    }
    return out;
  }

  /** Heat-pump devices (from the dispatch or derived controller). */
  heatPumpDevices(): string[] {
    const refs =
      this.controller('heat-pump-dispatch')?.heatPumps.map((h) => h.heatOutput) ??
      this.controller('derived')?.heatPumps.map((h) => h.heatOutput) ??
      [];
    return [...new Set(refs.map((r) => splitPointId(r as never).device))];
  }

  hasDerived(name: string): boolean {
    return this.controller('derived') !== undefined && this.defs.has(`derived/${name}` as never);
  }

  /** The heat flows every energy view starts from. */
  heatFlows(): Query[] {
    const q: Query[] = [];
    const derived = this.controller('derived');
    const dispatch = this.controller('heat-pump-dispatch');
    if (derived) q.push(this.mean(derived.itPower, 'IT load'));
    if (this.hasDerived('recoverable_heat') && derived?.sources.length)
      q.push(this.mean('derived/recoverable_heat', 'recoverable (coolant)'));
    if (derived) q.push(this.mean('derived/recovered_heat', 'recovered (heat pumps)'));
    if (derived?.deliveredHeat)
      q.push(this.mean(derived.deliveredHeat, 'delivered to the network'));
    if (dispatch) q.push(this.mean(dispatch.networkAcceptance, 'network acceptance'));
    if (derived?.dryCoolerHeat) q.push(this.mean(derived.dryCoolerHeat, 'dry coolers'));
    return q;
  }
}
