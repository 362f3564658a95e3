import {
  DataType,
  MessageSecurityMode,
  StatusCodes,
  UserNameIdentityToken,
  Variant,
  type DataValue,
  type ISessionContext,
  type Namespace,
  type StatusCode,
  type UAObject,
  type UAVariable,
} from 'node-opcua';
import type { Principal } from '../../api/auth';
import type { PointDef } from '../../domain/point';
import type { Logger } from '../../log';
import type { ScadaGate } from '../scada-gate';
import { addFolder, addAnalog, addInfo, addPlain } from './nodes';
import { statusOfWrite, variantOf, writtenValue } from './values';

/** One request's variables: the writable value and its read-only state. */
interface RequestNode {
  def: PointDef;
  value: UAVariable;
  active: UAVariable;
  expiresAt: UAVariable;
}

export interface RequestNodesOptions {
  ns: Namespace;
  root: UAObject;
  gate: ScadaGate;
  timeoutMs: number;
  /** The authenticated user of a session's user name (set when the session signed in). */
  principalOf: (userName: string) => Principal | undefined;
  log: Logger;
  now: () => number;
  minimumSamplingInterval: number;
  /** Called with every write's outcome (for the component's counts). */
  counted: (accepted: boolean) => void;
}

/**
 * Objects/HeatBridge/Requests: the SCADA's writable requests (the gate's request points, in its
 * order: supply temperature, capacity, price and delivery-required of the current hour), each
 * with read-only `Active` and `ExpiresAt` properties. A write goes to `gate.request` as the
 * session's user (API token name and role); the write guard clamps into the bounds; the request
 * lapses `timeoutMs` after the last write unless renewed. The value shown is the request in force
 * (BadNoData when none is). The only writable nodes of the server.
 */
export class RequestNodes {
  private readonly nodes: RequestNode[] = [];
  /** `<address> <point> <why>` of refusals already warned about; forgotten on a write it makes. */
  private readonly warned = new Set<string>();

  constructor(private readonly o: RequestNodesOptions) {
    const folder = addFolder(o.ns, o.root, {
      browseName: 'Requests',
      nodeId: 's=Requests',
      description: `The SCADA's requests: write to renew; each lapses ${o.timeoutMs / 1000} s after its last write`,
    });
    addInfo(o.ns, {
      parent: folder,
      as: 'property',
      browseName: 'TimeoutSeconds',
      nodeId: 's=Requests.TimeoutSeconds',
      dataType: 'Double',
      minimumSamplingInterval: o.minimumSamplingInterval,
    }).setValueFromSource(new Variant({ dataType: DataType.Double, value: o.timeoutMs / 1000 }));
    for (const def of o.gate.requestPoints()) {
      const common = {
        parent: folder,
        browseName: def.name,
        nodeId: `s=Requests/${def.name}`,
        unit: def.unit,
        minimumSamplingInterval: o.minimumSamplingInterval,
        writable: true,
        ...(def.description ? { description: def.description } : {}),
      };
      const value =
        def.unit === 'bool'
          ? addPlain(o.ns, common)
          : addAnalog(o.ns, {
              ...common,
              ...(def.bounds ? { range: { low: def.bounds.min, high: def.bounds.max } } : {}),
            });
      const info = (name: string, dataType: 'Boolean' | 'DateTime'): UAVariable =>
        addInfo(o.ns, {
          parent: value,
          as: 'property',
          browseName: name,
          nodeId: `s=Requests/${def.name}.${name}`,
          dataType,
          minimumSamplingInterval: o.minimumSamplingInterval,
        });
      const node: RequestNode = {
        def,
        value,
        active: info('Active', 'Boolean'),
        expiresAt: info('ExpiresAt', 'DateTime'),
      };
      this.interceptWrites(node);
      this.nodes.push(node);
    }
    this.refresh();
  }

  /** Shows each request in force (or none), its state and expiry: after writes and on lapse. */
  refresh(): void {
    for (const n of this.nodes) {
      const current = this.o.gate.current(n.def.id);
      const expiry = current ? current.expiresAt : null;
      n.active.setValueFromSource(new Variant({ dataType: DataType.Boolean, value: !!current }));
      n.expiresAt.setValueFromSource(
        expiry === null
          ? new Variant({ dataType: DataType.Null })
          : new Variant({ dataType: DataType.DateTime, value: new Date(expiry) }),
      );
      n.value.setValueFromSource(
        current ? variantOf(current.value, n.def.unit) : new Variant({ dataType: DataType.Null }),
        current ? StatusCodes.Good : StatusCodes.BadNoData,
        // The time of the last write (renewal), which the expiry counts from.
        new Date(expiry === null ? this.o.now() : expiry - this.o.timeoutMs),
      );
    }
  }

  /**
   * node-opcua's setters do not learn who writes; the Write service calls the variable's
   * `writeValue(context, …)` with the session, so the request variables answer it themselves:
   * the session's user, then the gate. The access checks before (node class, AccessLevel) stay
   * node-opcua's: every other node is read-only and refused with BadNotWritable there.
   */
  private interceptWrites(node: RequestNode): void {
    type WriteValue = (
      context: ISessionContext | null,
      dataValue: DataValue,
      ...args: unknown[]
    ) => Promise<StatusCode> | undefined;
    const answer = (context: ISessionContext | null, dataValue: DataValue): Promise<StatusCode> =>
      this.write(node, context, dataValue).catch((err: unknown) => {
        this.o.log.error({ err, point: node.def.id }, 'OPC UA request write failed');
        return StatusCodes.BadInternalError;
      });
    const writeValue: WriteValue = (context, dataValue, ...args) => {
      const callback = args.at(-1);
      if (typeof callback !== 'function') return answer(context, dataValue);
      void answer(context, dataValue).then((status) =>
        (callback as (err: Error | null, status: StatusCode) => void)(null, status),
      );
      return undefined;
    };
    (node.value as unknown as { writeValue: WriteValue }).writeValue = writeValue;
  }

  private async write(
    node: RequestNode,
    context: ISessionContext | null,
    dataValue: DataValue,
  ): Promise<StatusCode> {
    const session = context?.session;
    const token = session?.userIdentityToken;
    const channel = session?.channel as
      { remoteAddress?: string; securityMode?: MessageSecurityMode } | undefined;
    const from = channel?.remoteAddress;
    if (channel?.securityMode === MessageSecurityMode.None) {
      // Without signing, the session's authentication token crosses the network in clear: whoever
      // sees it could write as this user. An insecure endpoint (allowInsecure) is for reading.
      this.o.counted(false);
      this.refused(
        node,
        from,
        token,
        'OPC UA write refused: requests need a signed channel (Sign or SignAndEncrypt), not security mode None',
      );
      return StatusCodes.BadSecurityModeInsufficient;
    }
    const principal =
      token instanceof UserNameIdentityToken && token.userName
        ? this.o.principalOf(token.userName)
        : undefined;
    if (!principal) {
      // Anonymous (or an X.509 user identity, which maps to no role): never a write.
      this.o.counted(false);
      this.refused(
        node,
        from,
        token,
        'OPC UA write refused: only a signed-in user (an API token) may write requests',
      );
      return StatusCodes.BadUserAccessDenied;
    }
    const value = writtenValue(dataValue.value);
    if (value === undefined) {
      this.o.counted(false);
      return StatusCodes.BadTypeMismatch;
    }
    const result = await this.o.gate.request(
      { name: principal.name, role: principal.role, via: 'opcua', ...(from ? { from } : {}) },
      node.def.id,
      value,
    );
    this.o.counted(result.ok);
    if (result.ok) this.forgive(from);
    this.refresh();
    return statusOfWrite(result);
  }

  /**
   * A refused write, warned once per client address, point and reason (a SCADA retrying every
   * few seconds would flood the log), then at debug until a write from that address succeeds.
   */
  private refused(
    node: RequestNode,
    from: string | undefined,
    token: unknown,
    message: string,
  ): void {
    // The message is part of the key: another reason to refuse is news.
    const key = `${from ?? 'unknown'} ${node.def.id} ${message}`;
    const first = !this.warned.has(key);
    if (first) {
      // Bounded: many addresses (a scan) must not grow it without end.
      if (this.warned.size >= 10_000) this.warned.clear();
      this.warned.add(key);
    }
    const identity = (token as object | undefined)?.constructor.name ?? 'none';
    const line = { point: node.def.id, from, identity };
    if (first) this.o.log.warn(line, `${message} (repeats from this address are logged at debug)`);
    else this.o.log.debug(line, message);
  }

  /** A write from `from` succeeded: its next refusal is worth a warning again. */
  private forgive(from: string | undefined): void {
    const prefix = `${from ?? 'unknown'} `;
    for (const key of this.warned) if (key.startsWith(prefix)) this.warned.delete(key);
  }
}
