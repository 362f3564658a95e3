import { createServer } from 'node:net';
import type { SiteConfig } from '../config';
import { endpointParts } from '../adapters/opcua/endpoint';
import { ListenError, listenProblemText } from '../util/listen-error';

/**
 * The ports `demo` and `sim` open, and how to move them from the command line: every port by
 * an offset (`--port-offset 100`: 8080 → 8180, 4840 → 4940 …), or one kind at a time. The
 * simulated devices' endpoints move in the site config itself, so HeatBridge's adapters
 * connect to the simulators where they now listen, and the parent (demo) and its child (sim)
 * move them by the same function from the same flags.
 */
export interface PortMoves {
  /** Added to every port the command opens (the API, the simulators, their admin API). */
  portOffset?: number;
  apiPort?: number;
  /** The simulated OPC UA servers: the lowest moves here, the others keep their spacing. */
  opcuaPort?: number;
  /** The simulated Modbus servers: likewise (the demo's 5020 and 5021 move together). */
  modbusPort?: number;
  adminPort?: number;
  /** HeatBridge's northbound servers (OPC UA, Modbus TCP): the lowest moves here. */
  northboundPort?: number;
}

/** The option of each kind of port, as `demo` and `sim` name it. */
export const PORT_OPTIONS = {
  api: '--api-port',
  opcua: '--opcua-port',
  modbus: '--modbus-port',
  admin: '--admin-port',
  northbound: '--northbound-port',
} as const;
export type PortKind = keyof typeof PORT_OPTIONS;

/** One port a command listens on. */
export interface Listener {
  kind: PortKind;
  /** What listens there, for people: "the simulated OPC UA server of hall1". */
  what: string;
  host: string;
  port: number;
}

/** Only for an endpoint URL cannot parse, which the config schema does not let through. */
const OPCUA_DEFAULT_PORT = 4840;

/**
 * The port of an OPC UA endpoint, parsed as the adapter parses it (`endpointParts`, a URL), so
 * `opc.tcp://[::1]:4841/x` is port 4841 and the preflight probes where the adapter connects.
 */
function endpointPort(endpoint: string): number {
  return endpointParts(endpoint).port ?? OPCUA_DEFAULT_PORT;
}

/** The endpoint with its port moved; host (an IPv6 address keeps its brackets) and path kept. */
function withEndpointPort(endpoint: string, port: number): string {
  try {
    const u = new URL(endpoint);
    u.port = String(port);
    return u.href;
  } catch {
    return endpoint; // as endpointPort: not let through by the config schema
  }
}

/** The host to listen on: the URL's `[::1]` is `::1` to net.listen. */
function endpointHost(endpoint: string): string {
  return endpointParts(endpoint).host?.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
}

/** The devices the site's simulators serve, by protocol. */
function simulatedDevices(site: SiteConfig): { opcua: string[]; modbus: string[] } {
  const out = { opcua: [] as string[], modbus: [] as string[] };
  for (const name of Object.keys(site.simulation?.equipment ?? {})) {
    const d = site.devices[name];
    if (d) out[d.protocol].push(name);
  }
  return out;
}

/**
 * The site with its ports moved. Throws a message for people when a moved port leaves
 * 1…65535. Devices the simulators do not serve keep their addresses (they are real ones).
 */
export function movePorts(site: SiteConfig, m: PortMoves): SiteConfig {
  const offset = m.portOffset ?? 0;
  const check = (port: number, option: string): number => {
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`${option} moves a port to ${port}: ports go from 1 to 65535`);
    return port;
  };
  // 0 (any free port) only where nothing else must find the port: the API and the admin API.
  const single = (configured: number, to: number | undefined, option: string): number => {
    if (to !== undefined) return to === 0 ? 0 : check(to, option);
    return configured === 0 ? 0 : check(configured + offset, '--port-offset');
  };
  /** `to` for the lowest of `ports`, the others keeping their spacing; else each + offset. */
  const mover = (ports: number[], to: number | undefined, option: string) => {
    const lowest = Math.min(...ports);
    return (port: number): number =>
      to === undefined
        ? check(port + offset, '--port-offset')
        : check(to + (port - lowest), option);
  };
  const sim = simulatedDevices(site);
  const devices = { ...site.devices };
  const opcuaPorts = sim.opcua.map((n) => {
    const d = site.devices[n]!;
    return d.protocol === 'opcua' ? endpointPort(d.endpoint) : 0;
  });
  const moveOpcua = mover(opcuaPorts, m.opcuaPort, PORT_OPTIONS.opcua);
  const modbusPorts = sim.modbus.map((n) => {
    const d = site.devices[n]!;
    return d.protocol === 'modbus' ? d.port : 0;
  });
  const moveModbus = mover(modbusPorts, m.modbusPort, PORT_OPTIONS.modbus);
  // Copies of what changes only: a config holds Secrets, which a deep clone would strip.
  for (const name of [...sim.opcua, ...sim.modbus]) {
    const d = site.devices[name]!;
    devices[name] =
      d.protocol === 'opcua'
        ? { ...d, endpoint: withEndpointPort(d.endpoint, moveOpcua(endpointPort(d.endpoint))) }
        : { ...d, port: moveModbus(d.port) };
  }
  return {
    ...site,
    devices,
    ...(site.northbound ? { northbound: movedNorthbound(site.northbound, m, mover) } : {}),
    api: { ...site.api, port: single(site.api.port, m.apiPort, PORT_OPTIONS.api) },
    ...(site.simulation
      ? {
          simulation: {
            ...site.simulation,
            adminPort: single(site.simulation.adminPort, m.adminPort, PORT_OPTIONS.admin),
          },
        }
      : {}),
  };
}

/** The northbound servers' ports moved like the simulators': the lowest to `--northbound-port`. */
function movedNorthbound(
  nb: NonNullable<SiteConfig['northbound']>,
  m: PortMoves,
  mover: (ports: number[], to: number | undefined, option: string) => (port: number) => number,
): NonNullable<SiteConfig['northbound']> {
  const ports = [nb.opcua?.port, nb.modbus?.port].filter((p): p is number => p !== undefined);
  if (ports.length === 0) return nb;
  const move = mover(ports, m.northboundPort, PORT_OPTIONS.northbound);
  return {
    ...nb,
    ...(nb.opcua ? { opcua: { ...nb.opcua, port: move(nb.opcua.port) } } : {}),
    ...(nb.modbus ? { modbus: { ...nb.modbus, port: move(nb.modbus.port) } } : {}),
  };
}

/** The northbound servers HeatBridge opens (the SCADA's OPC UA and Modbus TCP servers). */
export function northboundListeners(site: SiteConfig): Listener[] {
  const nb = site.northbound;
  const out: Listener[] = [];
  if (nb?.opcua)
    out.push({
      kind: 'northbound',
      what: 'the northbound OPC UA server',
      host: nb.opcua.host,
      port: nb.opcua.port,
    });
  if (nb?.modbus)
    out.push({
      kind: 'northbound',
      what: 'the northbound Modbus TCP server',
      host: nb.modbus.host,
      port: nb.modbus.port,
    });
  return out;
}

/** The HeatBridge process's listener: the API and web page (the metrics are on it too). */
export function apiListener(site: SiteConfig): Listener {
  return { kind: 'api', what: 'the API and web page', host: site.api.host, port: site.api.port };
}

/** What the simulators open: an OPC UA server per hall, a Modbus server per port, the admin API. */
export function simulatorListeners(site: SiteConfig): Listener[] {
  if (!site.simulation) return [];
  const sim = simulatedDevices(site);
  const out: Listener[] = [];
  for (const name of sim.opcua) {
    const d = site.devices[name];
    if (d?.protocol !== 'opcua') continue;
    out.push({
      kind: 'opcua',
      what: `the simulated OPC UA server of ${name}`,
      host: endpointHost(d.endpoint),
      port: endpointPort(d.endpoint),
    });
  }
  const modbus = new Map<string, Listener & { devices: string[] }>();
  for (const name of sim.modbus) {
    const d = site.devices[name];
    if (d?.protocol !== 'modbus' || !d.host) continue;
    const key = `${d.host}:${d.port}`;
    const l = modbus.get(key) ?? {
      kind: 'modbus',
      what: '',
      host: d.host,
      port: d.port,
      devices: [],
    };
    l.devices.push(name);
    modbus.set(key, l);
  }
  for (const { devices, ...l } of modbus.values())
    out.push({ ...l, what: `the simulated Modbus server of ${devices.join(', ')}` });
  out.push({
    kind: 'admin',
    what: "the simulators' admin API",
    host: '127.0.0.1',
    port: site.simulation.adminPort,
  });
  return out;
}

/** Why a listener cannot open its port now (in use, not allowed, no such address), if it cannot. */
export function portProblem(l: Listener): Promise<string | undefined> {
  if (l.port === 0) return Promise.resolve(undefined); // any free port
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(listenProblemText(err.code)));
    probe.listen({ host: l.host, port: l.port, exclusive: true }, () =>
      probe.close(() => resolve(undefined)),
    );
  });
}

/**
 * The listeners that cannot open their ports, each as one line naming the port, what listens
 * there and the option that moves it (`option(kind)`; `undefined` for a port only the site file
 * sets). Empty when all can.
 */
export async function portProblems(
  listeners: readonly Listener[],
  option: (kind: PortKind) => string,
): Promise<string[]> {
  const lines: string[] = [];
  const wildcard = (host: string): boolean => host === '0.0.0.0' || host === '::';
  for (const [i, l] of listeners.entries()) {
    const twin = listeners
      .slice(0, i)
      .find(
        (o) => o.port === l.port && (o.host === l.host || wildcard(o.host) || wildcard(l.host)),
      );
    if (twin && l.port !== 0) {
      lines.push(
        `port ${l.port} on ${l.host} is both ${twin.what} and ${l.what}: ${option(l.kind)}`,
      );
      continue;
    }
    const problem = await portProblem(l);
    if (problem)
      lines.push(`port ${l.port} on ${l.host} (${l.what}) ${problem}: ${option(l.kind)}`);
  }
  return lines;
}

/**
 * The hint for a startup failure whose cause is a port that could not be opened (a race the
 * preflight cannot rule out: another program took the port after it was checked).
 */
export function portHint(
  listeners: readonly Listener[],
  option: (kind: PortKind) => string,
): (cause: unknown) => string | undefined {
  return (cause) => {
    if (!(cause instanceof ListenError)) return undefined;
    const l = listeners.find((x) => x.port === cause.port);
    return l ? option(l.kind) : undefined;
  };
}
