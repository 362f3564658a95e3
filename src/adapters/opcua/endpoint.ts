import type { AdapterIdentity } from '../adapter';

/** OPC UA's registered port, when an endpoint names none. */
const OPCUA_DEFAULT_PORT = 4840;

/** Transport, host, port and path of an endpoint URL (`opc.tcp://host[:port][/path]`). */
export function endpointParts(
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
