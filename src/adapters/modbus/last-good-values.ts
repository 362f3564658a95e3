import type { PointId } from '../../domain/point-id';
import type { Sample, SampleValue } from '../../domain/sample';

/**
 * Each point's last good value on a connection, for the samples that say it is not current (bad,
 * stale). A read's answer is kept as it came and filed into the map only when such a sample is
 * made: a map write per value read was a cost of every answer (issue 25), and most answers are
 * never followed by a failure.
 */
export class LastGoodValues {
  private readonly last = new Map<PointId, SampleValue>();
  /** Each read's last answer not yet filed, oldest first. */
  private readonly unfiled = new Map<object, readonly Sample[]>();

  /** The samples of a read's answer (`read` is the read, the same object every time). */
  answered(read: object, samples: readonly Sample[]): void {
    // Last in the order: a read answered again is newer than every other one unfiled.
    this.unfiled.delete(read);
    this.unfiled.set(read, samples);
  }

  /** The point's last good value, or null if it never had one. */
  of(id: PointId): SampleValue | null {
    if (this.unfiled.size > 0) {
      for (const samples of this.unfiled.values())
        for (const s of samples)
          if (s.quality === 'good' && s.value !== null) this.last.set(s.id, s.value);
      this.unfiled.clear();
    }
    return this.last.get(id) ?? null;
  }
}
