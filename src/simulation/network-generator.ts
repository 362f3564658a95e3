import { offsetMinutes } from '../util/site-time';

/**
 * Hourly district-network series shaped like a real network's, from an outdoor-temperature
 * year: what `heatbridge network generate` writes. Measured network data is rarely public; this
 * makes series with the shapes that matter to HeatBridge (a winter feed near 110–120 °C, far
 * above the heat pumps' reach; a summer feed near 70 °C; night set-backs and a morning boost;
 * demand that follows heating degree-hours plus hot water) so `simulate --network` can be run on
 * them. The format is the one a utility's export drops into (docs/utility.md).
 *
 * Deterministic: the same weather, options and seed give the same series.
 */
export interface NetworkHour {
  /** Start of the hour, epoch ms. */
  t: number;
  /** The network's heat demand, kW (the whole network; `simulate` scales it to the connection). */
  demandKw: number;
  supplyC: number;
  returnC: number;
  outdoorC: number;
}

export interface NetworkGeneratorOptions {
  /** The highest hourly demand of the series, kW (default 50 000: a town's network). */
  peakKw?: number;
  /** Feed temperature at the design outdoor temperature and below (default 120 °C). */
  maxSupplyC?: number;
  /** Feed temperature in summer, the network's minimum for hot water (default 70 °C). */
  minSupplyC?: number;
  /** Time zone of the network's daily rhythm (default Europe/Helsinki, the shipped weather's). */
  timeZone?: string;
  seed?: number;
}

/** The utility's curve: `maxSupplyC` at this outdoor temperature (24 h mean) and below… */
const DESIGN_OUTDOOR_C = -15;
/** …falling linearly to `minSupplyC` at this one and above. */
const SUMMER_OUTDOOR_C = 17;
/** Space heating stops above this (24 h mean) outdoor temperature: degree-hours' base. */
const HEATING_BASE_C = 16;
/** Time constant of the outdoor temperature the utility's curve and demand follow, hours. */
const SMOOTHING_H = 12;

/**
 * The series for the given hours. Feed temperature: the curve on the smoothed outdoor
 * temperature, −4 K at night (23–05 local), +3 K for the morning peak (06–09), a slow seeded
 * wander of ±1 K, rounded to 0.5 K, within [minSupplyC, maxSupplyC]. Return: 42 °C plus a share
 * of the feed's excess over 70 °C, a small daily swing. Demand: space heating ∝ degree-hours
 * below 16 °C (night set-back 0.85, morning 1.15), hot water with a morning and an evening peak
 * (about 15 % of a winter day's load), and network losses, scaled so the highest hour is
 * `peakKw`: summer comes to about a tenth of winter, as in real networks.
 */
export function generateNetworkSeries(
  hours: readonly { t: number; outdoorC: number }[],
  opts: NetworkGeneratorOptions = {},
): NetworkHour[] {
  const peakKw = opts.peakKw ?? 50_000;
  const maxC = opts.maxSupplyC ?? 120;
  const minC = opts.minSupplyC ?? 70;
  if (!(maxC > minC)) throw new Error(`the highest feed temperature must be above the lowest`);
  const zone = opts.timeZone ?? 'Europe/Helsinki';
  const random = lcg(opts.seed ?? 1);
  const alpha = 1 - Math.exp(-1 / SMOOTHING_H);
  let smooth = hours[0]?.outdoorC ?? 0;
  let wander = 0;
  const raw = hours.map(({ t, outdoorC }) => {
    smooth += alpha * (outdoorC - smooth);
    // A mean-reverting wander (AR(1)), the utility's operators and forecast errors.
    wander = 0.9 * wander + 0.3 * (random() * 2 - 1);
    const hour = localHour(t, zone);
    const share = clamp((SUMMER_OUTDOOR_C - smooth) / (SUMMER_OUTDOOR_C - DESIGN_OUTDOOR_C), 0, 1);
    const dip = hour >= 23 || hour < 5 ? -4 : hour >= 6 && hour < 9 ? 3 : 0;
    const supplyC = clamp(
      Math.round((minC + share * (maxC - minC) + dip + wander) * 2) / 2,
      minC,
      maxC,
    );
    const swing = 1.5 * Math.sin((2 * Math.PI * (hour - 6)) / 24);
    const returnC = Math.round((42 + 0.12 * (supplyC - 70) + swing) * 10) / 10;
    const heating =
      Math.max(HEATING_BASE_C - smooth, 0) * (hour < 5 ? 0.85 : hour >= 6 && hour < 9 ? 1.15 : 1);
    const hotWater = 3 * HOT_WATER_PROFILE[hour]!;
    return { t, supplyC, returnC, outdoorC, demand: heating + hotWater + 2.5 };
  });
  const peak = Math.max(...raw.map((r) => r.demand));
  return raw.map(({ t, supplyC, returnC, outdoorC, demand }) => ({
    t,
    demandKw: Math.round((demand / peak) * peakKw),
    supplyC,
    returnC,
    outdoorC: Math.round(outdoorC * 10) / 10,
  }));
}

/** Domestic hot water by local hour, mean 1: low at night, peaks at 07 and 20. */
const HOT_WATER_PROFILE = [
  0.3, 0.25, 0.2, 0.2, 0.25, 0.5, 1.3, 1.9, 1.6, 1.2, 1.0, 1.0, 1.1, 1.0, 0.9, 0.9, 1.0, 1.3, 1.6,
  1.8, 1.7, 1.4, 0.9, 0.5,
];

/** The CSV `simulate --network` reads: `time,demand_kw,supply_c,return_c,outdoor_c`. */
export function networkSeriesCsv(rows: readonly NetworkHour[]): string {
  const lines = rows.map(
    (r) =>
      `${new Date(r.t).toISOString().replace('.000Z', 'Z')},${r.demandKw},${r.supplyC},${r.returnC},${r.outdoorC}`,
  );
  return `time,demand_kw,supply_c,return_c,outdoor_c\n${lines.join('\n')}\n`;
}

/**
 * A synthetic day-ahead price file for the same hours (`time,electricity_eur_per_mwh,
 * heat_eur_per_mwh`), for trying `simulate --prices`: electricity with a seasonal level, morning
 * and evening peaks, cheap nights, summer middays pushed down by solar (sometimes below zero) and
 * a seeded scatter; heat by the example price model (30 €/MWh at 75 °C and 0 °C, +0.4 €/MWh per
 * K hotter, +0.3 per K colder). Not market data: an example with the shapes that make value-aware
 * dispatch matter (hours where electricity / COP exceeds the heat price).
 */
export function priceSeriesCsv(rows: readonly NetworkHour[], timeZone: string, seed = 7): string {
  const random = lcg(seed);
  const lines = rows.map((r) => {
    const hour = localHour(r.t, timeZone);
    const level = 55 + 1.5 * clamp(10 - r.outdoorC, 0, 35);
    const shape =
      hour < 6 ? 0.7 : hour < 10 ? 1.35 : hour < 16 ? 1 : hour < 21 ? 1.5 : hour < 23 ? 1.1 : 0.8;
    const solar = r.outdoorC > 12 && hour >= 10 && hour < 16 ? 45 : 0;
    const elec = Math.round((level * shape - solar + (random() * 2 - 1) * 15) * 100) / 100;
    const heat =
      Math.round((30 + 0.4 * (r.supplyC - 75) + 0.3 * Math.max(-r.outdoorC, 0)) * 100) / 100;
    return `${new Date(r.t).toISOString().replace('.000Z', 'Z')},${elec},${heat}`;
  });
  return `time,electricity_eur_per_mwh,heat_eur_per_mwh\n${lines.join('\n')}\n`;
}

function localHour(t: number, zone: string): number {
  const h = Math.floor((t / 60_000 + offsetMinutes(t, zone)) / 60) % 24;
  return h < 0 ? h + 24 : h;
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(Math.max(x, lo), hi);

/** A small seeded generator (numerical recipes' LCG), uniform in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
