import { createServer, type Server, type Socket } from 'node:net';
import type { NorthboundModbusConfig } from '../../config/northbound-modbus';
import type { Component, ComponentContext } from '../../runtime/component';
import type { NorthboundDeps } from '../northbound-deps';
import { ModbusAccess, normalAddress } from './access';
import { handlePdu, type ProtocolContext } from './protocol';
import { buildRegisterMap, RegisterMapError, type RegisterMap } from './register-map';

/**
 * The northbound Modbus TCP server (issue 24; docs/northbound-modbus.md): a small MBAP server on
 * `net` (modbus-serial's ServerTCP defers every request by a timer and does not tell who the
 * client is, which access control needs). The register map comes from the site's points
 * (register-map.ts); reads encode the latest values on request (protocol.ts); writes go only
 * through the SCADA gate, and only from the configured writers' addresses (access.ts).
 *
 * A stream of bytes that is not MBAP (a wrong protocol id or length) cannot be resynchronised:
 * the connection is closed. A well-framed request the server cannot serve gets a Modbus
 * exception. Each connection's first problem is logged, later ones are only counted.
 */

const MBAP_HEADER = 7;
/** Unit id + the largest PDU (253 bytes). */
const MAX_LENGTH = 254;
/** Requests one connection may have queued (a client pipelining more is not a SCADA). */
const MAX_QUEUED = 32;
/** The exception a request to another unit id gets: gateway target device failed to respond. */
const WRONG_UNIT = 0x0b;

interface Connection {
  socket: Socket;
  peer: string;
  buffer: Buffer;
  queued: number;
  chain: Promise<void>;
  logged: boolean;
}

export class ModbusNorthbound implements Component {
  readonly name = 'modbus-server';
  private server: Server | undefined;
  private map: RegisterMap | undefined;
  private protocol: ProtocolContext | undefined;
  private readonly access: ModbusAccess;
  private readonly connections = new Set<Connection>();
  private readonly refusedPeers = new Set<string>();
  private readonly counts = {
    connectionsTotal: 0,
    refusedConnections: 0,
    requests: 0,
    exceptions: 0,
    protocolErrors: 0,
    writes: 0,
    failedAnswers: 0,
  };

  constructor(
    readonly cfg: NorthboundModbusConfig,
    readonly deps: NorthboundDeps,
  ) {
    this.access = new ModbusAccess(cfg);
  }

  /** The register map (built at start). */
  registerMap(): RegisterMap | undefined {
    return this.map;
  }

  /** Where the server listens (after start). */
  address(): { address: string; port: number } | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? { address: a.address, port: a.port } : undefined;
  }

  async start(ctx: ComponentContext): Promise<void> {
    const { deps, cfg } = this;
    try {
      this.map = buildRegisterMap({
        defs: deps.defs,
        siteDevices: Object.keys(deps.site.devices),
        ...(deps.gate ? { requests: deps.gate.requestPoints() } : {}),
        pin: cfg.pin,
      });
    } catch (err) {
      if (err instanceof RegisterMapError)
        throw new Error(`northbound.modbus register map: ${err.message}`, { cause: err });
      throw err;
    }
    this.protocol = {
      map: this.map,
      wordOrder: cfg.wordOrder,
      latest: (id) => deps.latest.get(id),
      now: deps.now,
      startedAt: deps.now(),
      ...(deps.gate ? { gate: deps.gate } : {}),
    };
    if (cfg.writers.length > 0 && !deps.gate)
      ctx.log.warn(
        'northbound.modbus has writers but the site has no northbound.requests: every write is refused',
      );
    const server = createServer((socket) => this.accept(socket));
    server.maxConnections = cfg.maxConnections;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new Error(
            err.code === 'EADDRINUSE'
              ? `${cfg.host}:${cfg.port} is in use: choose another northbound.modbus.port`
              : `cannot listen on ${cfg.host}:${cfg.port}: ${err.message}`,
          ),
        ),
      );
      server.listen(cfg.port, cfg.host, () => resolve());
    });
    server.on('error', (err) => ctx.report('degraded', `Modbus server: ${err.message}`));
    this.server = server;
    ctx.log.info(
      {
        host: cfg.host,
        port: this.address()?.port,
        unitId: cfg.unitId,
        points: this.map.points.length,
        requests: this.map.requests.length,
      },
      'northbound Modbus server listening',
    );
  }

  async stop(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    this.connections.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  details(): Record<string, unknown> {
    return {
      ...(this.address()
        ? {
            listening: `${this.cfg.host.includes(':') ? `[${this.cfg.host}]` : this.cfg.host}:${this.address()!.port}`,
          }
        : {}),
      unitId: this.cfg.unitId,
      points: this.map?.points.length ?? 0,
      requestRegisters: this.map?.requests.length ?? 0,
      connections: this.connections.size,
      ...this.counts,
    };
  }

  private accept(socket: Socket): void {
    const peer = normalAddress(socket.remoteAddress ?? '');
    if (!this.access.mayConnect(peer)) {
      this.counts.refusedConnections += 1;
      // Once per address: a port scan or a misconfigured SCADA retrying must not flood the log.
      if (!this.refusedPeers.has(peer) && this.refusedPeers.size < 1000) {
        this.refusedPeers.add(peer);
        this.deps.log.warn(
          { peer },
          'Modbus connection refused: the address is not in northbound.modbus readers or writers',
        );
      }
      socket.destroy();
      return;
    }
    this.counts.connectionsTotal += 1;
    const conn: Connection = {
      socket,
      peer,
      buffer: Buffer.alloc(0),
      queued: 0,
      chain: Promise.resolve(),
      logged: false,
    };
    this.connections.add(conn);
    socket.setNoDelay(true);
    socket.setTimeout(this.cfg.idleTimeoutMs, () => socket.destroy());
    socket.on('data', (data: Buffer) => this.receive(conn, data));
    socket.on('error', () => undefined); // a reset by the peer: 'close' follows
    socket.on('close', () => this.connections.delete(conn));
  }

  private receive(conn: Connection, data: Buffer): void {
    conn.buffer = conn.buffer.length ? Buffer.concat([conn.buffer, data]) : data;
    while (conn.buffer.length >= MBAP_HEADER) {
      const protocol = conn.buffer.readUInt16BE(2);
      const length = conn.buffer.readUInt16BE(4);
      if (protocol !== 0 || length < 2 || length > MAX_LENGTH) {
        this.counts.protocolErrors += 1;
        this.firstProblem(
          conn,
          `not a Modbus TCP frame (protocol id ${protocol}, length ${length}): connection closed`,
        );
        conn.socket.destroy();
        return;
      }
      if (conn.buffer.length < 6 + length) return; // the rest is still coming
      const frame = conn.buffer.subarray(0, 6 + length);
      conn.buffer = conn.buffer.subarray(6 + length);
      if (conn.queued >= MAX_QUEUED) {
        this.counts.protocolErrors += 1;
        this.firstProblem(conn, `more than ${MAX_QUEUED} requests queued: connection closed`);
        conn.socket.destroy();
        return;
      }
      conn.queued += 1;
      // One at a time per connection: answers go out in the order the requests came. answer()
      // turns a failed request into exception 04; should it fail anyway (a bug), the rejection
      // must not go unhandled (Node would exit): log it once and drop the connection, whose
      // request and answer order can no longer be vouched for.
      conn.chain = conn.chain
        .then(() => this.answer(conn, frame))
        .finally(() => (conn.queued -= 1))
        .catch((err: unknown) => this.failed(conn, err));
    }
  }

  private async answer(conn: Connection, frame: Buffer): Promise<void> {
    if (conn.socket.destroyed) return;
    const tid = frame.readUInt16BE(0);
    const unit = frame.readUInt8(6);
    const pdu = frame.subarray(MBAP_HEADER);
    this.counts.requests += 1;
    let response: Buffer;
    let problem: string | undefined;
    if (unit !== this.cfg.unitId) {
      response = Buffer.from([(pdu.readUInt8(0) | 0x80) & 0xff, WRONG_UNIT]);
      problem = `request to unit ${unit}; this server is unit ${this.cfg.unitId}`;
    } else {
      try {
        const handled = await handlePdu(pdu, this.protocol!, this.access.writer(conn.peer));
        response = handled.response;
        if (handled.exception !== undefined) problem = handled.why;
        if (handled.wrote) this.counts.writes += 1;
      } catch (err) {
        response = Buffer.from([(pdu.readUInt8(0) | 0x80) & 0xff, 4]);
        problem = `request failed: ${(err as Error).message}`;
      }
    }
    if (problem !== undefined) {
      this.counts.exceptions += 1;
      this.firstProblem(conn, problem);
    }
    if (conn.socket.destroyed) return;
    const header = Buffer.alloc(MBAP_HEADER);
    header.writeUInt16BE(tid, 0);
    header.writeUInt16BE(0, 2);
    header.writeUInt16BE(response.length + 1, 4);
    header.writeUInt8(unit, 6);
    conn.socket.write(Buffer.concat([header, response]));
  }

  /**
   * A request the server could not answer at all: the connection is closed. The first such
   * failure is logged; later ones (a SCADA reconnecting into the same bug) are only counted.
   */
  private failed(conn: Connection, err: unknown): void {
    this.counts.failedAnswers += 1;
    if (this.counts.failedAnswers === 1)
      this.deps.log.error(
        { peer: conn.peer, err },
        'Modbus client: answering a request failed: connection closed (later failures are only counted: failedAnswers)',
      );
    conn.socket.destroy();
  }

  /** A connection's first problem is logged; later ones only counted (details()). */
  private firstProblem(conn: Connection, problem: string): void {
    if (conn.logged) return;
    conn.logged = true;
    this.deps.log.warn(
      { peer: conn.peer },
      `Modbus client: ${problem} (later problems of this connection are only counted)`,
    );
  }
}
