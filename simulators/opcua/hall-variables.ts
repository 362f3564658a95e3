import type { Unit } from '../../src/domain/units';

/**
 * The data hall's OPC UA variables: where each sits in the address space (Objects/Hall1/...),
 * its unit and range. NodeIds are `ns=1;s=Hall1.<Folder>.<Name>`; the server's own namespace is
 * index 1. Listed in docs/simulators.md (generated from here).
 */
export interface HallVariable {
  /** Model reading key. */
  key: string;
  folder: 'IT' | 'Facility' | 'CDU' | 'AirLoop';
  name: string;
  unit: Unit;
  range: [number, number];
  minimumSamplingIntervalMs: number;
  description: string;
}

export const HALL_FOLDERS: Record<HallVariable['folder'], string> = {
  IT: 'IT equipment: electrical load and energy',
  Facility: 'Whole facility electricity (for PUE)',
  CDU: 'Coolant distribution unit: liquid-cooled racks (W45)',
  AirLoop: 'CRAH air loop: air-cooled racks',
};

export const HALL_VARIABLES: HallVariable[] = [
  {
    key: 'hall/it_power',
    folder: 'IT',
    name: 'Power',
    unit: 'kW',
    range: [0, 5000],
    minimumSamplingIntervalMs: 500,
    description: 'IT electrical load',
  },
  {
    key: 'hall/it_energy',
    folder: 'IT',
    name: 'Energy',
    unit: 'kWh',
    range: [0, 4294967295],
    minimumSamplingIntervalMs: 1000,
    description: 'IT energy counter (wraps at 2^32)',
  },
  {
    key: 'hall/facility_power',
    folder: 'Facility',
    name: 'Power',
    unit: 'kW',
    range: [0, 10000],
    minimumSamplingIntervalMs: 500,
    description: 'Facility electrical load',
  },
  {
    key: 'hall/facility_energy',
    folder: 'Facility',
    name: 'Energy',
    unit: 'kWh',
    range: [0, 4294967295],
    minimumSamplingIntervalMs: 1000,
    description: 'Facility energy counter (wraps at 2^32)',
  },
  {
    key: 'hall/cdu_supply_temp',
    folder: 'CDU',
    name: 'SupplyTemperature',
    unit: 'degC',
    range: [0, 80],
    minimumSamplingIntervalMs: 250,
    description: 'Secondary supply to the racks (limit 45 °C)',
  },
  {
    key: 'hall/cdu_return_temp',
    folder: 'CDU',
    name: 'ReturnTemperature',
    unit: 'degC',
    range: [0, 90],
    minimumSamplingIntervalMs: 250,
    description: 'Secondary return from the racks',
  },
  {
    key: 'hall/cdu_flow',
    folder: 'CDU',
    name: 'Flow',
    unit: 'm3/h',
    range: [0, 500],
    minimumSamplingIntervalMs: 500,
    description: 'Secondary flow',
  },
  {
    key: 'hall/air_supply_temp',
    folder: 'AirLoop',
    name: 'SupplyTemperature',
    unit: 'degC',
    range: [0, 50],
    minimumSamplingIntervalMs: 250,
    description: 'Air supply to the racks (limit 27 °C)',
  },
  {
    key: 'hall/air_return_temp',
    folder: 'AirLoop',
    name: 'ReturnTemperature',
    unit: 'degC',
    range: [0, 60],
    minimumSamplingIntervalMs: 250,
    description: 'Air return from the racks',
  },
];

export const hallNodeId = (v: Pick<HallVariable, 'folder' | 'name'>): string =>
  `ns=1;s=Hall1.${v.folder}.${v.name}`;
export const hallBrowsePath = (v: Pick<HallVariable, 'folder' | 'name'>): string =>
  `/1:Hall1/1:${v.folder}/1:${v.name}`;
