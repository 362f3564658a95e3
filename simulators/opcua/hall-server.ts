import { resolve as resolvePath } from 'node:path';
import { routeOpcuaLogs } from '../../src/util/opcua-log';
import {
  AccessLevelFlag,
  DataType,
  DataValue,
  MessageSecurityMode,
  OPCUAServer,
  SecurityPolicy,
  StatusCodes,
  Variant,
  makeEUInformation,
  standardUnits,
  type EUInformation,
  type StatusCode,
  type UAObject,
  type UAVariable,
} from 'node-opcua';
import type { Secret } from '../../src/config/secret';
import type { Unit } from '../../src/domain/units';
import type { Logger } from '../../src/log';
import type { Simulation } from '../simulation';
import { TrustStore } from '../../src/adapters/opcua/trust-store';
import { logCertificateRefusals } from './certificate-refusals';
import { HALL_FOLDERS, HALL_VARIABLES, type HallVariable } from './hall-variables';

export interface HallServerOptions {
  /** opc.tcp://host:port/path from the site config; the server binds that host and port. */
  endpoint: string;
  /** Site device name (faults address it). */
  device: string;
  pkiDir: string;
  allowAnonymous: boolean;
  users: readonly { username: string; password: Secret }[];
}

const EU: Record<string, () => EUInformation> = {
  degC: () => standardUnits.degree_celsius,
  kW: () => standardUnits.kilowatt,
  'm3/h': () => standardUnits.cubic_metre_per_hour,
  // No standard entry for kWh in node-opcua; UNECE code KWH.
  kWh: () => makeEUInformation('KWH', 'kWh', 'kilowatt hour'),
};

export function parseEndpoint(endpoint: string): {
  host: string;
  port: number;
  resourcePath: string;
} {
  const m = /^opc\.tcp:\/\/([^:/]+)(?::(\d+))?(\/.*)?$/.exec(endpoint);
  if (!m) throw new Error(`cannot serve endpoint ${endpoint}`);
  return { host: m[1]!, port: m[2] ? Number(m[2]) : 4840, resourcePath: m[3] ?? '' };
}

/**
 * The data hall's OPC UA server: equipment folders under Objects/Hall1, AnalogItems with
 * engineering units and ranges, values from the simulation (with measurement faults: a failed
 * sensor reports BadSensorFailure). Endpoints: None (demo profile), and Basic256Sha256 and
 * Aes128_Sha256_RsaOaep with Sign or SignAndEncrypt. Its PKI (own certificate, trusted and
 * rejected client certificates) lives in `pkiDir`; unknown client certificates are rejected.
 */
export class HallOpcuaServer {
  private server: OPCUAServer | undefined;

  constructor(
    private readonly sim: Simulation,
    private readonly opts: HallServerOptions,
    private readonly log: Logger,
  ) {}

  get listening(): boolean {
    return this.server !== undefined;
  }

  get device(): string {
    return this.opts.device;
  }

  async start(): Promise<void> {
    if (this.server) return;
    routeOpcuaLogs(this.log);
    const { host, port, resourcePath } = parseEndpoint(this.opts.endpoint);
    const pki = resolvePath(this.opts.pkiDir);
    const serverCertificateManager = new TrustStore(
      { rootFolder: `${pki}/server`, automaticallyAcceptUnknownCertificate: false },
      this.log,
    );
    // Passed explicitly so nothing lands in ~/.config (node-opcua's default user PKI).
    const userCertificateManager = new TrustStore(
      { rootFolder: `${pki}/users`, automaticallyAcceptUnknownCertificate: false },
      this.log,
    );
    logCertificateRefusals(serverCertificateManager, `${pki}/server`, this.log, 'client');
    logCertificateRefusals(userCertificateManager, `${pki}/users`, this.log, 'user');
    const users = new Map(this.opts.users.map((u) => [u.username, u.password]));
    const server = new OPCUAServer({
      host,
      hostname: host,
      alternateHostname: [host],
      port,
      resourcePath,
      serverCertificateManager,
      userCertificateManager,
      serverInfo: {
        applicationUri: 'urn:heatbridge:plant-simulator:hall',
        productUri: 'urn:heatbridge:plant-simulator',
        applicationName: { text: 'HeatBridge plant simulator (data hall)' },
      },
      buildInfo: { productName: 'HeatBridge plant simulator', manufacturerName: 'HeatBridge' },
      securityPolicies: [
        SecurityPolicy.None,
        SecurityPolicy.Basic256Sha256,
        SecurityPolicy.Aes128_Sha256_RsaOaep,
      ],
      securityModes: [
        MessageSecurityMode.None,
        MessageSecurityMode.Sign,
        MessageSecurityMode.SignAndEncrypt,
      ],
      allowAnonymous: this.opts.allowAnonymous,
      userManager: {
        isValidUser: (username: string, password: string) =>
          users.get(username)?.reveal() === password,
      },
    });
    await server.initialize();
    this.buildAddressSpace(server);
    await server.start();
    this.server = server;
    this.log.info({ endpoint: server.getEndpointUrl(), pki }, 'OPC UA server listening');
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await server.shutdown(0);
    this.log.info({ endpoint: this.opts.endpoint }, 'OPC UA server stopped');
  }

  private buildAddressSpace(server: OPCUAServer): void {
    const addressSpace = server.engine.addressSpace;
    if (!addressSpace) throw new Error('OPC UA address space not initialised');
    const ns = addressSpace.getOwnNamespace();
    const hall = ns.addObject({
      organizedBy: addressSpace.rootFolder.objects,
      browseName: 'Hall1',
      nodeId: 's=Hall1',
      description: 'Data hall 1',
    });
    const folders = new Map<string, UAObject>();
    for (const [folder, description] of Object.entries(HALL_FOLDERS)) {
      folders.set(
        folder,
        ns.addObject({
          componentOf: hall,
          browseName: folder,
          nodeId: `s=Hall1.${folder}`,
          description,
        }),
      );
    }
    for (const v of HALL_VARIABLES) {
      const parent = folders.get(v.folder)!;
      const common = {
        componentOf: parent,
        browseName: v.name,
        nodeId: `s=Hall1.${v.folder}.${v.name}`,
        description: v.description,
        minimumSamplingInterval: v.minimumSamplingIntervalMs,
        value: {
          timestamped_get: () => this.dataValue(v),
          ...(v.access === 'rw'
            ? { timestamped_set: (dv: DataValue) => Promise.resolve(this.set(v, dv.value)) }
            : {}),
        },
      };
      if (v.dataType === 'Boolean') {
        ns.addVariable({
          ...common,
          dataType: 'Boolean',
          accessLevel: accessLevel(v),
          userAccessLevel: accessLevel(v),
        });
      } else {
        readOnlyProperties(
          ns.addAnalogDataItem({
            ...common,
            dataType: v.dataType,
            accessLevel: accessLevel(v),
            userAccessLevel: accessLevel(v),
            engineeringUnitsRange: { low: v.range[0], high: v.range[1] },
            engineeringUnits: euOf(v.unit),
          }),
        );
      }
    }
  }

  private dataValue(v: HallVariable): DataValue {
    const dataType = DataType[v.dataType];
    if (v.access === 'rw') {
      const value = this.sim.readCommand(v.key);
      return new DataValue({
        value: new Variant({
          dataType,
          value: v.dataType === 'Boolean' ? Boolean(value) : Number(value ?? 0),
        }),
        statusCode: StatusCodes.Good,
        sourceTimestamp: new Date(this.sim.now),
        serverTimestamp: new Date(),
      });
    }
    const m = this.sim.read(v.key);
    return new DataValue({
      value: new Variant({ dataType, value: Number(m?.value ?? 0) }),
      statusCode: !m || m.bad ? StatusCodes.BadSensorFailure : StatusCodes.Good,
      // The plant's own (simulated) clock, as a device reports its time.
      sourceTimestamp: new Date(this.sim.now),
      serverTimestamp: new Date(),
    });
  }

  /** A client's write, through the simulation (which logs it and checks its range). */
  private set(v: HallVariable, variant: Variant): StatusCode {
    const value = variant.value as unknown;
    if (typeof value !== 'number' && typeof value !== 'boolean') return StatusCodes.BadTypeMismatch;
    return this.sim.write(v.key, value).ok ? StatusCodes.Good : StatusCodes.BadOutOfRange;
  }

  /**
   * Monitored items on the server now, across sessions and the subscriptions of sessions that
   * died (node-opcua keeps those in an "orphan" engine until their lifetime runs out).
   */
  monitoredItemCount(): { sessions: number; subscriptions: number; monitoredItems: number } {
    const engine = this.server?.engine;
    if (!engine) return { sessions: 0, subscriptions: 0, monitoredItems: 0 };
    const sessions = engine.getSessions();
    const subs = sessions.flatMap((s) => s.publishEngine.subscriptions);
    const orphans =
      (engine as unknown as { _orphanPublishEngine?: { subscriptions: typeof subs } })
        ._orphanPublishEngine?.subscriptions ?? [];
    return {
      sessions: sessions.length,
      subscriptions: subs.length + orphans.length,
      monitoredItems: [...subs, ...orphans].reduce((n, sub) => n + sub.monitoredItemCount, 0),
    };
  }
}

/** Read-only measurements; read-write for what clients may write. */
function accessLevel(v: HallVariable): string {
  return v.access === 'rw' ? 'CurrentRead | CurrentWrite' : 'CurrentRead';
}

const WRITE_BITS =
  AccessLevelFlag.CurrentWrite | AccessLevelFlag.StatusWrite | AccessLevelFlag.TimestampWrite;

/**
 * A variable's properties (EURange, EngineeringUnits) describe the device: no client may change
 * them. node-opcua makes EURange writable (AccessLevel 3), which let any anonymous client change
 * the range a percent deadband is computed from.
 */
function readOnlyProperties(variable: UAVariable): void {
  for (const property of variable.getProperties()) {
    const p = property as UAVariable;
    p.accessLevel = p.accessLevel & ~WRITE_BITS;
    p.userAccessLevel = (p.userAccessLevel ?? p.accessLevel) & ~WRITE_BITS;
  }
}

function euOf(unit: Unit): EUInformation {
  const make = EU[unit];
  if (!make) throw new Error(`no OPC UA engineering unit for ${unit}`);
  return make();
}
