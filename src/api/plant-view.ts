import type { SiteConfig } from '../config';
import type { ControllerConfig } from '../config/controllers';
import type { PointDef } from '../domain/point';
import { splitPointId, type PointId } from '../domain/point-id';
import { worstQuality, type Quality } from '../domain/quality';
import { atResolution } from '../domain/resolution';
import type { Sample, SampleValue } from '../domain/sample';
import { qualityAt } from '../domain/stale';
import { isoInZone } from '../util/site-time';
import type { KpiFigure, Kpis } from './kpi';

/**
 * A point's latest value as the API shows it: quality judged now, so a stale value says so; a
 * number at the point's resolution (the stored value keeps full precision).
 */
export interface PointValue {
  id: string;
  value: SampleValue | null;
  unit: string;
  quality: Quality;
  /** Source time, ISO 8601 with the site's offset; null when nothing was ever received. */
  ts: string | null;
}

/**
 * A figure computed from points (a heat flow): the value with the quality and source time of
 * what it came from, as the key figures judge it (src/api/kpi.ts), so the mimic and the tiles
 * never disagree and an old figure is drawn as old, never as current (issue 21).
 */
export type Figure = KpiFigure;

export interface PlantView {
  site: { id: string; name: string; timezone: string };
  at: string;
  hall: {
    itPower: PointValue | null;
    facilityPower: PointValue | null;
    /** IT coolant supply temperatures that cooling safety guards, with their limits. */
    supplyTemps: { value: PointValue; limit: number; margin: number }[];
  };
  /** Coolant loops through the plant: flow, supply and return. */
  coolant: { flow: PointValue; supplyTemp: PointValue; returnTemp: PointValue }[];
  heatPumps: {
    name: string;
    device: string;
    mode: 'auto' | 'manual';
    enable: PointValue;
    loadSetpoint: PointValue;
    running: PointValue;
    tripped: PointValue;
    heatOutput: PointValue;
    electricPower: PointValue;
    condenserOut: PointValue;
    evaporatorIn: PointValue;
    /** Heat / electricity now, when both are known and it runs. */
    cop: number | null;
  }[];
  valve: { setpoint: PointValue | null; position: PointValue | null };
  dryCoolers: { setpoint: PointValue | null };
  network: {
    acceptance: PointValue | null;
    offeredHeat: PointValue | null;
    supplySetpoints: PointValue[];
    supplyTemp: PointValue | null;
    returnTemp: PointValue | null;
    outdoorTemp: PointValue | null;
    utilityRequest: PointValue | null;
  };
  /** Heat flows, kW, as the key figures judge them: each with its quality and age. */
  flows: {
    recoverableKw: Figure;
    recoveredKw: Figure;
    deliveredKw: Figure;
    /** What the heat pumps do not take: recoverable − recovered. */
    toDryCoolersKw: Figure;
    heatPumpElectricKw: Figure;
  };
  plc: { safeState: PointValue | null; heartbeat: PointValue | null };
  modes: Record<string, 'auto' | 'manual'>;
}

export interface PlantViewInputs {
  site: SiteConfig;
  defs: ReadonlyMap<PointId, PointDef>;
  latest: (id: PointId) => Sample | undefined;
  mode: (device: string) => 'auto' | 'manual';
  now: number;
  /** The key figures at `now`: the heat flows are theirs (one judgment for mimic and tiles). */
  kpis: Kpis;
}

export function pointValue(
  id: PointId,
  defs: ReadonlyMap<PointId, PointDef>,
  latest: (id: PointId) => Sample | undefined,
  now: number,
  timeZone: string,
): PointValue {
  const def = defs.get(id);
  const s = latest(id);
  if (!s) return { id, value: null, unit: def?.unit ?? '', quality: 'bad', ts: null };
  return {
    id,
    value: def ? atResolution(s.value, def) : s.value,
    unit: def?.unit ?? '',
    quality: def ? qualityAt(s, def.staleAfterMs, now) : s.quality,
    ts: isoInZone(s.ts, timeZone),
  };
}

/**
 * recoverable − recovered (never below 0): as good as the worse of the two, as old as the older.
 */
function difference(a: Figure, b: Figure): Figure {
  const known = a.value !== null && b.value !== null && a.at !== null && b.at !== null;
  return {
    value: known ? atResolution(Math.max(a.value! - b.value!, 0), { unit: 'kW' }) : null,
    unit: a.unit,
    quality: known ? worstQuality([a.quality, b.quality]) : 'bad',
    at: known ? (Date.parse(a.at!) <= Date.parse(b.at!) ? a.at : b.at) : null,
    ...((a.note ?? b.note) !== undefined ? { note: a.note ?? b.note } : {}),
  };
}

type Of<T extends ControllerConfig['type']> = Extract<ControllerConfig, { type: T }>;

/**
 * The plant as an operator thinks of it — hall, coolant, heat pumps, valve, dry coolers,
 * network, PLC — assembled from the controllers' configuration (which names every point's role)
 * and the latest values. Nothing here is specific to the demo site. Pure.
 */
export function plantView(inp: PlantViewInputs): PlantView {
  const { site, defs, latest, now } = inp;
  const tz = site.site.timezone;
  const v = (id: PointId): PointValue => pointValue(id, defs, latest, now, tz);
  const opt = (id: PointId | undefined): PointValue | null => (id ? v(id) : null);
  const find = <T extends ControllerConfig['type']>(type: T): Of<T> | undefined =>
    site.control.controllers.find((c): c is Of<T> => c.type === type);
  const safety = find('cooling-safety');
  const supply = find('supply-setpoint');
  const dispatch = find('heat-pump-dispatch');
  const derived = find('derived');
  const heartbeat = find('heartbeat');
  const num = (p: PointValue | null): number | null =>
    p && typeof p.value === 'number' && (p.quality === 'good' || p.quality === 'uncertain')
      ? p.value
      : null;
  const devices = Object.keys(site.devices);
  const { recoverableKw: recoverable, recoveredKw: recovered } = inp.kpis.now;
  return {
    site: { id: site.site.id, name: site.site.name, timezone: tz },
    at: isoInZone(now, tz),
    hall: {
      itPower: opt(derived?.itPower),
      facilityPower: opt(derived?.facilityPower),
      supplyTemps: (safety?.supplyTemps ?? []).map((t) => ({
        value: v(t.point),
        limit: t.limit,
        margin: t.margin,
      })),
    },
    coolant: (dispatch?.sources ?? derived?.sources ?? []).map((s) => ({
      flow: v(s.flow),
      supplyTemp: v(s.supplyTemp),
      returnTemp: v(s.returnTemp),
    })),
    heatPumps: (dispatch?.heatPumps ?? []).map((hp) => {
      const heat = v(hp.heatOutput);
      const el = v(hp.electricPower);
      const h = num(heat);
      const e = num(el);
      const device = splitPointId(hp.enable).device;
      return {
        name: hp.name,
        device,
        mode: inp.mode(device),
        enable: v(hp.enable),
        loadSetpoint: v(hp.loadSetpoint),
        running: v(hp.running),
        tripped: v(hp.tripped),
        heatOutput: heat,
        electricPower: el,
        condenserOut: v(hp.condenserOut),
        evaporatorIn: v(hp.evaporatorIn),
        cop: h !== null && e !== null && e > 1 ? Math.round((h / e) * 100) / 100 : null,
      };
    }),
    valve: {
      setpoint: opt(dispatch?.diverterValve ?? safety?.diverterValve),
      position: opt(dispatch?.valvePosition),
    },
    dryCoolers: { setpoint: opt(dispatch?.dryCoolerSetpoint ?? safety?.dryCoolerSetpoint) },
    network: {
      acceptance: opt(dispatch?.networkAcceptance),
      offeredHeat: opt(dispatch?.offeredHeat),
      supplySetpoints: (supply?.outputs ?? []).map(v),
      supplyTemp: opt(supply?.measuredSupply),
      returnTemp: opt(supply?.measuredReturn),
      outdoorTemp: opt(supply?.outdoorTemp),
      utilityRequest: opt(supply?.utilityRequest),
    },
    flows: {
      recoverableKw: recoverable,
      recoveredKw: recovered,
      deliveredKw: inp.kpis.now.deliveredKw,
      toDryCoolersKw: difference(recoverable, recovered),
      heatPumpElectricKw: inp.kpis.now.hpElectricKw,
    },
    plc: { safeState: opt(heartbeat?.safeState), heartbeat: opt(heartbeat?.point) },
    modes: Object.fromEntries(devices.map((dev) => [dev, inp.mode(dev)])),
  };
}
