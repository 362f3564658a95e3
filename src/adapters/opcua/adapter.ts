import {
  AttributeIds,
  ClientSubscription,
  DataChangeFilter,
  DataChangeTrigger,
  DeadbandType,
  OPCUAClient,
  TimestampsToReturn,
  makeBrowsePath,
  resolveNodeId,
  type ClientMonitoredItemBase,
  type ClientSession,
  type DataType,
  type DataValue,
  type NodeId,
  type OPCUACertificateManager,
} from 'node-opcua';
import { Subject, type Observable } from 'rxjs';
import {
  opcuaExpectedPeriodMs,
  opcuaKeepAliveCount,
  type OpcuaDeviceConfig,
  type OpcuaPointConfig,
} from '../../config/opcua';
import { pointId, type PointId } from '../../domain/point-id';
import type { Sample, SampleValue } from '../../domain/sample';
import { staleWindowMs } from '../../domain/stale';
import type { Logger } from '../../log';
import type { ComponentContext } from '../../runtime/component';
import { Backoff } from '../../util/backoff';
import { EpisodeLog } from '../../util/episode-log';
import { LatencyHistogram } from '../../util/latency-histogram';
import { routeOpcuaLogs } from '../../util/opcua-log';
import type { AdapterIdentity, FieldAdapter } from '../adapter';
import { endpointParts } from './endpoint';
import { qualityOfStatus } from './quality';
import {
  clientCertificateManager,
  identityOf,
  ownCertificate,
  rejectedFolder,
  securityModeOf,
  securityPolicyOf,
} from './security';
import { builtInDataType, sampleOfDataValue, toVariant } from './values';

/** Monitored items per subscription: a few subscriptions, never one per item. */
const ITEMS_PER_SUBSCRIPTION = 1000;
/** Nodes per Read request in polling mode. */
const NODES_PER_READ = 500;

interface ItemState {
  id: PointId;
  cfg: OpcuaPointConfig;
  nodeId?: NodeId;
  /** Why the point cannot be read, when it cannot. */
  problem?: string;
  dataType?: DataType;
  last?: Sample;
  lastEmittedAt: number;
  staleAfterMs: number;
}

/** Everything of one connection; thrown away whole when the connection is lost. */
interface Connection {
  client: OPCUAClient;
  certificates: OPCUACertificateManager;
  session?: ClientSession;
  subscriptions: ClientSubscription[];
  timers: NodeJS.Timeout[];
  lost: Promise<string>;
  fail: (reason: string) => void;
}

export interface OpcuaAdapterOptions {
  now?: () => number;
  /** The client's OPC UA application URI (and certificate SAN). */
  applicationUri?: string;
}

/**
 * One OPC UA device: a session with its monitored items (or periodic reads in polling mode).
 *
 * Reconnection is HeatBridge's own, not node-opcua's: when the connection is lost (socket closed,
 * keep-alive watchdog, subscription terminated), every point goes stale at once, the whole client
 * is thrown away, and after a capped exponential backoff a brand-new client, session and set of
 * subscriptions is created. All monitored items are therefore restored after a server restart,
 * and none twice.
 */
export class OpcuaAdapter implements FieldAdapter {
  readonly name: string;
  readonly protocol = 'opcua';
  /** One device, one connection: the device's name. */
  readonly connection: string;
  private readonly subject = new Subject<Sample>();
  readonly samples$: Observable<Sample> = this.subject.asObservable();
  private readonly items = new Map<PointId, ItemState>();
  private readonly now: () => number;
  private readonly backoff: Backoff;
  private running = false;
  private loop: Promise<void> | undefined;
  /** The connection being made or served; undefined between attempts. */
  private link: Connection | undefined;
  private wake: (() => void) | undefined;
  private log!: Logger;
  private ctx!: ComponentContext;
  /** Polling mode: ticks skipped because the previous read was still running (issue 18). */
  private skippedPolls = 0;
  private overloads: EpisodeLog | undefined;
  /** Points whose values are refused now: one warning per episode, not one per notification. */
  private refusals: EpisodeLog | undefined;
  private readonly counts = {
    connects: 0,
    connectionLosses: 0,
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
    this.name = `opcua ${device}`;
    this.connection = device;
    this.now = opts.now ?? Date.now;
    this.backoff = new Backoff(cfg.reconnect);
    for (const p of cfg.points) {
      const id = pointId(device, p.name);
      const period = opcuaExpectedPeriodMs(cfg, p);
      this.items.set(id, {
        id,
        cfg: p,
        lastEmittedAt: 0,
        staleAfterMs: staleWindowMs(period, p.staleAfterMs),
      });
    }
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
    return this.items.has(id);
  }

  start(ctx: ComponentContext): Promise<void> {
    this.ctx = ctx;
    this.log = ctx.log;
    this.overloads = new EpisodeLog({
      log: ctx.log,
      now: this.now,
      started: 'OPC UA polls skipped: reads take longer than the poll interval',
      cleared: 'OPC UA polls on time again',
    });
    this.refusals = new EpisodeLog({
      log: ctx.log,
      now: this.now,
      started: 'OPC UA value refused',
      cleared: 'OPC UA values accepted again',
      summaryEveryMs: 60_000,
    });
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
    this.wake?.();
    await this.loop;
    this.subject.complete();
  }

  details(): Record<string, unknown> {
    const problems = [...this.items.values()]
      .filter((i) => i.problem)
      .map((i) => `${i.id}: ${i.problem}`);
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
    };
  }

  async write(id: PointId, value: SampleValue): Promise<void> {
    const item = this.items.get(id);
    if (!item) throw new Error(`${id} is not on ${this.name}`);
    if (item.cfg.access === 'r') throw new Error(`${id} is not writable`);
    const session = this.link?.session;
    if (!session || !item.nodeId) throw new Error(`${this.name} is not connected`);
    if (item.dataType === undefined) item.dataType = await this.readDataType(session, item.nodeId);
    const started = performance.now();
    const status = await session.write({
      nodeId: item.nodeId,
      attributeId: AttributeIds.Value,
      value: { value: toVariant(value, item.dataType) },
    });
    this.roundTrip.observe((performance.now() - started) / 1000);
    if (qualityOfStatus(status) !== 'good')
      throw new Error(`${id}: the server answered ${status.toString()}`);
    this.counts.writes += 1;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let reason: string;
      try {
        reason = await this.connectAndServe();
      } catch (err) {
        reason = describeConnectError(err, this.cfg);
      }
      if (!this.running) break;
      const delay = this.backoff.next();
      const fields = { endpoint: this.cfg.endpoint, reason, retryInMs: delay };
      if (this.backoff.failures === 1)
        this.log.warn(fields, 'OPC UA connection failed or lost; reconnecting');
      else this.log.debug(fields, 'OPC UA connection still failing');
      this.ctx.report('degraded', `${this.cfg.endpoint}: ${reason}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** One connection, from connect to loss; resolves the reason it ended. */
  private async connectAndServe(): Promise<string> {
    const keepAliveCount = opcuaKeepAliveCount(this.cfg.publishingIntervalMs);
    const silenceMs = this.cfg.publishingIntervalMs * keepAliveCount * 2 + 1000;
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
    const client = OPCUAClient.create({
      applicationName: 'HeatBridge',
      applicationUri: this.opts.applicationUri ?? 'urn:heatbridge:controller',
      clientCertificateManager: certificates,
      securityPolicy: securityPolicyOf(this.cfg),
      securityMode: securityModeOf(this.cfg),
      endpointMustExist: false,
      // We reconnect ourselves (see the class comment); node-opcua must not try on its own.
      connectionStrategy: { maxRetry: 0, initialDelay: 1000, maxDelay: 2000 },
      keepSessionAlive: true,
      requestedSessionTimeout: Math.max(30_000, silenceMs * 2),
      defaultTransactionTimeout: this.cfg.requestTimeoutMs,
      // The socket idle timeout: a hung server is noticed without waiting for TCP.
      transportTimeout: silenceMs + 5000,
    });
    let fail!: (reason: string) => void;
    const lost = new Promise<string>((resolve) => (fail = resolve));
    let ended = false;
    const conn: Connection = {
      client,
      certificates,
      subscriptions: [],
      timers: [],
      lost,
      fail: (reason) => {
        if (ended) return;
        ended = true;
        fail(reason);
      },
    };
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
      await this.resolveNodes(conn.session);
      if (this.cfg.mode === 'polling') this.startPolling(conn);
      else await this.subscribe(conn, keepAliveCount, silenceMs);
      if (stopping()) return await lost;
      this.counts.connects += 1;
      this.backoff.reset();
      const problems = [...this.items.values()].filter((i) => i.problem).length;
      this.log.info(
        { endpoint: this.cfg.endpoint, items: this.items.size, problems },
        'OPC UA session ready',
      );
      if (problems > 0)
        this.ctx.report('degraded', `${problems} point(s) cannot be read; see details`);
      else this.ctx.report('running');
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

  private async teardown(conn: Connection, quality: 'bad' | 'stale'): Promise<void> {
    for (const t of conn.timers) clearInterval(t);
    if (this.link === conn) this.link = undefined;
    // Nothing of this device is current any more.
    const now = this.now();
    for (const item of this.items.values())
      if (item.cfg.access !== 'w') this.emitQuality(item, quality, now);
    // disconnect() waits for the server up to a transaction timeout when it hangs: bound it.
    const disconnected = conn.client.disconnect().catch(() => undefined);
    await Promise.race([disconnected, new Promise((r) => setTimeout(r, 1000).unref())]);
    await conn.certificates.dispose().catch(() => undefined);
  }

  /** NodeIds from the config (parsed) or from browse paths (translated in one request). */
  private async resolveNodes(session: ClientSession): Promise<void> {
    const byPath: ItemState[] = [];
    for (const item of this.items.values()) {
      item.problem = undefined;
      item.nodeId = undefined;
      if (item.cfg.nodeId !== undefined) {
        try {
          item.nodeId = resolveNodeId(item.cfg.nodeId);
        } catch (err) {
          item.problem = `bad nodeId "${item.cfg.nodeId}": ${(err as Error).message}`;
        }
      } else byPath.push(item);
    }
    if (byPath.length > 0) {
      const results = await session.translateBrowsePath(
        byPath.map((i) => makeBrowsePath('ObjectsFolder', i.cfg.browsePath!)),
      );
      results.forEach((r, k) => {
        const item = byPath[k]!;
        const target = r.targets?.[0];
        if (qualityOfStatus(r.statusCode) === 'good' && target) item.nodeId = target.targetId;
        else
          item.problem = `browse path ${item.cfg.browsePath} not found (${r.statusCode.toString()})`;
      });
    }
    for (const item of this.items.values()) {
      if (item.problem) {
        this.log.warn({ point: item.id, problem: item.problem }, 'OPC UA point cannot be read');
        this.emitQuality(item, 'bad', this.now());
      }
    }
  }

  private async readDataType(session: ClientSession, nodeId: NodeId): Promise<DataType> {
    const dv = await session.read({ nodeId, attributeId: AttributeIds.DataType });
    if (qualityOfStatus(dv.statusCode) !== 'good')
      throw new Error(`cannot read the data type: ${dv.statusCode.toString()}`);
    const id = dv.value.value as NodeId;
    return builtInDataType(id) ?? (await session.getBuiltInDataType(nodeId));
  }

  private async subscribe(
    conn: Connection,
    keepAliveCount: number,
    silenceMs: number,
  ): Promise<void> {
    const session = conn.session!;
    const readable = [...this.items.values()].filter((i) => i.nodeId && i.cfg.access !== 'w');
    let lastContact = this.now();
    for (let start = 0; start < readable.length; start += ITEMS_PER_SUBSCRIPTION) {
      const chunk = readable.slice(start, start + ITEMS_PER_SUBSCRIPTION);
      const sub = ClientSubscription.create(session, {
        requestedPublishingInterval: this.cfg.publishingIntervalMs,
        requestedMaxKeepAliveCount: keepAliveCount,
        requestedLifetimeCount: keepAliveCount * 4,
        maxNotificationsPerPublish: 0,
        priority: 1,
        // node-opcua's default is false: no data would ever arrive.
        publishingEnabled: true,
      });
      conn.subscriptions.push(sub);
      sub.on('error', (err: Error) => conn.fail(`subscription error: ${err.message}`));
      sub.on('internal_error', (err: Error) => conn.fail(`subscription error: ${err.message}`));
      sub.on('terminated', () => conn.fail('subscription terminated by the server'));
      sub.on('keepalive', () => {
        lastContact = this.now();
        this.counts.keepalives += 1;
        this.confirmUnchanged();
      });
      sub.on('received_notifications', () => {
        // Any publish response also confirms the unchanged items of this subscription.
        lastContact = this.now();
        this.confirmUnchanged();
      });
      await new Promise<void>((resolve, reject) => {
        sub.once('started', () => resolve());
        sub.once('error', reject);
      });
      // One CreateMonitoredItems request per combination of sampling settings.
      const groups = new Map<string, ItemState[]>();
      for (const item of chunk) {
        const sampling = item.cfg.samplingIntervalMs ?? this.cfg.samplingIntervalMs;
        const key = `${sampling}|${item.cfg.deadband?.type ?? ''}|${item.cfg.deadband?.value ?? ''}`;
        groups.set(key, [...(groups.get(key) ?? []), item]);
      }
      for (const items of groups.values()) {
        const first = items[0]!.cfg;
        const deadband = first.deadband;
        const group = await sub.monitorItems(
          items.map((i) => ({ nodeId: i.nodeId!, attributeId: AttributeIds.Value })),
          {
            samplingInterval: first.samplingIntervalMs ?? this.cfg.samplingIntervalMs,
            queueSize: this.cfg.queueSize,
            discardOldest: true,
            filter: new DataChangeFilter({
              trigger: DataChangeTrigger.StatusValue,
              deadbandType: deadband
                ? deadband.type === 'percent'
                  ? DeadbandType.Percent
                  : DeadbandType.Absolute
                : DeadbandType.None,
              deadbandValue: deadband?.value ?? 0,
            }),
          },
          TimestampsToReturn.Both,
        );
        group.monitoredItems.forEach((mi, k) => {
          const status = mi.statusCode;
          if (qualityOfStatus(status) !== 'good') {
            const item = items[k]!;
            item.problem = `monitored item refused: ${status.toString()}`;
            this.log.warn(
              { point: item.id, problem: item.problem },
              'OPC UA point cannot be monitored',
            );
            this.emitQuality(item, 'bad', this.now());
          }
        });
        group.on('changed', (_mi: ClientMonitoredItemBase, dv: DataValue, index: number) => {
          lastContact = this.now();
          this.counts.notifications += 1;
          const item = items[index];
          if (item) this.onValue(item, dv);
        });
      }
    }
    // Keep-alive watchdog: a server that stops answering (hung, network cut) is noticed here.
    conn.timers.push(
      setInterval(
        () => {
          if (this.now() - lastContact > silenceMs)
            conn.fail(`no publish response for ${silenceMs} ms`);
        },
        Math.min(1000, silenceMs / 4),
      ),
    );
  }

  private startPolling(conn: Connection): void {
    const session = conn.session!;
    const readable = [...this.items.values()].filter((i) => i.nodeId && i.cfg.access !== 'w');
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
      if (this.overloads?.cleared(this.device, { device: this.device })) {
        const problems = [...this.items.values()].filter((i) => i.problem).length;
        if (problems > 0)
          this.ctx.report('degraded', `${problems} point(s) cannot be read; see details`);
        else this.ctx.report('running');
      }
      busy = true;
      try {
        for (let start = 0; start < readable.length; start += NODES_PER_READ) {
          const chunk = readable.slice(start, start + NODES_PER_READ);
          const values = await session.read(
            chunk.map((i) => ({ nodeId: i.nodeId!, attributeId: AttributeIds.Value })),
          );
          values.forEach((dv, k) => this.onValue(chunk[k]!, dv));
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

  private onValue(item: ItemState, dv: DataValue): void {
    const { sample, problem } = sampleOfDataValue(
      dv,
      { id: item.id, unit: item.cfg.unit },
      item.last,
      this.now(),
    );
    if (problem) this.refusals?.occurred(item.id, { point: item.id, problem });
    else if (sample.quality === 'good') this.refusals?.cleared(item.id, { point: item.id });
    this.emit(item, sample);
  }

  /**
   * A keep-alive says: nothing changed beyond the deadband. Values not re-sent for half their
   * stale window are confirmed as current again, so an unchanging value does not go stale. The
   * confirmation is stamped with the time it was confirmed: stamped with the source time of the
   * last change, every confirmation of a constant value was the same historian point, and a
   * dashboard's range after the change showed no data at all.
   */
  private confirmUnchanged(): void {
    const now = this.now();
    for (const item of this.items.values()) {
      const last = item.last;
      if (!last || last.quality === 'stale' || item.problem) continue;
      if (now - item.lastEmittedAt > item.staleAfterMs / 2)
        this.emit(item, { ...last, ts: now, receivedAt: now });
    }
  }

  private emitQuality(item: ItemState, quality: 'bad' | 'stale', now: number): void {
    this.emit(item, {
      id: item.id,
      value: item.last?.value ?? null,
      ts: item.last?.ts ?? now,
      receivedAt: now,
      quality,
    });
  }

  private emit(item: ItemState, sample: Sample): void {
    item.last = sample;
    item.lastEmittedAt = sample.receivedAt;
    this.subject.next(sample);
  }
}

/** A connect failure in words an engineer can act on. */
export function describeConnectError(err: unknown, cfg: Pick<OpcuaDeviceConfig, 'pkiDir'>): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/BadCertificateUntrusted/.test(message)) {
    return `the server certificate is not trusted: it was filed under ${rejectedFolder(cfg)}; move it to trusted/certs/ there to trust it (or set trustOnFirstUse)`;
  }
  if (/BadSecurityChecksFailed/.test(message)) {
    return `the server refused our certificate (${ownCertificate(cfg)}): trust it on the server (it is in the server's rejected folder)`;
  }
  if (/BadUserAccessDenied|BadIdentityTokenRejected/.test(message))
    return `the server refused our identity: ${message}`;
  return message;
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
