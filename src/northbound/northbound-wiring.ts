import type { NorthboundDeps } from './northbound-deps';
import type { Component } from '../runtime/component';
import { ModbusNorthbound } from './modbus/modbus-server';
import { OpcuaNorthbound } from './opcua/opcua-server';
import { SparkplugPublisher } from './sparkplug/sparkplug-publisher';

/**
 * The site's northbound interfaces (its `northbound` section), each a component: none when the
 * section is absent. They start after the API and the historian and stop before them.
 */
export function northboundComponents(deps: NorthboundDeps): Component[] {
  const cfg = deps.site.northbound;
  if (!cfg) return [];
  const out: Component[] = [];
  if (cfg.opcua) out.push(new OpcuaNorthbound(cfg.opcua, deps));
  if (cfg.modbus) out.push(new ModbusNorthbound(cfg.modbus, deps));
  if (cfg.sparkplug) out.push(new SparkplugPublisher(cfg.sparkplug, deps));
  return out;
}
