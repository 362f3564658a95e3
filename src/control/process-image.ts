import type { PointDef } from '../domain/point';
import type { PointId } from '../domain/point-id';
import { isUsable, type Quality } from '../domain/quality';
import type { Sample, SampleValue } from '../domain/sample';
import { qualityAt } from '../domain/stale';

export interface ImageValue {
  value: SampleValue | null;
  /** Quality at the image's time: a value older than its stale window is `stale` here. */
  quality: Quality;
  ts: number;
  receivedAt: number;
}

/**
 * One consistent snapshot of every point at the start of a control cycle (OpenEMS's process
 * image): controllers all see the same values, with staleness judged once, at the same instant.
 * Readers only get values control may act on: good or uncertain; stale and bad read as absent.
 */
export class ProcessImage {
  constructor(
    private readonly values: ReadonlyMap<PointId, ImageValue>,
    readonly now: number,
  ) {}

  static build(
    samples: Iterable<Sample>,
    defs: ReadonlyMap<PointId, Pick<PointDef, 'staleAfterMs'>>,
    now: number,
  ): ProcessImage {
    const values = new Map<PointId, ImageValue>();
    for (const s of samples) {
      const def = defs.get(s.id);
      const quality = def ? qualityAt(s, def.staleAfterMs, now) : s.quality;
      values.set(s.id, { value: s.value, quality, ts: s.ts, receivedAt: s.receivedAt });
    }
    return new ProcessImage(values, now);
  }

  /** An image of plain values, all good (tests and the closed-loop simulation). */
  static of(
    values: Record<string, SampleValue>,
    now: number,
    quality: Quality = 'good',
  ): ProcessImage {
    return new ProcessImage(plainImageValues(values, now, quality), now);
  }

  get(id: PointId): ImageValue | undefined {
    return this.values.get(id);
  }

  quality(id: PointId): Quality {
    return this.values.get(id)?.quality ?? 'bad';
  }

  /** May control act on this point's value? */
  usable(id: PointId): boolean {
    const v = this.values.get(id);
    return v !== undefined && v.value !== null && isUsable(v.quality);
  }

  number(id: PointId): number | undefined {
    const v = this.values.get(id);
    return v && typeof v.value === 'number' && isUsable(v.quality) && Number.isFinite(v.value)
      ? v.value
      : undefined;
  }

  bool(id: PointId): boolean | undefined {
    const v = this.values.get(id);
    return v && typeof v.value === 'boolean' && isUsable(v.quality) ? v.value : undefined;
  }

  get size(): number {
    return this.values.size;
  }
}

/** Plain values as image values, all of one quality and read at `now`. */
export function plainImageValues(
  values: Record<string, SampleValue>,
  now: number,
  quality: Quality = 'good',
): Map<PointId, ImageValue> {
  return new Map(
    Object.entries(values).map(([id, value]) => [
      id as PointId,
      { value, quality, ts: now, receivedAt: now },
    ]),
  );
}
