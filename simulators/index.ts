/**
 * The simulators' one interface to HeatBridge's own code (`src/`): what `heatbridge simulate`,
 * the demo and the CLI use of them. Everything else under `simulators/` is their inside and may
 * change without `src/` noticing (test/unit/domain/layout.test.ts keeps `src/` to this file).
 *
 * - The plant model in virtual time: `Simulation`, its parameters and the temperatures scoring
 *   reads (`airTemperatures`, `cduTemperatures`).
 * - The model's COP and capacity at a lift (`copAt`, `capacityAt`, `unitsCapacityAt`) and the
 *   connection's acceptance by mode (`connectionAcceptance`), for upper bounds computed outside.
 * - Plant faults (`FaultSpec`, `FAULT_KINDS`), weather (`hourlyCsvWeather`, the bundled year) and
 *   measured networks (`loadNetworkSeries`, `networkSeries`: the `network` option of `Simulation`).
 * - The protocol servers as a component, loaded on demand (`loadSimulatorsComponent`): node-opcua
 *   takes most of a second to load, which `simulate` and the other commands need not pay.
 */
import type * as SimulatorsComponentModule from './component';

export { Simulation, type Measured, type SimulationOptions } from './simulation';
export { DEMO_PARAMS, type PlantParams } from './model/params';
export { airTemperatures, cduTemperatures, expectedItKw, meanExpectedItKw } from './model/plant';
export { capacityAt, copAt, unitsCapacityAt } from './model/heat-pump';
export {
  CONNECTION_MODES,
  connectionAcceptance,
  networkFlowKgS,
  type ConnectionMode,
  type NetworkConditions,
} from './model/district';
export {
  heatKwOf,
  loadNetworkSeries,
  MAX_NETWORK_SUPPLY_C,
  networkSeries,
  parseNetworkCsv,
  type NetworkHour,
  type NetworkKind,
  type NetworkScaling,
  type NetworkSeries,
} from './network';
export { FAULT_KINDS, faultSchema, type Fault, type FaultSpec } from './faults';
export {
  constantWeather,
  DEFAULT_WEATHER_FILE,
  hourlyCsvWeather,
  type HourlySeries,
  type WeatherSource,
} from './weather';

export function loadSimulatorsComponent(): typeof SimulatorsComponentModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./component') as typeof SimulatorsComponentModule;
}
