import { transportKey, transportOf } from '../adapters/modbus/connection';
import type { DeviceConfig } from '../config';

/** The labels every per-adapter metric carries: stable names, never addresses. */
export interface AdapterLabels {
  protocol: 'modbus' | 'opcua';
  /**
   * The connection's name from the site file: an OPC UA device's name; for Modbus, the first
   * enabled device (in the site file's order) of those sharing the connection.
   */
  connection: string;
}

/** Where the connection goes, for `heatbridge_adapter_info` (joined on the labels above). */
export interface AdapterIdentity extends AdapterLabels {
  /** `tcp`, `rtu-over-tcp`, `rtu` (Modbus) or `opc.tcp`. */
  transport: string;
  host?: string;
  port?: number;
  /** The OPC UA endpoint's path, or the serial line's device (`/dev/ttyUSB0`). */
  path?: string;
  /** The devices behind the connection, in the site file's order. */
  devices: string[];
}

/** OPC UA's registered port, when an endpoint names none. */
const OPCUA_DEFAULT_PORT = 4840;

/**
 * Each field adapter's identity by its component name (the name /api/health shows, e.g.
 * `modbus tcp:127.0.0.1:5020` or `opcua hall1`). The names follow `createModbusAdapters` and
 * `createOpcuaAdapters`: one Modbus adapter per transport key, one OPC UA adapter per device.
 */
export function adapterIdentities(
  devices: Readonly<Record<string, DeviceConfig>>,
): Map<string, AdapterIdentity> {
  const out = new Map<string, AdapterIdentity>();
  for (const [name, d] of Object.entries(devices)) {
    if (!d.enabled) continue;
    if (d.protocol === 'opcua') {
      out.set(`opcua ${name}`, {
        protocol: 'opcua',
        connection: name,
        ...endpointParts(d.endpoint),
        devices: [name],
      });
    } else if (d.protocol === 'modbus') {
      const t = transportOf(d);
      const component = `modbus ${transportKey(t)}`;
      const known = out.get(component);
      if (known) known.devices.push(name);
      else
        out.set(component, {
          protocol: 'modbus',
          connection: name,
          transport: t.kind,
          ...(t.kind === 'rtu' ? { path: t.path } : { host: t.host, port: t.port }),
          devices: [name],
        });
    }
  }
  return out;
}

function endpointParts(
  endpoint: string,
): Pick<AdapterIdentity, 'transport' | 'host' | 'port' | 'path'> {
  try {
    const u = new URL(endpoint);
    return {
      transport: u.protocol.replace(/:$/, ''),
      host: u.hostname,
      port: u.port === '' ? OPCUA_DEFAULT_PORT : Number(u.port),
      ...(u.pathname !== '' && u.pathname !== '/' ? { path: u.pathname } : {}),
    };
  } catch {
    // The config schema accepts only opc.tcp://host[:port][/path], which URL parses.
    return { transport: 'opc.tcp' };
  }
}
