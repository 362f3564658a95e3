import type { Secret } from '../config/secret';
import type { PointId } from '../domain/point-id';
import type { ContractMode } from '../utility/plan';

/**
 * The heat signal for the data center's schedulers (issue 23): the types shared by the forecast,
 * the flexible-load profile, the live service, the API, the Prometheus gauges, the CLI and
 * `simulate --flexible-it`. HeatBridge only advises: it never controls IT load.
 */

/** A piecewise-linear curve over outdoor temperature, outdoor temperatures strictly increasing. */
export interface OutdoorCurvePoint {
  outdoorC: number;
  kw: number;
}

/** A heat pump's capacity against its lift, linear either side of a reference point. */
export interface HeatPumpDerating {
  referenceSupplyC: number;
  referenceSourceC: number;
  /** % of the capacity lost per K of supply above the reference (gained below). */
  pctPerKSupply: number;
  /** % of the capacity lost per K of source below the reference (gained above). */
  pctPerKSource: number;
  /** The least share of the capacity, whatever the lift. */
  minShare: number;
}

/** The flexible (deferrable) part of the IT load: what the profile may move, and its bounds. */
export interface FlexibleLoadConfig {
  /** The flexible work's lowest and highest power, kW of IT load. */
  minKw: number;
  maxKw: number;
  /** The most the flexible power may change from one hour to the next, kW. */
  rampKwPerH: number;
  /** The energy a day's deferrable work needs, kWh: every day's profile holds exactly this. */
  dailyEnergyKwh: number;
  /** Site-time hour by which a day's deferrable work is done: a day runs from it to it. */
  deadlineHour: number;
}

/** The site's `heatSignal` section, parsed (src/config/heat-signal.ts). */
export interface HeatSignalConfig {
  /** Hours forecast ahead, 24–48. (default 36) */
  horizonHours: number;
  /** The IT power measured (kW): the forecast learns the site's IT heat from it. */
  itPower: PointId;
  /** The flexible work's own power, kW (optional): the forecast learns IT heat without it. */
  flexiblePower?: PointId;
  /** Outdoor temperature now, °C (default: the supply-setpoint controller's outdoorTemp). */
  outdoorTemp?: PointId;
  /** The heat pumps' evaporator inlet, °C, for the COP (default: dispatch's first source). */
  sourceTemp?: PointId;
  /** Share of the IT heat the liquid loop carries to the heat pumps. (default 1) */
  recoverableShare: number;
  /** The heat pumps' heat output at full load, kW. (default: dispatch's heatPumps' capacityKw) */
  heatPumpCapacityKw?: number;
  /** How that capacity falls with the lift (data sheet); absent: the same at every lift. */
  heatPumpDerating?: HeatPumpDerating;
  /** The network's acceptance by outdoor temperature, and its shape over the day. */
  acceptance: { curve: OutdoorCurvePoint[]; hourFactors?: number[] };
  /** The dry coolers' heat rejection with the heat pumps off, by outdoor temperature. */
  dryCoolers: { capacity: OutdoorCurvePoint[]; marginPct: number };
  /** Hourly outdoor-temperature forecast: a file and/or a polled URL. */
  outdoorForecast?: {
    file?: string;
    poll?: { url: string; everyMs: number; token?: Secret; caFile?: string };
    /** A forecast older than this (since it was read) counts as missing. (default 12 h) */
    maxAgeMs: number;
  };
  flexible: FlexibleLoadConfig;
}

/** One hour of forecast temperatures: `time,temperature_c` rows or `{ hours: [...] }`. */
export interface OutdoorForecastHour {
  start: number;
  temperatureC: number;
}

/** What the forecast knows about one hour before it is modelled. */
export interface HourInputs {
  /** Epoch ms of the hour's start. */
  start: number;
  /** Outdoor temperature forecast, °C; undefined: not known. */
  outdoorC: number | undefined;
  /** The utility's day-ahead plan for the hour, when one covers it. */
  plan?: {
    supplyTempC?: number;
    capacityKw?: number;
    priceEurPerMWh?: number;
    mode: ContractMode;
    /**
     * Not the hour's own plan but the same hour's a day earlier: beyond what the utility has
     * published, the network's last planned day is a better guess than the site's curves.
     */
    dayBefore?: boolean;
  };
  /** Electricity price, EUR/MWh; undefined: not known (counted as 0). */
  electricityPrice: number | undefined;
  /** IT heat without the flexible work, kW (the learned profile's forecast). */
  inflexibleItKw: number;
  /** The flexible work's power if nobody follows the signal (the day's energy spread), kW. */
  baselineFlexKw: number;
}

export const FORECAST_BASES = ['plan', 'plan-day-before', 'model'] as const;
export type ForecastBasis = (typeof FORECAST_BASES)[number];

/** One modelled hour of the forecast, all powers kW, prices EUR/MWh. */
export interface ForecastHour {
  start: number;
  outdoorC: number;
  /** Where the network figures come from: the hour's plan, the plan a day earlier, the curves. */
  basis: ForecastBasis;
  /** Supply temperature the network wants, °C, and the heat pumps' condenser setpoint (≤ reach). */
  supplyC: number;
  /** Heat the network will take. */
  acceptanceKw: number;
  /** The site's IT heat (inflexible + baseline flexible). */
  itKw: number;
  /** IT heat the heat pumps' evaporators could take (itKw × recoverableShare). */
  recoverableKw: number;
  /** Heat the heat pumps can deliver at this lift (capacity), whatever the source. */
  heatPumpKw: number;
  /** Heat expected to be delivered to the network. */
  deliveredKw: number;
  /** Heat expected to go to the dry coolers (recoverable, not recovered). */
  dumpedKw: number;
  cop: number;
  heatPrice: number | undefined;
  electricityPrice: number | undefined;
  /** Net value of delivered heat, EUR/MWh delivered (heat price − electricity price / COP). */
  netEurPerMWh: number | undefined;
  /** Expected net value of the hour, EUR. */
  valueEur: number;
  /** The most IT load the dry coolers take alone at this outdoor temperature (less the margin). */
  coolingLimitItKw: number;
  /** IT heat that could be used (+) or that would be dumped (−) at this hour, kW of IT load. */
  headroomItKw: number;
  /** The flexible work's power if nobody follows the signal, kW. */
  baselineFlexKw: number;
  /** The recommended flexible power, kW. */
  recommendedFlexKw: number;
  /** Recommended − baseline: how much more (+) or less (−) IT heat to use this hour, kW. */
  signalKw: number;
  /** The same, normalised to −1…1 by the room the bounds leave each way (0 = neutral). */
  signal: number;
}

export type SignalStatus = 'ok' | 'neutral';

/** The recommendation for one hour: what a scheduler acts on (also when the signal is neutral). */
export interface Recommendation {
  start: number;
  baselineFlexKw: number;
  recommendedFlexKw: number;
  signalKw: number;
  signal: number;
  /** IT heat that could be used (+) or would be dumped (−), kW; undefined when not modelled. */
  headroomItKw: number | undefined;
}

/** What `GET /api/signals/heat`, the gauges and `heatbridge signal` serve. */
export interface HeatSignal {
  generatedAt: number;
  status: SignalStatus;
  /** Why the signal is neutral (stale or missing forecast, no IT power yet, …); absent when ok. */
  reason?: string;
  /** Non-fatal notes: plan missing (curves used), IT profile still learning, a bound binding. */
  notes: string[];
  horizonHours: number;
  /** The hour containing `generatedAt`: the current recommendation (neutral: the baseline, 0). */
  current: Recommendation;
  /** The modelled hours from the current one on (empty when neutral for lack of a forecast). */
  hours: ForecastHour[];
  flexible: FlexibleLoadConfig;
  /** Per deadline window in the horizon: its energy, recommended vs baseline, kWh. */
  windows: { from: number; to: number; energyKwh: number; recommendedKwh: number }[];
  /** Totals over the horizon: baseline vs recommended. */
  totals: {
    dumpedKwh: { baseline: number; recommended: number };
    deliveredKwh: { baseline: number; recommended: number };
    valueEur: { baseline: number; recommended: number };
  };
}
