import {
  encodePayload,
  type UMetric,
  type UPropertyValue,
} from 'sparkplug-payload/lib/sparkplugbpayload';
import type { PointDef } from '../../domain/point';
import type { PointId } from '../../domain/point-id';
import type { Quality } from '../../domain/quality';
import type { SampleValue } from '../../domain/sample';
import { valueTypeOfUnit } from '../../domain/units';

/**
 * HeatBridge points as Sparkplug metrics, and the pure encoders of the Sparkplug B payloads
 * (Eclipse Tahu's protobuf encoder underneath). No state but the catalog built once from the
 * point definitions: the fleet generator (bench) encodes with the same functions.
 */

export type MetricType = 'Double' | 'Boolean' | 'String';

/** One HeatBridge point as a metric of its Sparkplug device. */
export interface MetricEntry {
  id: PointId;
  /** The Sparkplug device id: the HeatBridge device's name. */
  device: string;
  /** The metric name within the device: the point's name. */
  name: string;
  /** Unique within the edge node (Sparkplug 3.0), from 1, in the definitions' order. */
  alias: number;
  type: MetricType;
  def: PointDef;
}

/** A value to publish: a point's value at a time, with its quality. */
export interface MetricChange {
  value: SampleValue | null;
  ts: number;
  quality: Quality;
}

/**
 * Quality as the `Quality` property (Int32) that Ignition and the Sparkplug 3.0 spec use:
 * 192 good, 500 stale, 0 bad. `uncertain` (HeatBridge uses such values, flagged) is sent as good.
 */
export const QUALITY_CODE: Record<Quality, number> = {
  good: 192,
  uncertain: 192,
  stale: 500,
  bad: 0,
};

export function metricTypeOf(def: Pick<PointDef, 'unit'>): MetricType {
  const t = valueTypeOfUnit(def.unit);
  return t === 'boolean' ? 'Boolean' : t === 'string' ? 'String' : 'Double';
}

/** The metrics of every device, aliases assigned in the definitions' order. */
export class MetricCatalog {
  private readonly byPoint = new Map<PointId, MetricEntry>();
  private readonly byDevice = new Map<string, MetricEntry[]>();

  constructor(defs: Iterable<PointDef>) {
    let alias = 1;
    for (const def of defs) {
      const entry: MetricEntry = {
        id: def.id,
        device: def.device,
        name: def.name,
        alias: alias++,
        type: metricTypeOf(def),
        def,
      };
      this.byPoint.set(def.id, entry);
      const list = this.byDevice.get(def.device) ?? [];
      list.push(entry);
      this.byDevice.set(def.device, list);
    }
  }

  get(id: PointId): MetricEntry | undefined {
    return this.byPoint.get(id);
  }

  devices(): string[] {
    return [...this.byDevice.keys()];
  }

  ofDevice(device: string): readonly MetricEntry[] {
    return this.byDevice.get(device) ?? [];
  }

  /** A device's metric by name (a spooled change names its point, not an alias). */
  find(device: string, name: string): MetricEntry | undefined {
    return this.byDevice.get(device)?.find((e) => e.name === name);
  }

  get size(): number {
    return this.byPoint.size;
  }
}

/** A value in the metric's type; a value of another type (never expected) is converted. */
function typed(type: MetricType, v: SampleValue | null): number | boolean | string | null {
  if (v === null) return null;
  if (type === 'Double') return typeof v === 'number' ? v : Number(v);
  if (type === 'Boolean') return typeof v === 'boolean' ? v : Boolean(v);
  return typeof v === 'string' ? v : String(v);
}

const prop = (type: UPropertyValue['type'], value: string | number | boolean): UPropertyValue => ({
  type,
  value,
});

/** A DBIRTH metric: name, alias, type, value, and the properties a host shows (Ignition's names). */
export function birthMetric(e: MetricEntry, c: MetricChange | undefined): UMetric {
  const properties: Record<string, UPropertyValue> = {
    engUnit: prop('String', e.def.unit),
    Quality: prop('Int32', QUALITY_CODE[c?.quality ?? 'bad']),
    // Every DCMD is refused (docs/sparkplug.md, "Writes"): read-only over Sparkplug, whatever
    // HeatBridge's own API lets an engineer write.
    readOnly: prop('Boolean', true),
  };
  if (e.def.bounds) {
    properties.engLow = prop('Double', e.def.bounds.min);
    properties.engHigh = prop('Double', e.def.bounds.max);
  }
  if (e.def.description) properties.Documentation = prop('String', e.def.description);
  return {
    name: e.name,
    alias: e.alias,
    type: e.type,
    value: typed(e.type, c?.value ?? null),
    ...(c ? { timestamp: c.ts } : {}),
    properties,
  };
}

/** A DDATA metric: by alias only; the Quality property only when not good (absent means good). */
export function dataMetric(e: MetricEntry, c: MetricChange, historical: boolean): UMetric {
  const code = QUALITY_CODE[c.quality];
  return {
    alias: e.alias,
    type: e.type,
    value: typed(e.type, c.value),
    timestamp: c.ts,
    ...(historical ? { isHistorical: true } : {}),
    ...(code !== QUALITY_CODE.good ? { properties: { Quality: prop('Int32', code) } } : {}),
  };
}

export function encodeDbirth(
  entries: readonly MetricEntry[],
  current: (e: MetricEntry) => MetricChange | undefined,
  seq: number,
  now: number,
): Uint8Array {
  return encodePayload({
    timestamp: now,
    seq,
    metrics: entries.map((e) => birthMetric(e, current(e))),
  });
}

/** One device's changes (several per metric allowed, each with its time) as a DDATA payload. */
export function encodeDdata(
  changes: readonly { entry: MetricEntry; change: MetricChange }[],
  seq: number,
  now: number,
  historical = false,
): Uint8Array {
  return encodePayload({
    timestamp: now,
    seq,
    metrics: changes.map((c) => dataMetric(c.entry, c.change, historical)),
  });
}

/** A node metric (no alias: the node's few metrics are sent by name). */
export interface NodeMetric {
  name: string;
  type: 'Double' | 'Boolean' | 'String' | 'Int64';
  value: number | boolean | string | null;
  unit?: string;
}

function nodeMetric(m: NodeMetric, now: number, withProps: boolean): UMetric {
  return {
    name: m.name,
    type: m.type,
    value: m.value,
    timestamp: now,
    ...(withProps && m.unit ? { properties: { engUnit: prop('String', m.unit) } } : {}),
  };
}

/** NBIRTH: seq 0, bdSeq (Int64), `Node Control/Rebirth` (false), then the node's own metrics. */
export function encodeNbirth(
  bdSeq: number,
  metrics: readonly NodeMetric[],
  now: number,
): Uint8Array {
  const fixed: NodeMetric[] = [
    { name: 'bdSeq', type: 'Int64', value: bdSeq },
    { name: 'Node Control/Rebirth', type: 'Boolean', value: false },
  ];
  return encodePayload({
    timestamp: now,
    seq: 0,
    metrics: [...fixed, ...metrics].map((m) => nodeMetric(m, now, true)),
  });
}

export function encodeNdata(metrics: readonly NodeMetric[], seq: number, now: number): Uint8Array {
  return encodePayload({
    timestamp: now,
    seq,
    metrics: metrics.map((m) => nodeMetric(m, now, false)),
  });
}

/** NDEATH (the MQTT will): bdSeq only, no seq (Sparkplug 3.0). */
export function encodeNdeath(bdSeq: number, now: number): Uint8Array {
  return encodePayload({
    timestamp: now,
    metrics: [{ name: 'bdSeq', type: 'Int64', value: bdSeq }],
  });
}
