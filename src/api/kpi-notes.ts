import type { ControlConfig } from '../config/controllers';
import { derivedConfigs } from '../control/controllers/derived-figures';
import type { PointDef } from '../domain/point';
import type { PointId } from '../domain/point-id';
import { isUsable } from '../domain/quality';
import { formatWithUnit } from '../domain/resolution';
import type { Sample } from '../domain/sample';
import { qualityAt } from '../domain/stale';

export interface NoteSources {
  control: ControlConfig;
  defs: ReadonlyMap<PointId, PointDef>;
  latest: { get(id: PointId): Sample | undefined };
}

/** How much below its setpoint the supply counts as still warming up, K. */
const WARMING_BELOW_K = 2;

/**
 * Why no heat is delivered, when the meter says so while a reason can be read from the plant
 * (issue 21: "Delivered 0.0 kW" for ten minutes after a start, with no hint why). After a cold
 * start the heat pumps first heat their own condenser loop: the substation takes water only near
 * the supply setpoint, so the meter rightly reads zero while the heat pumps already make
 * hundreds of kW. The page shows this beside the figure. Undefined when heat is delivered or
 * nothing explains it.
 */
export function deliveryNote(
  src: NoteSources,
  deliveredKw: number,
  now: number,
): string | undefined {
  if (deliveredKw > 1) return undefined;
  const cfg = derivedConfigs(src.control.controllers)[0];
  if (!cfg) return undefined;
  const usable = (id: PointId | undefined): { value: number; def: PointDef } | undefined => {
    const def = id ? src.defs.get(id) : undefined;
    const s = id ? src.latest.get(id) : undefined;
    if (!def || !s || typeof s.value !== 'number') return undefined;
    return isUsable(qualityAt(s, def.staleAfterMs, now)) ? { value: s.value, def } : undefined;
  };
  let heat = 0;
  let heatDef: PointDef | undefined;
  for (const hp of cfg.heatPumps) {
    const h = usable(hp.heatOutput);
    if (!h) return undefined;
    heat += Math.max(h.value, 0);
    heatDef = h.def;
  }
  if (heat <= 1) return 'no heat pump makes heat now';
  const made = formatWithUnit(heat, heatDef!);
  for (const c of src.control.controllers) {
    if (c.type !== 'heat-pump-dispatch') continue;
    const acceptance = usable(c.networkAcceptance);
    if (acceptance && acceptance.value <= 1)
      return `the network takes no heat now (${c.networkAcceptance} ${formatWithUnit(acceptance.value, acceptance.def)}); the heat pumps make ${made}`;
  }
  for (const c of src.control.controllers) {
    if (c.type !== 'supply-setpoint') continue;
    const supply = usable(c.measuredSupply);
    const setpoints = c.outputs.map((id) => usable(id)?.value);
    if (!supply || setpoints.some((v) => v === undefined)) continue;
    const setpoint = (setpoints as number[]).reduce((a, b) => a + b, 0) / setpoints.length;
    if (supply.value < setpoint - WARMING_BELOW_K)
      return `warming up: the heat pumps make ${made} into their own loop, at ${formatWithUnit(supply.value, supply.def)} of the ${formatWithUnit(setpoint, supply.def)} supply setpoint; the substation takes heat once the supply nears its setpoint`;
  }
  return `the heat pumps make ${made}, but the meter (${cfg.deliveredHeat ?? 'none configured'}) shows no delivery`;
}
