import type { ModbusOrder, ModbusTable, ModbusType } from '../../src/config/modbus';
import type { Unit } from '../../src/domain/units';

/**
 * The simulated devices' Modbus register maps: the devices' own, fixed, as a vendor documents
 * them. `config/demo.yaml` describes them to HeatBridge (a test keeps the two in step), and
 * `docs/simulators.md` lists them (generated from here, also checked by a test).
 *
 * Register numbers are 0-based protocol addresses. Within each table, addresses between the
 * lowest and highest defined register read as 0; anything outside answers exception 2 (illegal
 * data address), as a PLC's mapped blocks do.
 */
export interface RegisterPoint {
  name: string;
  table: ModbusTable;
  register: number;
  type: ModbusType;
  order?: ModbusOrder;
  scale?: number;
  unit: Unit;
  access: 'r' | 'w' | 'rw';
  description: string;
}

export type DeviceKind = 'plant' | 'heat-pump' | 'district';

const r = (
  name: string,
  table: ModbusTable,
  register: number,
  type: ModbusType,
  unit: Unit,
  description: string,
  extra: Partial<Pick<RegisterPoint, 'order' | 'scale' | 'access'>> = {},
): RegisterPoint => ({ name, table, register, type, unit, description, access: 'r', ...extra });

export const PLANT_MAP: RegisterPoint[] = [
  r('source_supply_temp', 'input', 0, 'int16', 'degC', 'Warm coolant arriving from the hall', {
    scale: 0.1,
  }),
  r('source_return_temp', 'input', 1, 'int16', 'degC', 'Cooled coolant going back to the hall', {
    scale: 0.1,
  }),
  r('source_flow', 'input', 2, 'float32', 'm3/h', 'Facility-water flow'),
  r('valve_position', 'input', 4, 'uint16', '%', 'Diverter valve position, % to the heat pumps', {
    scale: 0.1,
  }),
  r('drycooler_heat', 'input', 6, 'float32', 'kW', 'Heat rejected by the dry coolers', {
    order: 'CDAB',
  }),
  r('drycooler_power', 'input', 8, 'float32', 'kW', 'Dry-cooler fan electricity', {
    order: 'CDAB',
  }),
  r(
    'drycooler_energy',
    'input',
    10,
    'uint32',
    'kWh',
    'Dry-cooler electricity counter (wraps at 2^32)',
  ),
  r(
    'heartbeat',
    'holding',
    0,
    'uint16',
    'count',
    'Watchdog heartbeat: change it at least every 15 s',
    { access: 'w' },
  ),
  r(
    'valve_setpoint',
    'holding',
    1,
    'uint16',
    '%',
    'Diverter valve setpoint, % to the heat pumps; 0–100',
    { scale: 0.1, access: 'rw' },
  ),
  r(
    'drycooler_setpoint',
    'holding',
    2,
    'int16',
    'degC',
    'Coolant temperature to the hall the dry coolers hold; 15–40',
    { scale: 0.1, access: 'rw' },
  ),
  r(
    'watchdog_reset',
    'coil',
    0,
    'bool',
    'bool',
    'Write 1 to leave the safe state once heartbeats are back (reads 0)',
    { access: 'w' },
  ),
  r(
    'safe_state',
    'discrete',
    0,
    'bool',
    'bool',
    'The PLC has taken its safe state (watchdog expired)',
  ),
  r('drycooler_fault', 'discrete', 1, 'bool', 'bool', 'Dry-cooler fault (half capacity)'),
];

export const HEAT_PUMP_MAP: RegisterPoint[] = [
  r('evaporator_in_temp', 'input', 0, 'int16', 'degC', 'Source water into the evaporator', {
    scale: 0.1,
  }),
  r('evaporator_out_temp', 'input', 1, 'int16', 'degC', 'Source water out of the evaporator', {
    scale: 0.1,
  }),
  r('condenser_in_temp', 'input', 2, 'int16', 'degC', 'District water into the condenser', {
    scale: 0.1,
  }),
  r('condenser_out_temp', 'input', 3, 'int16', 'degC', 'District water out of the condenser', {
    scale: 0.1,
  }),
  r('heat_output', 'input', 4, 'float32', 'kW', 'Heat delivered by the condenser'),
  r('electric_power', 'input', 6, 'float32', 'kW', 'Compressor electricity', { order: 'CDAB' }),
  r('load', 'input', 8, 'uint16', '%', 'Compressor load', { scale: 0.1 }),
  r(
    'state',
    'input',
    9,
    'uint16',
    'count',
    '0 off, 1 starting, 2 running, 3 stopping, 4 tripped, 5 local',
  ),
  r('heat_energy', 'input', 10, 'uint32', 'kWh', 'Heat counter (wraps at 2^32)'),
  r('electric_energy', 'input', 12, 'uint32', 'kWh', 'Electricity counter (wraps at 2^32)'),
  r('starts', 'input', 14, 'uint32', 'count', 'Compressor starts'),
  r(
    'load_setpoint',
    'holding',
    0,
    'uint16',
    '%',
    'Load setpoint, 0–100 (minimum load 25 % when running)',
    { scale: 0.1, access: 'rw' },
  ),
  r(
    'condenser_out_setpoint',
    'holding',
    1,
    'int16',
    'degC',
    'Condenser outlet setpoint, 45–95; trips above 90 °C',
    { scale: 0.1, access: 'rw' },
  ),
  r('enable', 'coil', 0, 'bool', 'bool', 'Run request (minimum off time 5 min applies)', {
    access: 'rw',
  }),
  r(
    'trip_reset',
    'coil',
    1,
    'bool',
    'bool',
    'Write 1 to reset a trip once the cause is gone (reads 0)',
    { access: 'w' },
  ),
  r('running', 'discrete', 0, 'bool', 'bool', 'Compressor running'),
  r('tripped', 'discrete', 1, 'bool', 'bool', 'Tripped; needs a reset'),
  r(
    'local_mode',
    'discrete',
    2,
    'bool',
    'bool',
    'In local mode (PLC safe state): remote commands ignored',
  ),
];

export const DISTRICT_MAP: RegisterPoint[] = [
  r('flow', 'input', 0, 'float32', 'm3/h', 'Heat meter: flow'),
  r('supply_temp', 'input', 2, 'int16', 'degC', 'Heat meter: supply into the network', {
    scale: 0.01,
  }),
  r('return_temp', 'input', 3, 'int16', 'degC', 'Heat meter: return from the network', {
    scale: 0.01,
  }),
  r('power', 'input', 4, 'float32', 'kW', 'Heat meter: power', { order: 'CDAB' }),
  r('energy', 'input', 6, 'uint32', 'kWh', 'Heat meter: delivered heat counter (wraps at 2^32)'),
  r('network_supply_temp', 'input', 8, 'int16', 'degC', "Network's own supply at the connection", {
    scale: 0.1,
  }),
  r('network_return_temp', 'input', 9, 'int16', 'degC', 'Network return at the connection', {
    scale: 0.1,
  }),
  r(
    'acceptance',
    'input',
    10,
    'float32',
    'kW',
    'Heat the network takes now at our supply temperature, by the connection mode',
  ),
  r(
    'requested_supply_temp',
    'input',
    12,
    'int16',
    'degC',
    "The utility's requested supply temperature",
    { scale: 0.1 },
  ),
  r('outdoor_temp', 'input', 13, 'int16', 'degC', 'Outdoor temperature', { scale: 0.1 }),
  r(
    'return_acceptance',
    'input',
    14,
    'float32',
    'kW',
    "Heat the network's return line takes at the contract's maximum rise",
  ),
  r('offered_heat', 'holding', 0, 'float32', 'kW', 'Heat announced to the utility, 0–10000', {
    order: 'CDAB',
    access: 'rw',
  }),
  r(
    'connection_mode',
    'holding',
    2,
    'uint16',
    'count',
    'Where our heat goes: 0 none, 1 supply line (default), 2 return line, 3 supply with top-up',
    { access: 'rw' },
  ),
];

export const REGISTER_MAPS: Record<DeviceKind, RegisterPoint[]> = {
  plant: PLANT_MAP,
  'heat-pump': HEAT_PUMP_MAP,
  district: DISTRICT_MAP,
};
