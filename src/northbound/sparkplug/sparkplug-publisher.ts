import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Subscription } from 'rxjs';
import { brokerUrlForLog, type SparkplugConfig } from '../../config/sparkplug';
import type { Logger } from '../../log';
import type { Component, ComponentContext } from '../../runtime/component';
import { Backoff } from '../../util/backoff';
import { ReconnectLog } from '../../util/reconnect-log';
import { WakeableSleep } from '../../util/wakeable-sleep';
import type { NorthboundDeps } from '../northbound-deps';
import { ChangeBatcher, type DeviceBatch } from './change-batcher';
import { CommandInbox } from './commands';
import { DataSpool } from './data-spool';
import {
  encodeDbirth,
  encodeDdata,
  encodeNbirth,
  encodeNdata,
  encodeNdeath,
  MetricCatalog,
  type MetricEntry,
  type NodeMetric,
} from './metrics';
import { MqttSession } from './mqtt-session';
import { changedNodeMetrics, kpiMetrics } from './node-metrics';
import { BdSeqStore, SeqCounter } from './sequence';
import { deviceTopic, nodeTopic, parseHostState, stateTopic, type EdgeIds } from './topics';

/**
 * HeatBridge as a Sparkplug B edge node (docs/sparkplug.md). Every HeatBridge device is a
 * Sparkplug device. Changes are collected for `publishIntervalMs` and sent as one DDATA per
 * device while the node is "live": connected, born (NBIRTH/DBIRTHs sent) and, with a primary
 * host configured, that host online. Otherwise, and while older data is still in the spool, they
 * go to the disk spool; after a (re)birth the spool is replayed oldest first as historical data
 * (QoS 1, a segment deleted only once the broker acknowledged all of it), then live data goes
 * out directly again. So within a point, values arrive in order and none is skipped.
 */
export class SparkplugPublisher implements Component {
  readonly name = 'sparkplug';
  readonly readyWhenReported = true;

  private readonly ids: EdgeIds;
  private readonly catalog: MetricCatalog;
  private readonly batcher = new ChangeBatcher();
  private readonly seq = new SeqCounter();
  private readonly log: Logger;
  private spool: DataSpool | undefined;
  private bdSeqStore: BdSeqStore | undefined;
  private ctx: ComponentContext | undefined;
  private samplesSub: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly sleep = new WakeableSleep();
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private stopped = false;
  /** The broker URL as logged (without user info). */
  private readonly logUrl: string;

  private session: MqttSession | undefined;
  private sessionBdSeq: number | undefined;
  /** NBIRTH and DBIRTHs sent in this session (and the primary host online). */
  private born = false;
  private hostOnline: boolean;
  private hostStateAt = 0;
  /** The session is being ended because the primary host went offline (not a lost connection). */
  private leavingForHost = false;
  private ending: { session: MqttSession; done: Promise<void> } | undefined;
  private replaying = false;
  /** Live DDATA sent but not yet done (acknowledged, for QoS 1), in send order. */
  private readonly inflight = new Map<number, DeviceBatch>();
  private inflightSeq = 0;
  private readonly nodeSent = new Map<string, NodeMetric['value']>();
  private readonly commands: CommandInbox;
  private readonly counts = {
    published: 0,
    historical: 0,
    spooled: 0,
    births: 0,
    sessions: 0,
    failedConnects: 0,
  };

  constructor(
    readonly cfg: SparkplugConfig,
    readonly deps: NorthboundDeps,
  ) {
    this.ids = { groupId: cfg.groupId, edgeNodeId: cfg.edgeNodeId ?? deps.site.site.id };
    this.catalog = new MetricCatalog(deps.defs.values());
    this.log = deps.log.child({ component: 'sparkplug' });
    // NCMD rebirths, at most one per few seconds (REBIRTH_MIN_INTERVAL_MS).
    this.commands = new CommandInbox(this.ids, this.log, deps.now, () => {
      const session = this.session;
      if (session && this.born) void this.birth(session);
    });
    this.logUrl = brokerUrlForLog(cfg.url);
    this.hostOnline = cfg.primaryHostId === undefined;
  }

  start(ctx: ComponentContext): Promise<void> {
    this.ctx = ctx;
    const now = this.deps.now;
    // First what can fail: a missing CA file fails the start with its path.
    const ca = this.cfg.caFile ? readFileSync(resolve(this.cfg.caFile)) : undefined;
    const spool = new DataSpool({
      dir: resolve(this.cfg.spool.dir),
      maxBytes: this.cfg.spool.maxBytes,
      log: this.log,
      now,
    });
    spool.open();
    this.spool = spool;
    this.bdSeqStore = new BdSeqStore(resolve(this.cfg.stateFile), this.log, now);
    this.bdSeqStore.load();
    this.samplesSub = this.deps.samples$.subscribe((s) => {
      const entry = this.catalog.get(s.id);
      if (entry) this.batcher.offer(entry, s);
    });
    this.timer = setInterval(() => this.flush(), this.cfg.publishIntervalMs);
    this.loop = this.run(ca);
    this.log.info(
      {
        url: this.logUrl,
        groupId: this.ids.groupId,
        edgeNodeId: this.ids.edgeNodeId,
        devices: this.catalog.devices().length,
        metrics: this.catalog.size,
        primaryHostId: this.cfg.primaryHostId,
      },
      'Sparkplug publisher started',
    );
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.commands.rebirths.cancel();
    this.samplesSub?.unsubscribe();
    this.sleep.wake();
    this.abort.abort();
    const session = this.session;
    // What was sent but not acknowledged, then what was collected but not sent, goes to the
    // spool (in that order: oldest first): sent as historical data next time.
    this.sessionEnded();
    this.spoolBatches(this.batcher.drain().values());
    if (session?.isOpen) await this.disconnect(session);
    await this.loop;
    this.spool?.close();
  }

  /**
   * A deliberate disconnect: NDEATH, then DISCONNECT (Sparkplug 3.0: the DISCONNECT makes the
   * broker drop the will, so the NDEATH is published by hand). The NDEATH is acknowledged, or
   * given up after 2 s: a broker that hangs must not hold up a stop. Once per session (a stop
   * during the primary host's departure waits for that one).
   */
  private disconnect(session: MqttSession): Promise<void> {
    if (this.ending?.session !== session) {
      const bdSeq = this.sessionBdSeq;
      const death =
        bdSeq === undefined
          ? undefined
          : { topic: nodeTopic(this.ids, 'NDEATH'), payload: encodeNdeath(bdSeq, this.deps.now()) };
      this.ending = { session, done: session.endAfter(death, 2000) };
    }
    return this.ending.done;
  }

  details(): Record<string, unknown> {
    const spool = this.spool?.stats();
    return {
      connected: this.session?.isOpen ?? false,
      born: this.born,
      hostOnline: this.hostOnline,
      bdSeq: this.sessionBdSeq ?? this.bdSeqStore?.next,
      seq: this.seq.upcoming,
      edgeNode: `${this.ids.groupId}/${this.ids.edgeNodeId}`,
      published: this.counts.published,
      historicalPublished: this.counts.historical,
      spooled: spool?.lines ?? 0,
      spooledTotal: this.counts.spooled,
      oldestSpooledAgeMs: spool?.oldestAgeMs ?? 0,
      dropped: spool?.dropped ?? 0,
      droppedUnknownPoints: this.spool?.unknown ?? 0,
      droppedCorruptLines: this.spool?.corrupt ?? 0,
      quarantinedSegments: this.spool?.quarantined ?? 0,
      births: this.counts.births,
      sessions: this.counts.sessions,
      failedConnects: this.counts.failedConnects,
      ...this.commands.counts(),
    };
  }

  /** Tests: the MQTT socket dies as in a crash (the broker then publishes the will). */
  killConnectionForTest(): void {
    this.session?.destroySocket();
  }

  /** The connection loop: one session at a time, capped exponential backoff in between. */
  private async run(ca: Buffer | undefined): Promise<void> {
    const backoff = new Backoff(this.cfg.reconnect, Math.random);
    const rlog = new ReconnectLog({ name: 'sparkplug', log: this.log, now: this.deps.now });
    const store = this.bdSeqStore!;
    while (!this.stopped) {
      const bdSeq = store.next;
      let session: MqttSession;
      try {
        session = await MqttSession.open({
          url: this.cfg.url,
          clientId: this.cfg.clientId ?? `heatbridge-${this.ids.groupId}-${this.ids.edgeNodeId}`,
          ...(this.cfg.username !== undefined ? { username: this.cfg.username } : {}),
          ...(this.cfg.password ? { password: this.cfg.password } : {}),
          ...(ca ? { ca } : {}),
          keepaliveMs: this.cfg.keepaliveMs,
          connectTimeoutMs: this.cfg.connectTimeoutMs,
          will: {
            topic: nodeTopic(this.ids, 'NDEATH'),
            payload: encodeNdeath(bdSeq, this.deps.now()),
          },
          signal: this.abort.signal,
        });
      } catch (err) {
        if (this.stopped) break;
        this.counts.failedConnects += 1;
        const reason = (err as Error).message;
        rlog.failed(reason, /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT/.test(reason), {
          url: this.logUrl,
        });
        if (rlog.attempts === 1) this.ctx?.report('degraded', `MQTT broker: ${reason}`);
        await this.sleep.sleep(backoff.next());
        continue;
      }
      if (this.stopped) {
        await session.end(true);
        break;
      }
      store.commit(bdSeq);
      this.session = session;
      this.sessionBdSeq = bdSeq;
      this.counts.sessions += 1;
      backoff.reset();
      rlog.connected({ url: this.logUrl, bdSeq });
      session.onEnd(() => this.sessionEnded());
      // Each session learns the primary host's state afresh (its retained STATE message).
      if (this.cfg.primaryHostId) this.hostOnline = false;
      session.onMessage((topic, payload) => this.onMessage(session, topic, payload));
      await this.begin(session);
      const reason = await session.closed;
      if (this.stopped) break;
      if (this.leavingForHost) {
        this.leavingForHost = false;
        this.log.info(
          'Sparkplug: disconnected while the primary host is offline; connecting again',
        );
        await this.sleep.sleep(backoff.next());
        continue;
      }
      rlog.lost(reason, { url: this.logUrl });
      this.ctx?.report('degraded', `MQTT broker connection lost: ${reason}`);
      await this.sleep.sleep(backoff.next());
    }
  }

  /** A session's start: subscriptions, then the births (at once, or when the host is online). */
  private async begin(session: MqttSession): Promise<void> {
    const topics = [
      nodeTopic(this.ids, 'NCMD'),
      deviceTopic(this.ids, 'DCMD', '+'),
      ...(this.cfg.primaryHostId ? [stateTopic(this.cfg.primaryHostId)] : []),
    ];
    try {
      await session.subscribe(topics);
      // The retained STATE may have been handled before the SUBACK's callback: already born.
      if (this.hostOnline) {
        if (!this.born) await this.birth(session);
      } else {
        this.ctx?.report('running', 'connected; waiting for the primary host to be online');
        this.log.info(
          { primaryHostId: this.cfg.primaryHostId },
          'Sparkplug: connected; data is held until the primary host application is online',
        );
      }
    } catch (err) {
      if (session.isOpen) this.log.warn({ err }, 'Sparkplug: session start failed');
    }
  }

  /** NBIRTH (seq 0, bdSeq), a DBIRTH per device with every metric, then the spool's replay. */
  private async birth(session: MqttSession): Promise<void> {
    try {
      await this.publishBirths(session);
    } catch (err) {
      // The session ended meanwhile: the next one is born again.
      if (session.isOpen) this.log.warn({ err }, 'Sparkplug: birth failed');
      return;
    }
    void this.replay(session);
  }

  private async publishBirths(session: MqttSession): Promise<void> {
    if (!session.isOpen || this.sessionBdSeq === undefined) return;
    const now = this.deps.now();
    this.seq.reset();
    const node = this.nodeMetrics(now);
    const sends: Promise<void>[] = [
      session.publish(nodeTopic(this.ids, 'NBIRTH'), encodeNbirth(this.sessionBdSeq, node, now), 0),
    ];
    for (const m of node) this.nodeSent.set(m.name, m.value);
    for (const device of this.catalog.devices()) {
      const entries = this.catalog.ofDevice(device);
      const current = (e: MetricEntry) => {
        const s = this.deps.latest.get(e.id);
        if (!s) return undefined;
        // DDATA after this is judged against what the DBIRTH said.
        this.batcher.seed(e.id, s.value, s.quality);
        return { value: s.value, ts: s.ts, quality: s.quality };
      };
      const payload = encodeDbirth(entries, current, this.seq.next(), now);
      sends.push(session.publish(deviceTopic(this.ids, 'DBIRTH', device), payload, 0));
    }
    this.born = true;
    this.counts.births += 1;
    this.ctx?.report('running');
    this.log.info(
      { bdSeq: this.sessionBdSeq, devices: this.catalog.devices().length },
      'Sparkplug: NBIRTH and DBIRTHs published',
    );
    await Promise.all(sends);
  }

  /** Sends the spool's data, oldest first, as historical DDATA; live data waits behind it. */
  private async replay(session: MqttSession): Promise<void> {
    if (this.replaying || !this.spool) return;
    this.replaying = true;
    let sent = 0;
    try {
      while (this.born && session.isOpen && !this.stopped) {
        const taken = this.spool.take(this.catalog);
        if (!taken) break;
        try {
          await Promise.all(taken.batches.map((b) => this.sendBatch(session, b, 1, true)));
        } catch (err) {
          if (session.isOpen && !this.stopped) throw err;
          // Not all acknowledged: the whole segment is sent again in the next session.
          this.spool.release();
          break;
        }
        this.spool.ack(taken.segment);
        sent += taken.batches.length;
      }
    } catch (err) {
      // The segment itself (unreadable, or refused while connected): retried at the next
      // interval, set aside after a few attempts, so it cannot hold back newer data for ever.
      this.spool.failed(err);
    } finally {
      this.replaying = false;
    }
    if (sent > 0)
      this.log.info({ batches: sent }, 'Sparkplug: stored data sent as historical data');
  }

  private sendBatch(
    session: MqttSession,
    batch: DeviceBatch,
    qos: 0 | 1,
    historical: boolean,
  ): Promise<void> {
    const device = batch[0]!.entry.device;
    const payload = encodeDdata(batch, this.seq.next(), this.deps.now(), historical);
    return session.publish(deviceTopic(this.ids, 'DDATA', device), payload, qos).then(() => {
      if (historical) this.counts.historical += batch.length;
      else this.counts.published += batch.length;
    });
  }

  /** Each publish interval: the collected changes go out live, or to the spool. */
  private flush(): void {
    const batches = this.batcher.drain();
    const session = this.session;
    const live =
      this.born && !this.replaying && session?.isOpen === true && this.spool?.stats().lines === 0;
    if (batches.size > 0) {
      if (live) {
        for (const batch of batches.values()) {
          const key = this.inflightSeq++;
          this.inflight.set(key, batch);
          this.sendBatch(session, batch, this.cfg.dataQos, false).then(
            () => this.inflight.delete(key),
            () => undefined, // the session's end puts what is still in flight into the spool
          );
        }
      } else {
        this.spoolBatches(batches.values());
        // Connected and born, but older data waits: make sure its replay runs.
        if (this.born && session?.isOpen && !this.replaying) void this.replay(session);
      }
    }
    if (this.born && session?.isOpen) this.publishNodeData(session);
  }

  private publishNodeData(session: MqttSession): void {
    if (!this.cfg.kpis) return;
    const now = this.deps.now();
    const changed = changedNodeMetrics(this.nodeMetrics(now), this.nodeSent);
    if (changed.length === 0) return;
    for (const m of changed) this.nodeSent.set(m.name, m.value);
    session
      .publish(nodeTopic(this.ids, 'NDATA'), encodeNdata(changed, this.seq.next(), now), 0)
      .catch(() => undefined); // KPIs are recomputed; not stored
  }

  private nodeMetrics(now: number): NodeMetric[] {
    const info: NodeMetric[] = [
      { name: 'Node Info/Site', type: 'String', value: this.deps.site.site.id },
      { name: 'Node Info/Site Name', type: 'String', value: this.deps.site.site.name },
    ];
    if (!this.cfg.kpis) return info;
    try {
      return [...info, ...kpiMetrics(this.deps.kpis(now))];
    } catch (err) {
      this.log.debug({ err }, 'Sparkplug: KPIs not available');
      return info;
    }
  }

  private spoolBatches(batches: Iterable<DeviceBatch>): void {
    if (!this.spool) return;
    const list = [...batches].filter((b) => b.length > 0);
    if (list.length === 0) return;
    try {
      this.spool.append(list);
      this.counts.spooled += list.reduce((n, b) => n + b.length, 0);
    } catch (err) {
      this.log.error({ err, batches: list.length }, 'Sparkplug: could not store data in the spool');
    }
  }

  /** The session is over: not born any more; what was in flight goes to the spool first. */
  private sessionEnded(): void {
    this.born = false;
    if (this.inflight.size > 0) {
      const pending = [...this.inflight.values()];
      this.inflight.clear();
      this.spoolBatches(pending);
    }
  }

  private onMessage(session: MqttSession, topic: string, payload: Buffer): void {
    if (this.cfg.primaryHostId && topic === stateTopic(this.cfg.primaryHostId)) {
      this.onHostState(session, payload);
      return;
    }
    this.commands.handle(topic, payload, this.born && session === this.session);
  }

  private onHostState(session: MqttSession, payload: Buffer): void {
    // A message of a session that is over (or being ended) births nothing.
    if (session !== this.session || !session.isOpen || this.leavingForHost) return;
    const state = parseHostState(payload);
    if (!state) {
      this.log.warn('Sparkplug: primary host STATE message not understood (expected JSON)');
      return;
    }
    // Sparkplug 3.0: a STATE older than the last one seen is stale (a late retained copy).
    if (state.timestamp < this.hostStateAt) return;
    this.hostStateAt = state.timestamp;
    if (state.online === this.hostOnline) return;
    this.hostOnline = state.online;
    this.log.info(
      { primaryHostId: this.cfg.primaryHostId, online: state.online },
      state.online
        ? 'Sparkplug: primary host online; publishing'
        : 'Sparkplug: primary host offline; NDEATH, disconnecting; data held in the spool',
    );
    if (state.online) {
      if (!this.born) void this.birth(session);
      return;
    }
    // Sparkplug 3.0 (operational-behavior-primary-application-state-with-multiple-servers-walk):
    // the edge node must end its session (NDEATH, DISCONNECT) and move on. With one broker, it
    // connects to the same one again (a new bdSeq) and births once the host is online there.
    this.born = false;
    this.leavingForHost = true;
    void this.disconnect(session);
  }
}
