import mqtt, { type MqttClient } from 'mqtt';
import { decodePayload } from './sparkplug-encode';

/**
 * The consumer side of the fleet load test: a Sparkplug host application (what a SCADA's MQTT
 * driver or Ignition's MQTT Engine is) subscribed to the group. It decodes every DDATA with
 * Eclipse Tahu's decoder and counts metrics per edge node, checks each node's `seq` runs on
 * without a gap (0–255, across NBIRTH, DBIRTH and DDATA), and records the lag from a payload's
 * timestamp to its arrival. It also reads mosquitto's own count of dropped messages
 * (`$SYS/broker/publish/messages/dropped`), so a loss can be placed.
 *
 * It runs in its own process for the load test (its CPU is then the host's, not the
 * generator's: `node host-app.js` talks over IPC) or in-process for the tests.
 */
export interface HostStats {
  messages: number;
  metrics: number;
  births: number;
  bytes: number;
  seqGaps: number;
  metricsBySite: Record<string, number>;
  /** Lag samples (ms), one per DDATA; the caller takes percentiles. */
  lagMs: number[];
  brokerDropped: number;
  decodeErrors: number;
}

export type HostDecode = 'library' | 'none';

export class HostApp {
  private client: MqttClient | undefined;
  private readonly lastSeq = new Map<string, number>();
  readonly stats: HostStats = {
    messages: 0,
    metrics: 0,
    births: 0,
    bytes: 0,
    seqGaps: 0,
    metricsBySite: {},
    lagMs: [],
    brokerDropped: 0,
    decodeErrors: 0,
  };
  /** Keep at most this many lag samples (evenly thinned): enough for p99, bounded memory. */
  private lagEvery = 1;

  constructor(
    private readonly url: string,
    private readonly group: string,
    private readonly decode: HostDecode = 'library',
  ) {}

  async start(): Promise<void> {
    const client = await mqtt.connectAsync(this.url, {
      clientId: `fleet-host-${process.pid}`,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 0,
    });
    this.client = client;
    client.on('message', (t, payload) => this.onMessage(t, payload));
    await client.subscribeAsync({
      [`spBv1.0/${this.group}/#`]: { qos: 0 },
      '$SYS/broker/publish/messages/dropped': { qos: 0 },
    });
  }

  private onMessage(t: string, payload: Buffer): void {
    if (t.startsWith('$SYS/')) {
      this.stats.brokerDropped = Number(payload.toString()) || 0;
      return;
    }
    // spBv1.0/<group>/<type>/<edge>[/<device>]
    const parts = t.split('/');
    const type = parts[2];
    const edge = parts[3]!;
    if (type === 'NDEATH' || type === 'STATE') return;
    if (type === 'NBIRTH') this.lastSeq.set(edge, -1);
    let seq: number;
    let count: number;
    let ts: number;
    try {
      if (this.decode === 'library') {
        const p = decodePayload(payload);
        seq = Number(p.seq);
        ts = Number(p.timestamp);
        count = p.metrics?.length ?? 0;
      } else {
        ({ seq, ts, count } = scan(payload));
      }
    } catch {
      this.stats.decodeErrors++;
      return;
    }
    const last = this.lastSeq.get(edge);
    if (last !== undefined && last !== -1 && seq !== (last + 1) % 256) this.stats.seqGaps++;
    this.lastSeq.set(edge, seq);
    if (type !== 'DDATA') {
      if (type === 'NBIRTH' || type === 'DBIRTH') this.stats.births++;
      return;
    }
    this.stats.messages++;
    this.stats.metrics += count;
    this.stats.bytes += payload.length;
    this.stats.metricsBySite[edge] = (this.stats.metricsBySite[edge] ?? 0) + count;
    if (this.stats.messages % this.lagEvery === 0) {
      this.stats.lagMs.push(Date.now() - ts);
      if (this.stats.lagMs.length >= 200_000) {
        this.stats.lagMs = this.stats.lagMs.filter((_, i) => i % 2 === 0);
        this.lagEvery *= 2;
      }
    }
  }

  async stop(): Promise<void> {
    await this.client?.endAsync();
  }
}

/**
 * Without decoding: walks the payload's top-level fields (timestamp 1, metrics 2, seq 3) and
 * counts the metrics. For measuring what the library's decoding costs the host.
 */
function scan(b: Buffer): { seq: number; ts: number; count: number } {
  let pos = 0;
  let seq = 0;
  let ts = 0;
  let count = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const byte = b[pos++]!;
      v += (byte & 0x7f) * mul;
      if (byte < 0x80) return v;
      mul *= 128;
    }
  };
  while (pos < b.length) {
    const tag = varint();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) {
      const v = varint();
      if (field === 1) ts = v;
      else if (field === 3) seq = v;
    } else if (wire === 2) {
      const len = varint();
      if (field === 2) count++;
      pos += len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`wire type ${wire}`);
  }
  return { seq, ts, count };
}

/** As a child process: `start` → `ready`; `stats` → the stats; `stop` → exit. */
if (require.main === module) {
  let host: HostApp | undefined;
  process.on('message', (m: { cmd: string; url?: string; group?: string; decode?: HostDecode }) => {
    void (async () => {
      if (m.cmd === 'start') {
        host = new HostApp(m.url!, m.group!, m.decode ?? 'library');
        await host.start();
        process.send!({ ready: true });
      } else if (m.cmd === 'stats') {
        process.send!({ stats: host?.stats });
      } else if (m.cmd === 'stop') {
        await host?.stop();
        process.exit(0);
      }
    })();
  });
}
