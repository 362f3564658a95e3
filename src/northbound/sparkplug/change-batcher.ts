import type { PointDef } from '../../domain/point';
import type { PointId } from '../../domain/point-id';
import type { Quality } from '../../domain/quality';
import type { Sample } from '../../domain/sample';
import type { MetricChange, MetricEntry } from './metrics';

/** One device's changes in one publish interval, oldest first. */
export type DeviceBatch = { entry: MetricEntry; change: MetricChange }[];

/**
 * Report by exception (Sparkplug's DDATA): a sample is a change when its quality differs from the
 * last one reported, or its value moved — by more than the point's historian deadband for an
 * `on-change` point, at all otherwise. Equal values are not resent (the host keeps the last).
 */
export function isChange(
  policy: PointDef['historian'],
  s: Pick<Sample, 'value' | 'quality'>,
  last: { value: Sample['value']; quality: Quality } | undefined,
): boolean {
  if (!last) return true;
  if (s.quality !== last.quality) return true;
  if (policy.mode === 'on-change' && typeof s.value === 'number' && typeof last.value === 'number')
    return Math.abs(s.value - last.value) > policy.deadband;
  return s.value !== last.value;
}

/**
 * Collects the changes of a publish interval per device: every change is kept with its own
 * time (a point changing three times in an interval is three metrics of one DDATA), so nothing
 * between two publishes is lost.
 */
export class ChangeBatcher {
  private readonly last = new Map<PointId, { value: Sample['value']; quality: Quality }>();
  private pending = new Map<string, DeviceBatch>();
  private count = 0;

  /** Takes a sample of a known point; returns true when it was a change (kept for publishing). */
  offer(entry: MetricEntry, s: Sample): boolean {
    if (!isChange(entry.def.historian, s, this.last.get(entry.id))) return false;
    this.last.set(entry.id, { value: s.value, quality: s.quality });
    const batch = this.pending.get(entry.device) ?? [];
    batch.push({ entry, change: { value: s.value, ts: s.ts, quality: s.quality } });
    this.pending.set(entry.device, batch);
    this.count += 1;
    return true;
  }

  /** A value a BIRTH just announced: later changes are judged against it. */
  seed(id: PointId, value: Sample['value'], quality: Quality): void {
    this.last.set(id, { value, quality });
  }

  /** The changes collected since the last drain, per device. */
  drain(): Map<string, DeviceBatch> {
    const out = this.pending;
    this.pending = new Map();
    this.count = 0;
    return out;
  }

  get size(): number {
    return this.count;
  }
}
