import type { NorthboundDeps } from './northbound-deps';
import type { Component } from '../runtime/component';
import type * as ModbusServer from './modbus/modbus-server';
import type * as OpcuaServer from './opcua/opcua-server';
import type * as Sparkplug from './sparkplug/sparkplug-publisher';

/**
 * The site's northbound interfaces (its `northbound` section), each a component: none when the
 * section is absent. They start after the API and the historian and stop before them.
 */
export function northboundComponents(deps: NorthboundDeps): Component[] {
  const cfg = deps.site.northbound;
  if (!cfg) return [];
  const out: Component[] = [];
  /* eslint-disable @typescript-eslint/no-require-imports --
   * Loaded only when configured, as the field adapters are (src/adapters/registry.ts): node-opcua
   * alone is about 100 MB of a Modbus-only site's 160 MB resident memory (issue 25), and MQTT
   * with Sparkplug's protobuf library is not needed by a site that does not publish. */
  if (cfg.opcua) {
    const { OpcuaNorthbound } = require('./opcua/opcua-server') as typeof OpcuaServer;
    out.push(new OpcuaNorthbound(cfg.opcua, deps));
  }
  if (cfg.modbus) {
    const { ModbusNorthbound } = require('./modbus/modbus-server') as typeof ModbusServer;
    out.push(new ModbusNorthbound(cfg.modbus, deps));
  }
  if (cfg.sparkplug) {
    const { SparkplugPublisher } = require('./sparkplug/sparkplug-publisher') as typeof Sparkplug;
    out.push(new SparkplugPublisher(cfg.sparkplug, deps));
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
  return out;
}
