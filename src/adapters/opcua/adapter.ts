import { AttributeIds, type ClientSession, type DataType, type NodeId } from 'node-opcua';
import { opcuaProbeIntervalMs, type OpcuaDeviceConfig } from '../../config/opcua';
import type { PointId } from '../../domain/point-id';
import type { SampleValue } from '../../domain/sample';
import type { Logger } from '../../log';
import type { ComponentContext } from '../../runtime/component';
import { Backoff } from '../../util/backoff';
import type { EpisodeLog } from '../../util/episode-log';
import { LatencyHistogram } from '../../util/latency-histogram';
import { routeOpcuaLogs } from '../../util/opcua-log';
import { ProbingWait } from '../../util/probing-wait';
import { ReconnectLog } from '../../util/reconnect-log';
import { probeTcp } from '../../util/tcp-probe';
import { AdapterBase, type AdapterIdentity, type FieldAdapter } from '../adapter';
import { episodeLogs } from '../episodes';
import { livenessOf, newClient, newConnection, type Connection } from './client';
import { endpointParts } from './endpoint';
import { OpcuaItems } from './items';
import { qualityOfStatus } from './quality';
import { clientCertificateManager, describeConnectError, identityOf } from './security';
import { subscribe } from './subscriptions';
import { builtInDataType, toVariant } from './values';

/** Nodes per Read request in polling mode. */
const NODES_PER_READ = 500;

export interface OpcuaAdapterOptions {
  now?: () => number;
  /** The client's OPC UA application URI (and certificate SAN). */
  applicationUri?: string;
}

/**
 * One OPC UA device: a session with its monitored items (or periodic reads in polling mode).
 *
 * Reconnection is HeatBridge's own, not node-opcua's (its connectionStrategy has maxRetry 0, so
 * it gives up at the first break and says `connection_lost`): when the connection is lost (socket
 * closed, keep-alive watchdog, subscription terminated), every point goes stale at once, the whole
 * client is thrown away, and a brand-new client, session and set of subscriptions is created. All
 * monitored items are therefore restored after a server restart, and none twice. Full attempts
 * follow a capped exponential backoff; between them a TCP probe watches the endpoint, and when
 * it answers again after not answering, the next attempt is made at once (ProbingWait), so
 * values resume within about two periods of the server being back however long it was away.
 */
export class OpcuaAdapter extends AdapterBase implements FieldAdapter {
  private readonly items: OpcuaItems;
  private readonly now: () => number;
  private readonly backoff: Backoff;
  private running = false;
  private loop: Promise<void> | undefined;
  /** The connection being made or served; undefined between attempts. */
  private link: Connection | undefined;
  private waiting: ProbingWait | undefined;
  private reconnects!: ReconnectLog;
  private log!: Logger;
  private ctx!: ComponentContext;
  /** Polling mode: ticks skipped because the previous read was still running (issue 18). */
  private skippedPolls = 0;
  private overloads: EpisodeLog | undefined;
  private readonly counts = {
    connects: 0,
    connectionLosses: 0,
    /** Connection attempts, each begun with a probe of the endpoint. */
    attempts: 0,
    /** TCP probes of the endpoint (an attempt's own and those between attempts). */
    probes: 0,
    /** Attempts made at once because the endpoint answered again, not after the backoff. */
    resumedOnProbe: 0,
    notifications: 0,
    keepalives: 0,
    writes: 0,
  };
  /** Write service calls answered, by the seconds they took (/metrics). */
  private readonly roundTrip = new LatencyHistogram();

  constructor(
    readonly device: string,
    private readonly cfg: OpcuaDeviceConfig,
    private readonly opts: OpcuaAdapterOptions = {},
  ) {
    // One device, one connection: the connection is the device's name.
    super('opcua', device, `opcua ${device}`);
    this.now = opts.now ?? Date.now;
    this.backoff = new Backoff(cfg.reconnect);
    this.items = new OpcuaItems(device, cfg, this.now, (s) => this.emit(s));
  }

  identity(): AdapterIdentity {
    return {
      protocol: this.protocol,
      connection: this.connection,
      ...endpointParts(this.cfg.endpoint),
      devices: [this.device],
    };
  }

  owns(id: PointId): boolean {
    return this.items.get(id) !== undefined;
  }

  start(ctx: ComponentContext): Promise<void> {
    this.ctx = ctx;
    this.log = ctx.log;
    const episodes = episodeLogs(ctx.log, this.now);
    this.overloads = episodes(
      'OPC UA polls skipped: reads take longer than the poll interval',
      'OPC UA polls on time again',
    );
    this.items.refusals = episodes('OPC UA value refused', 'OPC UA values accepted again', {
      summaryEveryMs: 60_000,
    });
    this.reconnects = new ReconnectLog({ name: this.device, log: ctx.log, now: this.now });
    routeOpcuaLogs(ctx.log);
    this.running = true;
    // Connecting happens in the background: a device that is down at start makes the adapter
    // degraded, not HeatBridge unable to start.
    this.loop = this.run();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.running = false;
    const conn = this.link;
    conn?.fail('stopping');
    // A connect still under way is cut short rather than waited for.
    if (conn && !conn.session) void conn.client.disconnect().catch(() => undefined);
    this.waiting?.cancel();
    await this.loop;
    this.endSamples();
  }

  details(): Record<string, unknown> {
    const problems = this.items.problems();
    return {
      endpoint: this.cfg.endpoint,
      mode: this.cfg.mode,
      connected: this.link?.session !== undefined,
      subscriptions: this.link?.subscriptions.length ?? 0,
      ...this.counts,
      ...this.roundTrip.details(),
      ...(this.cfg.mode === 'polling'
        ? {
            skippedPolls: { [this.device]: this.skippedPolls },
            overloaded: this.overloads?.keys() ?? [],
          }
        : {}),
      ...(problems.length > 0 ? { problems } : {}),
      ...(this.items.warnings().length > 0 ? { warnings: this.items.warnings() } : {}),
    };
  }

  /**
   * Why the point's node cannot hold `value` (its DataType and ValueRank, read at connect), or
   * undefined when it can or that is not known yet: "2.5 is not an Int16 (whole numbers
   * −32768..32767)". The override API refuses such a value before it is written (C6).
   */
  checkValue(id: PointId, value: SampleValue): string | undefined {
    return this.items.checkValue(id, value);
  }

  async write(id: PointId, value: SampleValue): Promise<void> {
    const item = this.items.get(id);
    if (!item) throw new Error(`${id} is not on ${this.name}`);
    if (item.cfg.access === 'r') throw new Error(`${id} is not writable`);
    const session = this.link?.session;
    if (item.problem) throw new Error(`${id} cannot be used: ${item.problem}`);
    if (!session || !item.nodeId) throw new Error(`${this.name} is not connected`);
    // Known from connect; read now if the server would not say then.
    item.info ??= {};
    item.info.dataType ??= await this.readDataType(session, item.nodeId);
    const started = performance.now();
    const status = await session.write({
      nodeId: item.nodeId,
      attributeId: AttributeIds.Value,
      value: { value: toVariant(value, item.info.dataType) },
    });
    this.roundTrip.observe((performance.now() - started) / 1000);
    if (qualityOfStatus(status) !== 'good')
      throw new Error(`${id}: the server answered ${status.toString()}`);
    this.counts.writes += 1;
  }

  private async run(): Promise<void> {
    const { host = '', port = 0 } = endpointParts(this.cfg.endpoint);
    const probeEveryMs = opcuaProbeIntervalMs(this.cfg);
    const probe = (timeoutMs: number): Promise<string | undefined> => {
      this.counts.probes += 1;
      return probeTcp(host, port, timeoutMs);
    };
    while (this.running) {
      this.counts.attempts += 1;
      // A server that is down costs one TCP probe, not a client with its certificates.
      const unreachable = await probe(Math.max(probeEveryMs, 1000));
      let reason: string;
      let served = false;
      if (unreachable !== undefined) {
        reason = unreachable;
        // As for a refused connect (teardown): the values cannot be had.
        this.items.lost('bad');
      } else {
        try {
          reason = await this.connectAndServe();
          served = true;
        } catch (err) {
          reason = describeConnectError(err, this.cfg);
        }
      }
      if (!this.running) break;
      const delay = this.backoff.next();
      const fields = { endpoint: this.cfg.endpoint, retryInMs: delay };
      if (served) this.reconnects.lost(reason, fields);
      else this.reconnects.failed(reason, unreachable !== undefined, fields);
      this.ctx.report('degraded', `${this.cfg.endpoint}: ${reason}`);
      this.waiting = new ProbingWait({
        delayMs: delay,
        probeEveryMs,
        probe,
        down: !served && unreachable !== undefined,
      });
      const end = await this.waiting.done;
      this.waiting = undefined;
      if (end === 'reachable') {
        // The server is back: a fresh start, not the backoff an outage has grown.
        this.counts.resumedOnProbe += 1;
        this.backoff.reset();
        this.log.debug(
          { endpoint: this.cfg.endpoint },
          `${this.device}: the endpoint answers again; connecting`,
        );
      }
    }
  }

  /** One connection, from connect to loss; resolves the reason it ended. */
  private async connectAndServe(): Promise<string> {
    const liveness = livenessOf(this.cfg);
    // A fresh certificate manager per attempt reads the PKI folders anew, so a certificate an
    // engineer moved from rejected/ to trusted/ counts at the next attempt, with no race against
    // the file watcher of a long-lived manager.
    const certificates = clientCertificateManager(this.cfg);
    try {
      await certificates.initialize();
    } catch (err) {
      await certificates.dispose().catch(() => undefined);
      throw err;
    }
    const applicationUri = this.opts.applicationUri ?? 'urn:heatbridge:controller';
    const client = newClient(this.cfg, certificates, applicationUri, liveness);
    const conn = newConnection(client, certificates);
    const lost = conn.lost;
    this.link = conn;
    let connectFailed = false;
    client.on('connection_lost', () => conn.fail('connection lost'));
    try {
      // stop() may come at any point below; each step checks before it goes on.
      const stopping = (): boolean => {
        if (this.running) return false;
        conn.fail('stopping');
        return true;
      };
      if (stopping()) return await lost;
      await client.connect(this.cfg.endpoint);
      if (stopping()) return await lost;
      conn.session = await client.createSession(identityOf(this.cfg));
      conn.session.on('session_closed', () => conn.fail('session closed by the server'));
      if (stopping()) return await lost;
      await this.items.resolve(conn.session, this.log);
      if (this.cfg.mode === 'polling') this.startPolling(conn);
      else
        await subscribe(conn, {
          cfg: this.cfg,
          items: this.items,
          liveness,
          log: this.log,
          now: this.now,
          counts: this.counts,
        });
      if (stopping()) return await lost;
      this.counts.connects += 1;
      this.backoff.reset();
      this.reconnects.connected({
        endpoint: this.cfg.endpoint,
        items: this.items.size,
        problems: this.items.problems().length,
      });
      this.reportReady();
      const reason = await lost;
      this.counts.connectionLosses += reason === 'stopping' ? 0 : 1;
      return reason;
    } catch (err) {
      conn.fail('connect failed');
      connectFailed = true;
      throw err;
    } finally {
      // Refused, unreachable, not trusted: the values cannot be had (bad). A connection lost after
      // serving: no news yet (stale) until the next attempt says more.
      await this.teardown(conn, connectFailed ? 'bad' : 'stale');
    }
  }

  /** Running, or degraded by the points that cannot be read. */
  private reportReady(): void {
    const problems = this.items.problems().length;
    if (problems > 0)
      this.ctx.report('degraded', `${problems} point(s) cannot be read; see details`);
    else this.ctx.report('running');
  }

  private async teardown(conn: Connection, quality: 'bad' | 'stale'): Promise<void> {
    for (const t of conn.timers) clearInterval(t);
    if (this.link === conn) this.link = undefined;
    this.items.lost(quality);
    // disconnect() waits for the server up to a transaction timeout when it hangs: bound it.
    const disconnected = conn.client.disconnect().catch(() => undefined);
    await Promise.race([disconnected, new Promise((r) => setTimeout(r, 1000).unref())]);
    await conn.certificates.dispose().catch(() => undefined);
  }

  private async readDataType(session: ClientSession, nodeId: NodeId): Promise<DataType> {
    const dv = await session.read({ nodeId, attributeId: AttributeIds.DataType });
    if (qualityOfStatus(dv.statusCode) !== 'good')
      throw new Error(`cannot read the data type: ${dv.statusCode.toString()}`);
    const id = dv.value.value as NodeId;
    return builtInDataType(id) ?? (await session.getBuiltInDataType(nodeId));
  }

  private startPolling(conn: Connection): void {
    const session = conn.session!;
    const readable = this.items.readable();
    let busy = false;
    const poll = async (): Promise<void> => {
      if (busy) {
        // A slow server: skip a cycle rather than pile up reads, and say so once per episode.
        this.skippedPolls += 1;
        const fields = { device: this.device, pollIntervalMs: this.cfg.pollIntervalMs };
        if (this.overloads?.occurred(this.device, { ...fields, skippedPolls: this.skippedPolls }))
          this.ctx.report('degraded', `polls skipped (slower than the poll interval)`);
        return;
      }
      if (this.overloads?.cleared(this.device, { device: this.device })) this.reportReady();
      busy = true;
      try {
        for (let start = 0; start < readable.length; start += NODES_PER_READ) {
          const chunk = readable.slice(start, start + NODES_PER_READ);
          const values = await session.read(
            chunk.map((i) => ({ nodeId: i.nodeId!, attributeId: AttributeIds.Value })),
          );
          values.forEach((dv, k) => this.items.onValue(chunk[k]!, dv));
        }
      } catch (err) {
        conn.fail(`read failed: ${(err as Error).message}`);
      } finally {
        busy = false;
      }
    };
    void poll();
    conn.timers.push(setInterval(() => void poll(), this.cfg.pollIntervalMs));
  }
}

/** One adapter per enabled OPC UA device of the site. */
export function createOpcuaAdapters(
  devices: Record<string, { protocol: string; enabled: boolean }>,
  opts: OpcuaAdapterOptions = {},
): OpcuaAdapter[] {
  return Object.entries(devices)
    .filter(([, d]) => d.protocol === 'opcua' && d.enabled)
    .map(([name, d]) => new OpcuaAdapter(name, d as OpcuaDeviceConfig, opts));
}
