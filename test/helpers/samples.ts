import type { PointId } from '../../src/domain/point-id';
import type { Sample } from '../../src/domain/sample';

/** A sample received at `receivedAt`, stamped with the same source time. */
export function sampleAt(
  id: string,
  value: Sample['value'],
  receivedAt: number,
  quality: Sample['quality'] = 'good',
): Sample {
  return { id: id as PointId, value, ts: receivedAt, receivedAt, quality };
}
