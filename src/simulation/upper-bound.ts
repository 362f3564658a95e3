import type { SiteConfig } from '../config';
import { capacityAt, copAt, unitsCapacityAt, type PlantParams } from '../../simulators';

/**
 * The most heat HeatBridge could have delivered in a step, from the same inputs the plant model
 * had (issue 22 item 6): what `simulate` scores delivered heat against. Per step, for each
 * connection mode the contract allows (and the units can serve: supply only while the requested
 * temperature is within their reach; none below the least useful COP):
 *
 *     bound_m = min( Q_coolant × COP_m / (COP_m − 1),   heat pumps can only lift the coolant heat
 *                    A_m,                               what the network takes in that mode
 *                    Σ capacity_i(T_m, T_evap) )         the units' full-load capacity at that lift
 *     bound   = max over the allowed modes m of bound_m (0 when none is allowed)
 *
 * with T_m the mode's delivery temperature (supply: the request; top-up: min(request, reach);
 * return: min(network return + maxRiseK, maxC)), COP_m and capacity the plant model's at T_m from
 * the coolant entering the evaporators (full load, the evaporator water cooled by the heat drawn,
 * so the COP is the lowest a running unit sees at that lift and the first term the largest), Q the
 * heat going into the liquid loop, and the network's acceptance from its flow at the connection:
 * A_supply = A_top-up = ṁ·c_p·(T_m − T_return), A_return = ṁ·share·c_p·(T_m − T_return).
 *
 * The formula knows no minimum load: where the bound lies below the least one unit makes running
 * (its minimum load at that lift), no controller can deliver it without a heat store, since heat
 * the network does not take trips the unit on its condenser temperature. Such steps are flagged
 * (`belowMinimum`: no allowed mode's bound reaches its own minimum) so the report can show the
 * share of the rest beside the share of the whole.
 */
export type BoundMode = 'supply' | 'top-up' | 'return';

export interface BoundSetup {
  /** The modes the contract allows (the supply-setpoint controller's `connection.modes`). */
  modes: readonly BoundMode[];
  /** Highest condenser outlet the units hold (connection.reachC, else the controller's max). */
  reachC: number;
  minUsefulCop: number;
  returnLine: { maxRiseK: number; maxC: number };
}

/** The network at the connection in a step. */
export interface BoundNetwork {
  /** Requested supply temperature, °C. */
  supplyC: number;
  returnC: number;
  /** Heat the network takes at its requested supply temperature, kW. */
  acceptanceKw: number;
}

/** The plant model's units: COP and capacity (all units together) at a lift. */
export interface BoundUnits {
  cop(condenserOutC: number, evaporatorInC: number): number;
  capacityKw(condenserOutC: number, evaporatorInC: number): number;
  /** Share of the network's flow through our condensers in return mode (plant model, 1 default). */
  returnFlowShare: number;
  /** The least one unit makes running at that lift (its minimum load), kW (default 0). */
  minOutputKw?(condenserOutC: number, evaporatorInC: number): number;
}

/** The bound setup a site's supply-setpoint controller describes. */
export function boundSetup(site: SiteConfig): BoundSetup {
  const c = site.control.controllers.find((x) => x.type === 'supply-setpoint');
  const k = c && 'connection' in c ? c.connection : undefined;
  if (k)
    return {
      modes: k.modes,
      reachC: k.reachC,
      minUsefulCop: k.minUsefulCop,
      returnLine: k.returnLine,
    };
  // Before connection modes: supply only, the setpoint clamped to the controller's max.
  return {
    modes: ['supply'],
    reachC: c?.max ?? 85,
    minUsefulCop: 0,
    returnLine: { maxRiseK: 15, maxC: 70 },
  };
}

/** The bound's result for a step (reused: no allocation per step). */
export interface Bound {
  kw: number;
  /** The mode that gives it, or 'none'. */
  mode: BoundMode | 'none';
  /** The request is above the units' reach. */
  aboveReach: boolean;
  /** The bound is below the least one unit makes running: no unit can deliver it. */
  belowMinimum: boolean;
}

const CP_WATER = 4.186;

export function upperBound(
  out: Bound,
  coolantKw: number,
  evaporatorInC: number,
  n: BoundNetwork,
  setup: BoundSetup,
  units: BoundUnits,
): Bound {
  out.kw = 0;
  out.mode = 'none';
  out.aboveReach = n.supplyC > setup.reachC;
  out.belowMinimum = false;
  // Below the minimum only if no mode the bound allows could keep one unit running.
  let reachable = false;
  const flow = n.acceptanceKw / (CP_WATER * Math.max(n.supplyC - n.returnC, 1));
  for (const mode of setup.modes) {
    let tC: number;
    let accKw: number;
    if (mode === 'return') {
      tC = Math.min(n.returnC + setup.returnLine.maxRiseK, setup.returnLine.maxC);
      accKw = flow * units.returnFlowShare * CP_WATER * Math.max(tC - n.returnC, 0);
    } else {
      if (mode === 'supply' && out.aboveReach) continue;
      tC = Math.min(n.supplyC, setup.reachC);
      accKw = flow * CP_WATER * Math.max(tC - n.returnC, 0);
    }
    const cop = units.cop(tC, evaporatorInC);
    if (!(cop > 1) || cop < setup.minUsefulCop) continue;
    const kw = Math.min((coolantKw * cop) / (cop - 1), accKw, units.capacityKw(tC, evaporatorInC));
    if (kw > 0 && (!units.minOutputKw || kw >= units.minOutputKw(tC, evaporatorInC)))
      reachable = true;
    if (kw > out.kw) {
      out.kw = kw;
      out.mode = mode;
    }
  }
  out.belowMinimum = out.kw > 0 && !reachable;
  return out;
}

/** How close two temperatures must be for a cached COP to stand (the COP moves ~0.2 % per 0.05 K). */
const COP_CACHE_K = 0.05;

/**
 * The plant model's units as the bound sees them: COP at full load (`copAt` with each unit's
 * share of the coolant flow; the units of the model are alike, the first one's COP stands for
 * all) and the units' summed capacity. `copAt` runs the model's fixed point; the last few
 * results are kept, so a step whose temperatures barely moved costs no new computation.
 */
export function plantUnits(params: PlantParams): BoundUnits {
  const units = params.heatPumps;
  const flow = params.loop.flowKgS / Math.max(units.length, 1);
  const cond = [NaN, NaN, NaN, NaN];
  const evap = [NaN, NaN, NaN, NaN];
  const cops = [0, 0, 0, 0];
  let next = 0;
  return {
    returnFlowShare: params.district.returnLine.flowShare,
    capacityKw: (condenserOutC, evaporatorInC) =>
      unitsCapacityAt(units, condenserOutC, evaporatorInC),
    minOutputKw(condenserOutC, evaporatorInC) {
      let least = Infinity;
      for (const u of units)
        least = Math.min(least, u.minLoad * capacityAt(u, condenserOutC, evaporatorInC));
      return Number.isFinite(least) ? least : 0;
    },
    cop(condenserOutC, evaporatorInC) {
      for (let i = 0; i < cops.length; i++)
        if (
          Math.abs(cond[i]! - condenserOutC) < COP_CACHE_K &&
          Math.abs(evap[i]! - evaporatorInC) < COP_CACHE_K
        )
          return cops[i]!;
      const first = units[0];
      const cop = first ? copAt(first, condenserOutC, evaporatorInC, flow) : 0;
      cond[next] = condenserOutC;
      evap[next] = evaporatorInC;
      cops[next] = cop;
      next = (next + 1) % cops.length;
      return cop;
    },
  };
}
