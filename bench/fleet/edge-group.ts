import mqtt, { type MqttClient } from 'mqtt';
import { sleep } from '../lib';
import { emptyEdgeStats, FleetEdge, topic, type EdgeStats } from './edge';
import type { FleetLoadOptions } from './fleet-options';
import { emptyWriteStats, SiteLineWriter, type WriteStats } from './line-writer';
import { sitePoints } from './site-points';
import { ndeath } from './sparkplug-encode';

/**
 * A share of the fleet's sites — `from` to `to` of the global list — with their MQTT connections
 * and historian writers, run on one schedule. The load test runs one group in its own process,
 * or several in worker processes (`--workers`), since one JavaScript thread cannot do the work
 * of 100 sites' edges at once: each site's tick is placed at `i × interval / sites` into every
 * interval, by its global index `i`, so the groups together spread the fleet evenly.
 */
export interface GroupResult {
  edge: EdgeStats;
  write: WriteStats;
  /** How late each measured tick began (ms); ticks more than one interval late. */
  lateness: number[];
  lateTicks: number;
  /** Counts when the measured window began and when the last tick was sent. */
  steadySent: number;
  steadyAcked: number;
  sentAtEnd: number;
  ackedAtEnd: number;
}

export const siteName = (o: Pick<FleetLoadOptions, 'sitePrefix'>, i: number): string =>
  `${o.sitePrefix}-${String(i + 1).padStart(3, '0')}`;

export class EdgeGroup {
  private readonly edges: FleetEdge[];
  private clients: MqttClient[] = [];
  private readonly writers: SiteLineWriter[];
  readonly estats: EdgeStats = emptyEdgeStats();
  readonly wstats: WriteStats = emptyWriteStats();
  private result: Omit<GroupResult, 'edge' | 'write'> = {
    lateness: [],
    lateTicks: 0,
    steadySent: 0,
    steadyAcked: 0,
    sentAtEnd: 0,
    ackedAtEnd: 0,
  };

  constructor(
    private readonly o: Omit<FleetLoadOptions, 'progress'>,
    private readonly from: number,
    to: number,
    private readonly mqttUrl: string,
    vmUrl: string,
  ) {
    const devices = sitePoints(o.points, o.pointsPerDevice);
    this.edges = [];
    for (let i = from; i < to; i++)
      this.edges.push(
        new FleetEdge(o.group, siteName(o, i), i, devices, o.encoder, o.qos, 0, o.lineEncoder),
      );
    this.writers = this.edges.map(
      () => new SiteLineWriter(`${vmUrl}${o.writePath}`, this.wstats, 5000, o.gzipLevel),
    );
  }

  get pointsPerSite(): number {
    return this.edges[0]?.pointCount ?? 0;
  }

  private clientOf(k: number): MqttClient {
    return this.clients[k % this.clients.length]!;
  }

  /**
   * Connects, fills the encoders' caches, publishes the births, then sends tick 0 — every
   * series' first sample, so VictoriaMetrics registers the new series (a one-time cost when a
   * site joins, seconds on this machine) before the measured ticks — and waits for its acks.
   */
  async setup(tick0: number): Promise<void> {
    const o = this.o;
    const share = o.connections > 0 ? o.connections : o.sites;
    const n = Math.max(
      1,
      Math.min(this.edges.length, Math.round((share * this.edges.length) / o.sites)),
    );
    for (let i = 0; i < n; i += 20) {
      const batch = [];
      for (let j = i; j < Math.min(n, i + 20); j++) {
        const own = n === this.edges.length ? this.edges[j]! : undefined;
        batch.push(
          mqtt.connectAsync(this.mqttUrl, {
            clientId: `fleet-edge-${o.sitePrefix}-${this.from + j}`,
            protocolVersion: 4,
            clean: true,
            keepalive: 30,
            reconnectPeriod: 0,
            // The edge's death certificate, as Sparkplug asks (when the connection is its own).
            ...(own
              ? {
                  will: {
                    topic: topic(o.group, 'NDEATH', own.site),
                    payload: Buffer.from(ndeath(own.bdSeq)),
                    qos: 1 as const,
                    retain: false,
                  },
                }
              : {}),
          }),
        );
      }
      this.clients.push(...(await Promise.all(batch)));
    }
    for (const e of this.edges) e.prime();
    const birthTs = Date.now();
    for (let i = 0; i < this.edges.length; i += 10)
      await Promise.all(
        this.edges.slice(i, i + 10).map((e, j) => e.birth(this.clientOf(i + j), birthTs)),
      );
    // Stamped when sent (not before the connections and births), and never before `tick0`, the
    // start of the window the stored samples are counted in.
    const ts = Math.max(tick0, Date.now());
    this.edges.forEach((e, k) => e.tick(this.clientOf(k), 0, ts, this.writers[k]!, this.estats));
    await Promise.all(this.writers.map((w) => w.idle()));
  }

  /** Ticks 1…ticks on the shared schedule from `t0`; counts lateness after the warm-up. */
  async run(t0: number, progress: (line: string) => void): Promise<void> {
    const o = this.o;
    const ticks = Math.max(1, Math.round((o.seconds * 1000) / o.intervalMs));
    const warmTicks = Math.min(ticks - 1, Math.round((o.warmupS * 1000) / o.intervalMs));
    const r = this.result;
    let lastProgress = Date.now();
    for (let k = 1; k <= ticks; k++) {
      if (k === warmTicks + 1) {
        r.steadySent = this.estats.sentMetrics;
        r.steadyAcked = this.wstats.ackedLines;
        this.wstats.ackLagMs.length = 0;
      }
      for (let j = 0; j < this.edges.length; j++) {
        const i = this.from + j;
        const due = t0 + k * o.intervalMs + Math.floor((i * o.intervalMs) / o.sites);
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
        // Behind schedule: still let I/O (acks, socket writes) run between sites.
        else await new Promise((resolve) => setImmediate(resolve));
        const late = Date.now() - due;
        if (k > warmTicks) {
          r.lateness.push(late);
          if (late > o.intervalMs) r.lateTicks++;
        }
        this.edges[j]!.tick(this.clientOf(j), k, due, this.writers[j]!, this.estats);
      }
      if (Date.now() - lastProgress > 5000) {
        lastProgress = Date.now();
        progress(
          `sites ${this.from + 1}–${this.from + this.edges.length}: tick ${k}/${ticks}, sent ${this.estats.sentMetrics}, acked ${this.wstats.ackedLines}, pending ${this.wstats.pendingLines}`,
        );
      }
    }
    r.sentAtEnd = this.estats.sentMetrics;
    r.ackedAtEnd = this.wstats.ackedLines;
  }

  /** Waits until every write is acknowledged (at most two minutes) and the sockets are flushed. */
  async drain(): Promise<GroupResult> {
    let giveUp: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.writers.map((w) => w.idle())),
      new Promise((resolve) => (giveUp = setTimeout(resolve, 120_000))),
    ]);
    clearTimeout(giveUp);
    for (const c of this.clients) await c.endAsync();
    this.clients = [];
    return { ...this.result, edge: this.estats, write: this.wstats };
  }

  async close(): Promise<void> {
    for (const c of this.clients) await c.endAsync(true);
  }
}

/** As a worker process (`--workers`): commands from the load test over IPC. */
if (require.main === module) {
  let group: EdgeGroup | undefined;
  const send = (m: Record<string, unknown>): void => void process.send!(m);
  process.on(
    'message',
    (m: {
      cmd: string;
      o?: Omit<FleetLoadOptions, 'progress'>;
      from?: number;
      to?: number;
      mqttUrl?: string;
      vmUrl?: string;
      tick0?: number;
      t0?: number;
    }) => {
      void (async () => {
        try {
          if (m.cmd === 'setup') {
            group = new EdgeGroup(m.o!, m.from!, m.to!, m.mqttUrl!, m.vmUrl!);
            await group.setup(m.tick0!);
            send({ ready: group.pointsPerSite });
          } else if (m.cmd === 'run') {
            await group!.run(m.t0!, (line) => process.stderr.write(`[fleet worker] ${line}\n`));
            send({ ran: true });
          } else if (m.cmd === 'drain') {
            send({ result: await group!.drain() });
          } else if (m.cmd === 'close') {
            await group?.close();
            process.exit(0);
          }
        } catch (err) {
          send({ error: err instanceof Error ? err.message : String(err) });
        }
      })();
    },
  );
}
