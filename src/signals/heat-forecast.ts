import type { SiteConfig } from '../config/site';
import { HEAT_PRICE_DEFAULTS } from '../config/utility';
import { clamp } from '../control/controller';
import { estimatedCop } from '../control/cop';
import { siteHour } from '../util/site-time';
import { curveAt } from '../control/controllers/supply-setpoint';
import { heatPriceEurPerMWh, type HeatPriceModel } from '../utility/heat-price';
import type {
  FlexibleLoadConfig,
  ForecastBasis,
  HeatPumpDerating,
  ForecastHour,
  HourInputs,
  OutdoorCurvePoint,
} from './heat-signal-types';

/**
 * The heat forecast (issue 23): hour by hour, what the network will take, what the heat pumps can
 * deliver from the site's IT heat, what goes to the dry coolers and what it is worth. Pure: the
 * site's model, resolved once (`siteHeatModel`), and one hour's inputs give one hour's figures.
 * It is a planning model, not the plant: steady hours, no start-up, no minimum load.
 */

export interface SiteHeatModel {
  timeZone: string;
  horizonHours: number;
  recoverableShare: number;
  heatPumpCapacityKw: number;
  heatPumpDerating?: HeatPumpDerating;
  /** The supply-setpoint controller's curve, its clamp and the heat pumps' reach. */
  supply: {
    curve: { outdoor: number; supply: number }[];
    minC: number;
    maxC: number;
    reachC: number;
  };
  heatPrice: HeatPriceModel;
  acceptance: { curve: OutdoorCurvePoint[]; hourFactors: number[] };
  dryCoolers: { capacity: OutdoorCurvePoint[]; marginPct: number };
  /** Dispatch is value-aware: no unit runs at a loss outside on-demand hours. */
  valueAware: boolean;
  flexible: FlexibleLoadConfig;
}

/**
 * The network's return temperature the forecast assumes where a request lies above the heat
 * pumps' reach: the heat taken at reach is then the acceptance × (reach − return) / (request −
 * return), the network's flow being the same. 45 °C is the middle of a Nordic network's 40–55 °C.
 */
export const ASSUMED_RETURN_C = 45;
/** Evaporator inlet assumed when none is measured yet, °C (a W45-class loop's warm side). */
export const DEFAULT_SOURCE_C = 35;

/** The site's model for the forecast; undefined for a site without a `heatSignal` section. */
export function siteHeatModel(site: SiteConfig): SiteHeatModel | undefined {
  const cfg = site.heatSignal;
  if (!cfg) return undefined;
  const ss = site.control.controllers.find((c) => c.type === 'supply-setpoint');
  const dispatch = site.control.controllers.find((c) => c.type === 'heat-pump-dispatch');
  const capacity =
    cfg.heatPumpCapacityKw ?? dispatch?.heatPumps.reduce((sum, hp) => sum + hp.capacityKw, 0) ?? 0;
  const curve = ss?.curve ?? [
    { outdoor: -20, supply: 90 },
    { outdoor: 15, supply: 70 },
  ];
  const maxC = ss?.max ?? 90;
  return {
    timeZone: site.site.timezone,
    horizonHours: cfg.horizonHours,
    recoverableShare: cfg.recoverableShare,
    heatPumpCapacityKw: capacity,
    ...(cfg.heatPumpDerating ? { heatPumpDerating: cfg.heatPumpDerating } : {}),
    supply: {
      curve,
      minC: ss?.min ?? 60,
      maxC,
      reachC: ss?.connection?.reachC ?? maxC,
    },
    heatPrice: site.utility?.heatPrice ?? HEAT_PRICE_DEFAULTS,
    acceptance: {
      curve: cfg.acceptance.curve,
      hourFactors: cfg.acceptance.hourFactors ?? new Array<number>(24).fill(1),
    },
    dryCoolers: cfg.dryCoolers,
    valueAware: dispatch?.value !== undefined,
    flexible: cfg.flexible,
  };
}

/** Piecewise-linear interpolation of a kW curve over outdoor temperature, flat beyond the ends. */
export function kwAt(curve: readonly OutdoorCurvePoint[], outdoorC: number): number {
  return curveAt(
    curve.map((p) => ({ outdoor: p.outdoorC, supply: p.kw })),
    outdoorC,
  );
}

/**
 * The part of an hour's figures that does not depend on the IT load: the network's side, the
 * heat pumps' and the price. `usableEvapKw` is the IT heat the heat pumps could take from the loop
 * (their evaporators' share of what the network takes, or of their capacity).
 */
export interface HourConditions {
  start: number;
  outdoorC: number;
  basis: ForecastBasis;
  supplyC: number;
  acceptanceKw: number;
  heatPumpKw: number;
  cop: number;
  heatPrice: number | undefined;
  electricityPrice: number | undefined;
  netEurPerMWh: number | undefined;
  /** The heat pumps run this hour (value-aware dispatch stops them at a loss). */
  runs: boolean;
  usableEvapKw: number;
  coolingLimitItKw: number;
}

/** The hour's conditions; `input.outdoorC` must be known (the caller freezes hours without). */
export function hourConditions(
  input: HourInputs,
  sourceC: number | undefined,
  model: SiteHeatModel,
): HourConditions {
  const outdoorC = input.outdoorC ?? 0;
  const plan = input.plan;
  const { supply } = model;
  const requestC = clamp(
    plan?.supplyTempC ?? curveAt(supply.curve, outdoorC),
    supply.minC,
    supply.maxC,
  );
  const supplyC = Math.min(requestC, supply.reachC);
  const topUp = requestC > supply.reachC + 1e-9;
  const hourFactor = model.acceptance.hourFactors[siteHour(input.start, model.timeZone)] ?? 1;
  const atRequestKw =
    plan?.capacityKw ?? Math.max(kwAt(model.acceptance.curve, outdoorC), 0) * hourFactor;
  // Above reach the heat pumps feed in at reach and the utility tops up: the same flow, less rise.
  const acceptanceKw = topUp
    ? (atRequestKw * Math.max(supplyC - ASSUMED_RETURN_C, 0)) /
      Math.max(requestC - ASSUMED_RETURN_C, 1)
    : atRequestKw;
  const cop = estimatedCop(supplyC, sourceC ?? DEFAULT_SOURCE_C);
  const heatPrice = heatPriceEurPerMWh(
    {
      planPrice: plan?.priceEurPerMWh,
      outdoorC,
      supplyC: requestC,
      mode: topUp ? 'top-up' : 'supply',
    },
    model.heatPrice,
  );
  const electricityPrice = input.electricityPrice;
  const netEurPerMWh =
    heatPrice === undefined ? undefined : heatPrice - (electricityPrice ?? 0) / cop;
  const runs =
    !model.valueAware ||
    plan?.mode === 'on-demand' ||
    netEurPerMWh === undefined ||
    netEurPerMWh >= 0;
  const heatPumpKw = capacityAtLift(model, supplyC, sourceC ?? DEFAULT_SOURCE_C);
  const usableEvapKw = runs ? Math.min(acceptanceKw, heatPumpKw) * (1 - 1 / cop) : 0;
  const share = model.recoverableShare;
  const dryKw = Math.max(kwAt(model.dryCoolers.capacity, outdoorC), 0);
  return {
    start: input.start,
    outdoorC,
    basis:
      plan && (plan.capacityKw !== undefined || plan.supplyTempC !== undefined)
        ? plan.dayBefore
          ? 'plan-day-before'
          : 'plan'
        : 'model',
    supplyC,
    acceptanceKw,
    heatPumpKw,
    cop,
    heatPrice,
    electricityPrice,
    netEurPerMWh,
    runs,
    usableEvapKw,
    coolingLimitItKw: (dryKw * (1 - model.dryCoolers.marginPct / 100)) / share,
  };
}

/** The heat pumps' full-load heat at this supply and source temperature, kW. */
export function capacityAtLift(model: SiteHeatModel, supplyC: number, sourceC: number): number {
  const d = model.heatPumpDerating;
  if (!d) return model.heatPumpCapacityKw;
  const share =
    1 -
    (d.pctPerKSupply / 100) * (supplyC - d.referenceSupplyC) +
    (d.pctPerKSource / 100) * (sourceC - d.referenceSourceC);
  return model.heatPumpCapacityKw * Math.max(share, d.minShare);
}

/** What a plan store answers for an hour (src/utility/plan-store.ts's `hourAt`). */
type PlannedHour = NonNullable<HourInputs['plan']> | undefined;

/**
 * The plan for the hour starting at `t`: its own, else the same hour's a day earlier (then two
 * days), marked `dayBefore`: beyond what the utility has published (the next day's plan comes in
 * the afternoon), the network's last planned day says more about it than the site's curves.
 */
export function planForHour(
  plans: { hourAt(t: number): PlannedHour } | undefined,
  t: number,
): HourInputs['plan'] {
  if (!plans) return undefined;
  const own = pick(plans.hourAt(t));
  if (own) return own;
  for (const back of [1, 2]) {
    const before = pick(plans.hourAt(t - back * 24 * 3_600_000));
    if (before) return { ...before, dayBefore: true };
  }
  return undefined;
}

function pick(h: PlannedHour): HourInputs['plan'] {
  if (!h) return undefined;
  return {
    mode: h.mode,
    ...(h.supplyTempC !== undefined ? { supplyTempC: h.supplyTempC } : {}),
    ...(h.capacityKw !== undefined ? { capacityKw: h.capacityKw } : {}),
    ...(h.priceEurPerMWh !== undefined ? { priceEurPerMWh: h.priceEurPerMWh } : {}),
  };
}

/** The figures of an hour at a total IT load. */
export interface HourFigures {
  itKw: number;
  recoverableKw: number;
  recoveredKw: number;
  deliveredKw: number;
  dumpedKw: number;
  valueEur: number;
  /** IT heat that could still be used (+) or that is dumped (−), kW of IT load. */
  headroomItKw: number;
}

export function hourFigures(c: HourConditions, itKw: number, share: number): HourFigures {
  const recoverableKw = Math.max(itKw, 0) * share;
  const recoveredKw = Math.min(recoverableKw, c.usableEvapKw);
  const deliveredKw = c.runs ? (recoveredKw * c.cop) / (c.cop - 1) : 0;
  const dumpedKw = recoverableKw - recoveredKw;
  const valueEur = c.netEurPerMWh === undefined ? 0 : (deliveredKw * c.netEurPerMWh) / 1000;
  const headroomItKw =
    c.usableEvapKw > recoverableKw ? (c.usableEvapKw - recoverableKw) / share : -dumpedKw / share;
  return { itKw, recoverableKw, recoveredKw, deliveredKw, dumpedKw, valueEur, headroomItKw };
}

/** A whole forecast hour at the baseline, with the recommendation filled in. */
export function forecastHour(
  c: HourConditions,
  input: HourInputs,
  recommendedFlexKw: number,
  flexible: FlexibleLoadConfig,
  share: number,
): ForecastHour {
  const base = hourFigures(c, input.inflexibleItKw + input.baselineFlexKw, share);
  const signalKw = recommendedFlexKw - input.baselineFlexKw;
  return {
    start: c.start,
    outdoorC: c.outdoorC,
    basis: c.basis,
    supplyC: c.supplyC,
    acceptanceKw: c.acceptanceKw,
    itKw: base.itKw,
    recoverableKw: base.recoverableKw,
    heatPumpKw: c.heatPumpKw,
    deliveredKw: base.deliveredKw,
    dumpedKw: base.dumpedKw,
    cop: c.cop,
    heatPrice: c.heatPrice,
    electricityPrice: c.electricityPrice,
    netEurPerMWh: c.netEurPerMWh,
    valueEur: base.valueEur,
    coolingLimitItKw: c.coolingLimitItKw,
    headroomItKw: base.headroomItKw,
    baselineFlexKw: input.baselineFlexKw,
    recommendedFlexKw,
    signalKw,
    signal: normalisedSignal(signalKw, input.baselineFlexKw, flexible),
  };
}

/**
 * −1…1: the recommended change over the room the bounds leave that way (+1: run the flexible work
 * at its maximum, −1: at its minimum, 0: as it would run anyway).
 */
export function normalisedSignal(
  signalKw: number,
  baselineKw: number,
  flexible: FlexibleLoadConfig,
): number {
  const room = signalKw >= 0 ? flexible.maxKw - baselineKw : baselineKw - flexible.minKw;
  if (Math.abs(signalKw) < 1e-6 || room <= 1e-9) return 0;
  return clamp(signalKw / room, -1, 1);
}
