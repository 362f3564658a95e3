import { MODE_CODES, compressorOn } from './heat-pump';
import type { PlantParams } from './params';
import { airTemperatures, cduTemperatures } from './plant';
import { kgPerSToM3PerH } from './physics';
import type { PlantState } from './state';

/** Equipment of the simulated plant; each is served as one device over OPC UA or Modbus. */
export const EQUIPMENT = ['hall', 'plant', 'hp1', 'hp2', 'dh'] as const;
export type Equipment = (typeof EQUIPMENT)[number];

/** Every measured value, keyed `"<equipment>/<point>"`, in engineering units. */
export type Readings = Record<string, number | boolean>;

/** Energy counters are what a meter shows: whole kWh in a uint32 register that wraps. */
export const meterCount = (kwh: number): number => Math.floor(kwh) % 2 ** 32;

/**
 * What the plant's sensors and meters read (before any injected measurement fault). Pure.
 */
export function readings(s: PlantState, p: PlantParams): Readings {
  const cdu = cduTemperatures(s, p);
  const air = airTemperatures(s, p);
  const r: Readings = {
    'hall/it_power': s.itKw,
    'hall/it_energy': meterCount(s.counters.itKwh),
    'hall/facility_power': s.facilityKw,
    'hall/facility_energy': meterCount(s.counters.facilityKwh),
    'hall/cdu_supply_temp': cdu.supplyC,
    'hall/cdu_return_temp': cdu.returnC,
    'hall/cdu_flow': kgPerSToM3PerH(p.hall.cduSecondaryFlowKgS),
    'hall/air_supply_temp': air.supplyC,
    'hall/air_return_temp': air.returnC,
    'plant/source_supply_temp': s.hotC,
    'plant/source_return_temp': s.plantOutC,
    'plant/source_flow': kgPerSToM3PerH(p.loop.flowKgS),
    'plant/valve_position': s.valvePct,
    'plant/drycooler_heat': s.drycoolerKw,
    'plant/drycooler_power': s.drycoolerFanKw,
    'plant/drycooler_energy': meterCount(s.counters.drycoolerElectricKwh),
    'plant/safe_state': s.watchdog.safeState,
    'plant/drycooler_fault': s.drycoolerFault,
    'dh/flow': kgPerSToM3PerH(s.districtFlowKgS),
    'dh/supply_temp': s.condenserC,
    'dh/return_temp': s.networkReturnC,
    'dh/power': s.deliveredKw,
    'dh/energy': meterCount(s.counters.deliveredKwh),
    'dh/network_supply_temp': s.requestedSupplyC - 0.5,
    'dh/network_return_temp': s.networkReturnC,
    'dh/acceptance': s.acceptanceKw,
    'dh/return_acceptance': s.returnAcceptanceKw,
    'dh/requested_supply_temp': s.requestedSupplyC,
    'dh/outdoor_temp': s.outdoorTempC,
  };
  s.heatPumps.forEach((hp, i) => {
    const id = `hp${i + 1}`;
    r[`${id}/evaporator_in_temp`] = s.hotC;
    r[`${id}/evaporator_out_temp`] = hp.evapOutC;
    r[`${id}/condenser_in_temp`] = s.networkReturnC;
    r[`${id}/condenser_out_temp`] = s.condenserC;
    r[`${id}/heat_output`] = hp.heatKw;
    r[`${id}/electric_power`] = hp.electricKw;
    r[`${id}/load`] = hp.load * 100;
    r[`${id}/state`] = MODE_CODES[hp.mode];
    r[`${id}/heat_energy`] = meterCount(hp.heatKwh);
    r[`${id}/electric_energy`] = meterCount(hp.electricKwh);
    r[`${id}/starts`] = hp.starts;
    r[`${id}/running`] = compressorOn(hp.mode);
    r[`${id}/tripped`] = hp.mode === 'tripped';
    r[`${id}/local_mode`] = hp.mode === 'local';
  });
  return r;
}
