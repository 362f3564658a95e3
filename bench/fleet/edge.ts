import type { MqttClient } from 'mqtt';
import type { PointDef } from '../../src/domain/point';
import type { PointId } from '../../src/domain/point-id';
import type { Sample } from '../../src/domain/sample';
import { encodeLine } from '../../src/historian/line-protocol';
import { sampleRecord } from '../../src/historian/schema';
import type { SiteLineWriter } from './line-writer';
import { valueAt, type FleetDevice } from './site-points';
import { dbirth, ddataLibrary, DirectDdataEncoder, nbirth } from './sparkplug-encode';

export type DdataEncoder = 'library' | 'direct';
/**
 * `historian`: every line through `sampleRecord` and `encodeLine`, as HeatBridge's historian
 * makes it. `direct`: the series key of each point encoded once that way, then each line is that
 * key, the value and the time (the same bytes; what a historian that keeps one prefix per point
 * would do).
 */
export type LineEncoder = 'historian' | 'direct';

/** What the edges sent, summed over all of them. */
export interface EdgeStats {
  ticks: number;
  sentMetrics: number;
  sentMessages: number;
  sentBytes: number;
  linesWritten: number;
}

export const emptyEdgeStats = (): EdgeStats => ({
  ticks: 0,
  sentMetrics: 0,
  sentMessages: 0,
  sentBytes: 0,
  linesWritten: 0,
});

export const topic = (group: string, type: string, edge: string, device?: string): string =>
  `spBv1.0/${group}/${type}/${edge}${device ? `/${device}` : ''}`;

interface DeviceState {
  device: FleetDevice;
  aliases: number[];
  bools: boolean[];
  values: number[];
  /** One definition object per point of this site: the historian's tag cache is keyed by it. */
  defs: Pick<PointDef, 'kind' | 'unit'>[];
  ids: PointId[];
  topic: string;
  /** `<series key> value=` per point, for the direct line encoder (made at the first tick). */
  prefixes?: string[];
}

/**
 * One simulated HeatBridge edge: a Sparkplug B edge node (NBIRTH, a DBIRTH per device, then a
 * DDATA per device and tick with aliases only, `seq` 0–255 across all of the node's messages)
 * and a historian writing the same samples as line protocol (`sampleRecord` and `encodeLine`,
 * the historian's own code, so the series are exactly what a HeatBridge site stores).
 */
export class FleetEdge {
  private seq = 0;
  private readonly devices: DeviceState[];
  private readonly direct = new DirectDdataEncoder();

  constructor(
    readonly group: string,
    readonly site: string,
    readonly siteIndex: number,
    devices: FleetDevice[],
    private readonly encoder: DdataEncoder,
    private readonly qos: 0 | 1,
    readonly bdSeq = 0,
    private readonly lineEncoder: LineEncoder = 'historian',
  ) {
    let alias = 1; // 1, 2, … as HeatBridge's publisher numbers them (docs/sparkplug.md)
    this.devices = devices.map((device) => ({
      device,
      aliases: device.points.map(() => alias++),
      bools: device.points.map((p) => p.bool),
      values: device.points.map(() => 0),
      defs: device.points.map((p) => ({ kind: p.kind, unit: p.unit })),
      ids: device.points.map((p) => `${p.device}/${p.name}` as PointId),
      topic: topic(group, 'DDATA', site, device.name),
    }));
  }

  get pointCount(): number {
    return this.devices.reduce((n, d) => n + d.values.length, 0);
  }

  private nextSeq(): number {
    const s = this.seq;
    this.seq = (this.seq + 1) % 256;
    return s;
  }

  /** NBIRTH (seq 0) and every DBIRTH, with the values of tick 0. */
  async birth(client: MqttClient, ts: number): Promise<void> {
    this.seq = 0;
    await client.publishAsync(
      topic(this.group, 'NBIRTH', this.site),
      Buffer.from(nbirth(this.bdSeq, ts)),
      {
        qos: 1,
      },
    );
    this.nextSeq();
    for (const d of this.devices) {
      this.fill(d, 0);
      const payload = dbirth(d.device, d.aliases, d.values, ts, this.nextSeq());
      await client.publishAsync(
        topic(this.group, 'DBIRTH', this.site, d.device.name),
        Buffer.from(payload),
        {
          qos: 1,
        },
      );
    }
  }

  /**
   * Encodes one line per point and throws it away, before the clock starts: the historian's
   * caches (tags per point, escaped series keys) are filled, as at a running site after its first
   * cycle, so the first measured tick does not pay for 200,000 first encodings at once.
   */
  prime(): void {
    for (const d of this.devices) {
      if (this.lineEncoder === 'direct') d.prefixes ??= this.prefixesOf(d);
      else
        d.ids.forEach((id, i) =>
          encodeLine(
            sampleRecord(this.site, d.defs[i]!, {
              id,
              value: 0,
              ts: 1,
              receivedAt: 1,
              quality: 'good',
            }),
          ),
        );
    }
  }

  /** Each point's `<series key> value=`, cut from a line the historian's code encoded. */
  private prefixesOf(d: DeviceState): string[] {
    return d.ids.map((id, i) => {
      const line = encodeLine(
        sampleRecord(this.site, d.defs[i]!, {
          id,
          value: 0,
          ts: 1,
          receivedAt: 1,
          quality: 'good',
        }),
      );
      return line.slice(0, line.lastIndexOf(' value=') + ' value='.length);
    });
  }

  private fill(d: DeviceState, tick: number): void {
    const pts = d.device.points;
    for (let i = 0; i < pts.length; i++) d.values[i] = valueAt(pts[i]!, this.siteIndex, i, tick);
  }

  /** One interval: every point changed; a DDATA per device and the lines to the historian. */
  tick(
    client: MqttClient,
    tick: number,
    ts: number,
    writer: SiteLineWriter,
    stats: EdgeStats,
  ): void {
    const lines: string[] = [];
    for (const d of this.devices) {
      this.fill(d, tick);
      const seq = this.nextSeq();
      const payload =
        this.encoder === 'direct'
          ? this.direct.encode(d.aliases, d.bools, d.values, ts, seq)
          : Buffer.from(ddataLibrary(d.device, d.aliases, d.values, ts, seq));
      client.publish(d.topic, payload, { qos: this.qos });
      stats.sentMessages++;
      stats.sentMetrics += d.values.length;
      stats.sentBytes += payload.length;
      if (this.lineEncoder === 'direct') {
        const prefixes = (d.prefixes ??= this.prefixesOf(d));
        const time = ` ${ts}000000`;
        for (let i = 0; i < d.values.length; i++) lines.push(prefixes[i]! + d.values[i]! + time);
      } else {
        for (let i = 0; i < d.values.length; i++) {
          const sample: Sample = {
            id: d.ids[i]!,
            value: d.values[i]!,
            ts,
            receivedAt: ts,
            quality: 'good',
          };
          lines.push(encodeLine(sampleRecord(this.site, d.defs[i]!, sample)));
        }
      }
    }
    stats.linesWritten += lines.length;
    stats.ticks++;
    // Batches of at most 5,000 lines, as the historian sends them.
    if (lines.length <= 5000) writer.write(lines.join('\n'), lines.length, ts);
    else
      for (let k = 0; k < lines.length; k += 5000) {
        const part = lines.slice(k, k + 5000);
        writer.write(part.join('\n'), part.length, ts);
      }
  }
}
