import type { PointDef } from '../../domain/point';
import { pointId, type PointId } from '../../domain/point-id';
import type { Unit } from '../../domain/units';
import {
  heatFlowKw,
  type Controller,
  type ControllerResult,
  type CycleContext,
} from '../controller';
import type { ProcessImage } from '../process-image';
import { derivedInputs, type DerivedConfig } from './derived-figures';

export type { DerivedConfig } from './derived-figures';

/** The derived points (device `derived`), with their units. */
export const DERIVED_POINTS: Record<
  string,
  { unit: Unit; description: string; resolution?: number }
> = {
  recovered_heat: {
    unit: 'kW',
    description: "Heat the heat pumps take from the data center's coolant",
  },
  recovered_energy: {
    unit: 'kWh',
    description: 'Recovered heat, integrated since the counters began (kept across restarts)',
  },
  delivered_heat: { unit: 'kW', description: 'Heat delivered to the district network (meter)' },
  delivered_energy: {
    unit: 'kWh',
    description: 'Delivered heat, integrated since the counters began (kept across restarts)',
  },
  hp_electric_power: { unit: 'kW', description: 'Heat-pump electricity' },
  hp_electric_energy: {
    unit: 'kWh',
    description:
      'Heat-pump electricity, integrated since the counters began (kept across restarts)',
  },
  cop: { unit: 'ratio', description: 'Heat-pump COP now: condenser heat / electricity' },
  cop_running: {
    unit: 'ratio',
    description: 'Heat-pump COP since the counters began, from the integrals',
  },
  recoverable_heat: {
    unit: 'kW',
    description: 'Heat the coolant carries through the plant (ṁ·c_p·ΔT)',
  },
  facility_energy: {
    unit: 'kWh',
    description:
      'Facility electricity, integrated since the counters began (kept across restarts; the ERF base)',
  },
  erf: {
    unit: 'ratio',
    // A few per cent: 0.01 would show 0.03 for anything from 2.5 to 3.5 %.
    resolution: 0.001,
    description:
      'Energy reuse factor since the counters began: recovered energy / facility energy (EN 50600-4-6)',
  },
  pue: {
    unit: 'ratio',
    // As the API gave it before: 0.005 of PUE is a real change in a 2 MW hall (10 kW).
    resolution: 0.001,
    description: 'Power usage effectiveness now: facility power / IT power',
  },
  lift: {
    unit: 'K',
    description:
      'Temperature lift of the heat pumps now: condenser outlet − evaporator outlet, weighted by heat output',
  },
  drycooler_share: {
    unit: '%',
    description: 'Share of the heat leaving the coolant that the dry coolers reject now',
  },
};

/** Built once: validating the ids every cycle showed in a simulated year's profile. */
const DERIVED_IDS: Record<string, PointId> = Object.fromEntries(
  Object.keys(DERIVED_POINTS).map((name) => [name, pointId('derived', name)]),
);

/**
 * The derived points of a site: only what its derived controllers' configs can compute (none
 * without a derived controller). Without `configs`, every derived point there is.
 */
export function derivedPointDefs(
  expectedPeriodMs: number,
  configs?: readonly DerivedConfig[],
): PointDef[] {
  const computed = configs
    ? new Set(configs.flatMap((c) => [...derivedInputs(c).keys()]))
    : undefined;
  return Object.entries(DERIVED_POINTS)
    .filter(([name]) => computed === undefined || computed.has(name))
    .map(([name, p]) => ({
      id: pointId('derived', name),
      device: 'derived',
      name,
      unit: p.unit,
      kind: 'derived',
      access: 'r',
      historian: { mode: 'every' },
      expectedPeriodMs,
      staleAfterMs: 3 * expectedPeriodMs,
      description: p.description,
      ...(p.resolution !== undefined ? { resolution: p.resolution } : {}),
    }));
}

export interface DerivedState {
  lastAt: number | null;
  recoveredKwh: number;
  deliveredKwh: number;
  electricKwh: number;
  heatKwh: number;
  facilityKwh: number;
}

/**
 * The lift the heat pumps work against, weighted by the heat each delivers (a stopped unit's
 * temperatures say nothing about COP). Undefined while none delivers heat or a temperature is
 * unknown: a dashboard plots COP against it, so a guess would draw a false point.
 */
function weightedLift(
  cfg: DerivedConfig,
  num: (id: PointId | undefined) => number | undefined,
): number | undefined {
  let weighted = 0;
  let weight = 0;
  for (const hp of cfg.heatPumps) {
    if (!hp.condenserOut || !hp.evaporatorOut) return undefined;
    const h = num(hp.heatOutput);
    if (h === undefined || h <= 1) continue;
    const c = num(hp.condenserOut);
    const e = num(hp.evaporatorOut);
    if (c === undefined || e === undefined) return undefined;
    weighted += (c - e) * h;
    weight += h;
  }
  return weight > 0 ? weighted / weight : undefined;
}

/** A longer gap between cycles (a stalled process) is not integrated at all: nothing is invented. */
const MAX_INTEGRATION_MS = 60_000;

/** Per config, computed once: a simulated year runs the step millions of times. */
const figuresOf = new WeakMap<DerivedConfig, ReadonlySet<string>>();
function figures(cfg: DerivedConfig): ReadonlySet<string> {
  let set = figuresOf.get(cfg);
  if (!set) {
    set = new Set(derivedInputs(cfg).keys());
    figuresOf.set(cfg, set);
  }
  return set;
}

/**
 * The integrals go on from the counters' last values when the image has them (HeatBridge's
 * previous run, restored from the data folder before control starts, as OpenEMS's energy
 * calculators continue from their last values): a restart does not put the energies, ERF and
 * running COP back to zero. Their age does not matter (they are old by nature); a value that is
 * not a finite, non-negative number is not taken. The heat-pump heat is not a point: it is the
 * running COP times the electricity, or recovered + electricity without it (the same thing while
 * the units deliver heat).
 */
function resumed(image: ProcessImage, state: DerivedState): DerivedState {
  const last = (name: string): number | undefined => {
    const v = image.get(DERIVED_IDS[name]!)?.value;
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
  };
  const recoveredKwh = last('recovered_energy') ?? state.recoveredKwh;
  const electricKwh = last('hp_electric_energy') ?? state.electricKwh;
  const cop = last('cop_running');
  return {
    ...state,
    recoveredKwh,
    electricKwh,
    deliveredKwh: last('delivered_energy') ?? state.deliveredKwh,
    facilityKwh: last('facility_energy') ?? state.facilityKwh,
    heatKwh: cop !== undefined ? cop * electricKwh : recoveredKwh + electricKwh,
  };
}

/**
 * Derived points (DESIGN §5.7): recovered heat (what the heat pumps take from the coolant:
 * condenser heat − electricity), delivered heat, heat-pump electricity, COP now and since start,
 * recoverable heat, ERF (recovered energy / facility energy) and PUE. Energies integrate the
 * powers over the cycle (rectangle rule); a gap longer than a minute is not integrated.
 */
export const derived: Controller<DerivedConfig, DerivedState> = {
  init: () => ({
    lastAt: null,
    recoveredKwh: 0,
    deliveredKwh: 0,
    electricKwh: 0,
    heatKwh: 0,
    facilityKwh: 0,
  }),

  step(ctx: CycleContext, last: DerivedState, cfg: DerivedConfig): ControllerResult<DerivedState> {
    const prev = last.lastAt === null ? resumed(ctx.image, last) : last;
    const num = (id: PointId | undefined): number | undefined =>
      id ? ctx.image.number(id) : undefined;
    let heat = 0;
    let electric = 0;
    let complete = true;
    for (const hp of cfg.heatPumps) {
      const h = num(hp.heatOutput);
      const e = num(hp.electricPower);
      if (h === undefined || e === undefined) complete = false;
      heat += h ?? 0;
      electric += e ?? 0;
    }
    const recovered = Math.max(heat - electric, 0);
    const lift = weightedLift(cfg, num);
    const dry = num(cfg.dryCoolerHeat);
    const dryShare =
      dry !== undefined && complete && dry + recovered > 1
        ? (100 * Math.max(dry, 0)) / (Math.max(dry, 0) + recovered)
        : undefined;
    const delivered = num(cfg.deliveredHeat);
    const facility = num(cfg.facilityPower);
    const it = num(cfg.itPower);
    let recoverable: number | undefined = 0;
    for (const s of cfg.sources) {
      const f = num(s.flow);
      const a = num(s.supplyTemp);
      const b = num(s.returnTemp);
      recoverable =
        f === undefined || a === undefined || b === undefined || recoverable === undefined
          ? undefined
          : recoverable + Math.max(heatFlowKw(f, a, b), 0);
    }
    const gapMs = prev.lastAt === null ? 0 : Math.max(ctx.now - prev.lastAt, 0);
    const dtH = gapMs > MAX_INTEGRATION_MS ? 0 : gapMs / 3_600_000;
    // Heat-pump energies only from complete readings: a unit's missing electricity would
    // overstate the recovered heat (and ERF).
    const hpH = complete ? dtH : 0;
    const state: DerivedState = {
      lastAt: ctx.now,
      recoveredKwh: prev.recoveredKwh + recovered * hpH,
      deliveredKwh: prev.deliveredKwh + (delivered ?? 0) * dtH,
      electricKwh: prev.electricKwh + electric * hpH,
      heatKwh: prev.heatKwh + heat * hpH,
      facilityKwh: prev.facilityKwh + (facility ?? 0) * dtH,
    };
    const out: Record<string, number | undefined> = {
      recovered_heat: complete ? recovered : undefined,
      recovered_energy: state.recoveredKwh,
      delivered_heat: delivered,
      delivered_energy: state.deliveredKwh,
      hp_electric_power: complete ? electric : undefined,
      hp_electric_energy: state.electricKwh,
      cop: complete && electric > 1 ? heat / electric : undefined,
      cop_running: state.electricKwh > 0 ? state.heatKwh / state.electricKwh : undefined,
      recoverable_heat: cfg.sources.length > 0 ? recoverable : undefined,
      facility_energy:
        facility === undefined && state.facilityKwh === 0 ? undefined : state.facilityKwh,
      erf: state.facilityKwh > 0 ? state.recoveredKwh / state.facilityKwh : undefined,
      pue: facility !== undefined && it !== undefined && it > 0 ? facility / it : undefined,
      lift,
      drycooler_share: dryShare,
    };
    const computed = figures(cfg);
    return {
      state,
      commands: [],
      status: complete ? 'ok' : 'degraded',
      ...(complete ? {} : { message: 'some heat-pump values unknown' }),
      // Only the figures this config can compute: the site lists no others (derivedPointDefs).
      derived: Object.entries(out)
        .filter(
          (e): e is [string, number] =>
            e[1] !== undefined && Number.isFinite(e[1]) && computed.has(e[0]),
        )
        .map(([name, value]) => ({ id: DERIVED_IDS[name]!, value })),
    };
  },
};
