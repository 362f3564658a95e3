import type { Unit } from '../../src/domain/units';

/**
 * The data hall's OPC UA variables: where each sits in the address space (Objects/Hall1/...),
 * its unit and range. NodeIds are `ns=1;s=Hall1.<Folder>.<Name>`; the server's own namespace is
 * index 1. Listed in docs/simulators.md (generated from here).
 */
export interface HallVariable {
  /** Model reading key. */
  key: string;
  folder: 'IT' | 'Facility' | 'CDU' | 'AirLoop' | 'HeatRecovery';
  name: string;
  unit: Unit;
  range: [number, number];
  minimumSamplingIntervalMs: number;
  description: string;
  dataType: 'Double' | 'Float' | 'Boolean';
  /** Writable variables hold what a client wrote (the BMS's input), not a measurement. */
  access: 'r' | 'rw';
}

export const HALL_FOLDERS: Record<HallVariable['folder'], string> = {
  IT: 'IT equipment: electrical load and energy',
  Facility: 'Whole facility electricity (for PUE)',
  CDU: 'Coolant distribution unit: liquid-cooled racks (W45)',
  AirLoop: 'CRAH air loop: air-cooled racks',
  HeatRecovery: "What the heat-recovery controller reports to the hall's BMS (written by clients)",
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
    dataType: 'Double',
    access: 'r',
  },
  {
    key: 'hall/it_energy',
    folder: 'IT',
    name: 'Energy',
    unit: 'kWh',
    range: [0, 4294967295],
    minimumSamplingIntervalMs: 1000,
    description: 'IT energy counter (wraps at 2^32)',
    dataType: 'Double',
    access: 'r',
  },
  {
    key: 'hall/facility_power',
    folder: 'Facility',
    name: 'Power',
    unit: 'kW',
    range: [0, 10000],
    minimumSamplingIntervalMs: 500,
    description: 'Facility electrical load',
    dataType: 'Double',
    access: 'r',
  },
  {
    key: 'hall/facility_energy',
    folder: 'Facility',
    name: 'Energy',
    unit: 'kWh',
    range: [0, 4294967295],
    minimumSamplingIntervalMs: 1000,
    description: 'Facility energy counter (wraps at 2^32)',
    dataType: 'Double',
    access: 'r',
  },
  {
    key: 'hall/cdu_supply_temp',
    folder: 'CDU',
    name: 'SupplyTemperature',
    unit: 'degC',
    range: [0, 80],
    minimumSamplingIntervalMs: 250,
    description: 'Secondary supply to the racks (limit 45 °C)',
    dataType: 'Double',
    access: 'r',
  },
  {
    key: 'hall/cdu_return_temp',
    folder: 'CDU',
    name: 'ReturnTemperature',
    unit: 'degC',
    range: [0, 90],
    minimumSamplingIntervalMs: 250,
    description: 'Secondary return from the racks',
    dataType: 'Double',
    access: 'r',
  },
  {
    key: 'hall/cdu_flow',
    folder: 'CDU',
    name: 'Flow',
    unit: 'm3/h',
    range: [0, 500],
    minimumSamplingIntervalMs: 500,
    description: 'Secondary flow',
    dataType: 'Double',
    access: 'r',
  },
  {
    key: 'hall/air_supply_temp',
    folder: 'AirLoop',
    name: 'SupplyTemperature',
    unit: 'degC',
    range: [0, 50],
    minimumSamplingIntervalMs: 250,
    description: 'Air supply to the racks (limit 27 °C)',
    dataType: 'Double',
    access: 'r',
  },
  {
    key: 'hall/air_return_temp',
    folder: 'AirLoop',
    name: 'ReturnTemperature',
    unit: 'degC',
    range: [0, 60],
    minimumSamplingIntervalMs: 250,
    description: 'Air return from the racks',
    dataType: 'Double',
    access: 'r',
  },
  {
    key: 'hall/heat_recovery_active',
    folder: 'HeatRecovery',
    name: 'Active',
    unit: 'bool',
    range: [0, 1],
    minimumSamplingIntervalMs: 1000,
    description: 'Heat recovery is running',
    dataType: 'Boolean',
    access: 'rw',
  },
  {
    key: 'hall/recovered_power',
    folder: 'HeatRecovery',
    name: 'RecoveredPower',
    unit: 'kW',
    range: [0, 10000],
    minimumSamplingIntervalMs: 1000,
    description: 'Heat recovered from the hall now (0–10000)',
    dataType: 'Float',
    access: 'rw',
  },
];

export const hallNodeId = (v: Pick<HallVariable, 'folder' | 'name'>): string =>
  `ns=1;s=Hall1.${v.folder}.${v.name}`;
export const hallBrowsePath = (v: Pick<HallVariable, 'folder' | 'name'>): string =>
  `/1:Hall1/1:${v.folder}/1:${v.name}`;
