import type { SiteConfig } from '../config';
import type { ControllerConfig } from '../config/controllers';
import type { PointDef } from '../domain/point';
import { pointId, splitPointId, type PointId } from '../domain/point-id';
import type { Quality } from '../domain/quality';
import type { Sample, SampleValue } from '../domain/sample';
import { qualityAt } from '../domain/stale';

/** A point's latest value as the API shows it: quality judged now, so a stale value says so. */
export interface PointValue {
  id: string;
  value: SampleValue | null;
  unit: string;
  quality: Quality;
  /** ISO 8601 source time; null when nothing was ever received. */
  ts: string | null;
}

export interface PlantView {
  site: { id: string; name: string };
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
  /** Heat flows, kW, from the derived points (null when not known). */
  flows: {
    recoverableKw: number | null;
    recoveredKw: number | null;
    deliveredKw: number | null;
    /** What the heat pumps do not take: recoverable − recovered. */
    toDryCoolersKw: number | null;
    heatPumpElectricKw: number | null;
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
}

export function pointValue(
  id: PointId,
  defs: ReadonlyMap<PointId, PointDef>,
  latest: (id: PointId) => Sample | undefined,
  now: number,
): PointValue {
  const def = defs.get(id);
  const s = latest(id);
  if (!s) return { id, value: null, unit: def?.unit ?? '', quality: 'bad', ts: null };
  return {
    id,
    value: s.value,
    unit: def?.unit ?? '',
    quality: def ? qualityAt(s, def.staleAfterMs, now) : s.quality,
    ts: new Date(s.ts).toISOString(),
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
  const v = (id: PointId): PointValue => pointValue(id, defs, latest, now);
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
  const d = (name: string): number | null =>
    defs.has(pointId('derived', name)) ? num(v(pointId('derived', name))) : null;

  const devices = Object.keys(site.devices);
  const recoverable = d('recoverable_heat');
  const recovered = d('recovered_heat');
  return {
    site: { id: site.site.id, name: site.site.name },
    at: new Date(now).toISOString(),
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
      deliveredKw: d('delivered_heat'),
      toDryCoolersKw:
        recoverable !== null && recovered !== null ? Math.max(recoverable - recovered, 0) : null,
      heatPumpElectricKw: d('hp_electric_power'),
    },
    plc: { safeState: opt(heartbeat?.safeState), heartbeat: opt(heartbeat?.point) },
    modes: Object.fromEntries(devices.map((dev) => [dev, inp.mode(dev)])),
  };
}
