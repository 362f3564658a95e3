import type { PointDef, PointKind } from '../domain/point';
import { splitPointId } from '../domain/point-id';
import type { Sample } from '../domain/sample';
import { formatActor } from '../domain/write-command';
import type { WriteOutcome } from '../domain/write-outcome';
import type { OperatorEvent } from '../domain/operator-event';
import type { LineBuffer } from './line-buffer';
import { encodeLine, frozenSeriesKey, type LineRecord } from './line-protocol';

/**
 * The historian's schema (DESIGN §6, docs/historian.md): one measurement per kind of record,
 * tags to select series by (site, device, point, unit, quality), a float field `value` or a
 * string field `state`.
 */
export const MEASUREMENTS = [
  'measurement',
  'setpoint',
  'status',
  'derived',
  'alarm',
  'audit',
] as const;
export type Measurement = (typeof MEASUREMENTS)[number];

/** The numeric measurements the InfluxDB 1.x continuous queries downsample into rp_1m and rp_1h. */
export const DOWNSAMPLED_MEASUREMENTS: readonly Measurement[] = [
  'measurement',
  'setpoint',
  'derived',
];

/** Samples of command points (a heartbeat, an enable coil) are kept with the setpoints. */
export function measurementOfKind(kind: PointKind): Measurement {
  return kind === 'command' ? 'setpoint' : kind;
}

/**
 * A sample as a record. Numbers are floats; booleans are 0/1 floats (so Grafana can plot and
 * average them); text goes to `state`; a bad or stale sample with no value at all records
 * `state="no value"`. Good and uncertain samples are stamped with their source time; bad and
 * stale ones with the time HeatBridge noticed, since their source time is the last good one.
 */
export function sampleRecord(
  site: string,
  def: Pick<PointDef, 'kind' | 'unit'>,
  s: Sample,
  measurement?: Measurement,
): LineRecord {
  const fields: LineRecord['fields'] = {};
  if (typeof s.value === 'number') fields.value = s.value;
  else if (typeof s.value === 'boolean') fields.value = s.value ? 1 : 0;
  else if (typeof s.value === 'string') fields.state = s.value;
  else fields.state = 'no value';
  return {
    measurement: measurement ?? measurementOfKind(def.kind),
    tags: sampleTags(site, def, s),
    fields,
    time: s.quality === 'good' || s.quality === 'uncertain' ? s.ts : s.receivedAt,
  };
}

/**
 * `encodeLine(sampleRecord(site, def, s))`, the same text, without the record: a sample with a
 * finite number (or a boolean) is its point's cached `measurement,tags value=` prefix, the value
 * and the time. Everything else (text, no value, a number that cannot be stored) takes the
 * general path, which throws LineError as it does. The historian's hot path (issue 25).
 */
export function sampleLine(site: string, def: Pick<PointDef, 'kind' | 'unit'>, s: Sample): string {
  const v = s.value;
  const time = s.quality === 'good' || s.quality === 'uncertain' ? s.ts : s.receivedAt;
  if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') {
    if (Number.isFinite(time)) {
      const ms = Math.round(time);
      return `${tagEntry(site, def, s).prefix()}${typeof v === 'number' ? v : v ? 1 : 0} ${ms === 0 ? '0' : `${ms}000000`}`;
    }
  }
  return encodeLine(sampleRecord(site, def, s));
}

/**
 * Samples into a LineBuffer as the bytes `sampleLine` would give: a finite number (or a boolean)
 * as its point's prefix bytes (kept per point and quality), the value and the time; anything
 * else as `sampleLine`'s text. Throws LineError as the encoder does. The historian's hot path
 * (issue 25): no string and no object per sample.
 */
export class SampleLines {
  private readonly prefixes = new Map<string, Partial<Record<Sample['quality'], Buffer>>>();

  constructor(private readonly site: string) {}

  put(buffer: LineBuffer, def: Pick<PointDef, 'kind' | 'unit'>, s: Sample): void {
    const v = s.value;
    const time = s.quality === 'good' || s.quality === 'uncertain' ? s.ts : s.receivedAt;
    if (
      Number.isFinite(time) &&
      ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean')
    ) {
      let byQuality = this.prefixes.get(s.id);
      if (!byQuality) this.prefixes.set(s.id, (byQuality = {}));
      const prefix = (byQuality[s.quality] ??= tagEntry(this.site, def, s).prefixBytes());
      buffer.putNumber(prefix, typeof v === 'number' ? v : v ? 1 : 0, Math.round(time));
      return;
    }
    buffer.putText(sampleLine(this.site, def, s));
  }
}

/**
 * A sample's tags, one frozen object per point definition, site, id and quality: line encoding
 * recognises it and reuses the escaped series key (the historian's hot path).
 */
class TagEntry {
  private text: string | undefined;
  private bytes: Buffer | undefined;

  constructor(
    readonly site: string,
    readonly id: string,
    readonly tags: Readonly<Record<string, string>>,
    private readonly measurement: Measurement,
  ) {}

  /** `measurement,tags value=` for the definition's own measurement (`sampleLine`). */
  prefix(): string {
    return (this.text ??= `${frozenSeriesKey(this.measurement, this.tags)} value=`);
  }

  prefixBytes(): Buffer {
    return (this.bytes ??= Buffer.from(this.prefix(), 'utf8'));
  }
}
const tagCache = new WeakMap<object, Map<string, TagEntry>>();

function sampleTags(
  site: string,
  def: Pick<PointDef, 'kind' | 'unit'>,
  s: Sample,
): Readonly<Record<string, string>> {
  return tagEntry(site, def, s).tags;
}

function tagEntry(site: string, def: Pick<PointDef, 'kind' | 'unit'>, s: Sample): TagEntry {
  let byQuality = tagCache.get(def);
  if (!byQuality) tagCache.set(def, (byQuality = new Map<string, TagEntry>()));
  const hit = byQuality.get(s.quality);
  if (hit && hit.site === site && hit.id === s.id) return hit;
  const { device, point } = splitPointId(s.id);
  const tags = Object.freeze({ site, device, point, unit: def.unit, quality: s.quality });
  const entry = new TagEntry(site, s.id, tags, measurementOfKind(def.kind));
  byQuality.set(s.quality, entry);
  return entry;
}

/** Numbers and booleans as a float field, text as a string field: a field never changes type. */
function putValue(fields: LineRecord['fields'], numeric: string, text: string, v: unknown): void {
  if (typeof v === 'number') fields[numeric] = v;
  else if (typeof v === 'boolean') fields[numeric] = v ? 1 : 0;
  else if (typeof v === 'string') fields[text] = v;
}

/**
 * A write through the guard — sent, refused or failed — as an audit record: who asked for what
 * and why, what was sent (after clamping), and what happened.
 */
export function writeRecord(site: string, o: WriteOutcome): LineRecord {
  const { device, point } = splitPointId(o.command.id);
  const fields: LineRecord['fields'] = {
    actor: formatActor(o.command.actor),
    reason: o.command.reason,
  };
  putValue(fields, 'requested', 'requested_state', o.command.value);
  putValue(fields, 'value', 'state', o.value);
  if (o.adjusted && o.adjusted.length > 0) fields.adjusted = o.adjusted.join('; ');
  if (o.reason) fields.message = o.reason;
  return {
    measurement: 'audit',
    tags: {
      site,
      event: 'write',
      device,
      point,
      status: o.status,
      actor_kind: o.command.actor.kind,
      ...(o.code ? { code: o.code } : {}),
    },
    fields,
    time: o.at,
  };
}

/**
 * An operator action that is not a write — an override set, cancelled or expired, a mode
 * change — as an audit record. The writes an override causes are audited on their own, with the
 * operator as their actor.
 */
export function operatorRecord(site: string, e: OperatorEvent): LineRecord {
  if (e.kind === 'mode-changed') {
    return {
      measurement: 'audit',
      tags: { site, event: e.kind, device: e.device, actor_kind: e.by.kind },
      fields: { actor: formatActor(e.by), reason: e.reason, state: e.to, previous_state: e.from },
      time: e.at,
    };
  }
  const o = e.override;
  const { device, point } = splitPointId(o.id);
  const by =
    e.kind === 'override-cancelled'
      ? e.by
      : e.kind === 'override-set'
        ? o.actor
        : { kind: 'system' as const, name: 'heatbridge' };
  const fields: LineRecord['fields'] = {
    actor: formatActor(by),
    reason:
      e.kind === 'override-cancelled'
        ? e.reason
        : e.kind === 'override-expired'
          ? 'override expired'
          : o.reason,
    override_by: formatActor(o.actor),
    expires_at: new Date(o.expiresAt).toISOString(),
  };
  putValue(fields, 'value', 'state', o.value);
  return {
    measurement: 'audit',
    tags: { site, event: e.kind, device, point, actor_kind: by.kind },
    fields,
    time: e.at,
  };
}

/**
 * An alarm transition as an `alarm` record: `value` 1 while the condition is active, 0 once it
 * cleared, so Grafana can draw it as a state timeline; acknowledgements carry who did it.
 */
export function alarmRecord(
  site: string,
  a: {
    key: string;
    active: boolean;
    priority: string;
    message: string;
    at: number;
    event?: 'raised' | 'cleared' | 'acknowledged' | 'shelved' | 'unshelved';
    /** The ISA-18.2 state after the transition. */
    state?: string;
    by?: string;
    reason?: string;
  },
): LineRecord {
  return {
    measurement: 'alarm',
    tags: {
      site,
      alarm: a.key,
      priority: a.priority,
      event: a.event ?? (a.active ? 'raised' : 'cleared'),
    },
    fields: {
      value: a.active ? 1 : 0,
      message: a.message,
      ...(a.state ? { state: a.state } : {}),
      ...(a.by ? { actor: a.by } : {}),
      ...(a.reason ? { reason: a.reason } : {}),
    },
    time: a.at,
  };
}
