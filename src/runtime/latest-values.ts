import type { Observable, Subscription } from 'rxjs';
import type { PointId } from '../domain/point-id';
import type { Sample } from '../domain/sample';

/**
 * The latest sample of every point, kept from the adapters' sample stream. Control builds its
 * process image from it each tick; the API and the write guard read it.
 */
export class LatestValues {
  private readonly values = new Map<PointId, Sample>();
  private readonly subscription: Subscription;
  private received = 0;

  /** `batches$`: more samples, as the field adapters read them together (one emission each). */
  constructor(samples$: Observable<Sample>, batches$?: Observable<readonly Sample[]>) {
    this.subscription = samples$.subscribe((s) => {
      this.received += 1;
      this.values.set(s.id, s);
    });
    if (batches$)
      this.subscription.add(
        batches$.subscribe((batch) => {
          this.received += batch.length;
          for (let i = 0; i < batch.length; i++) this.values.set(batch[i]!.id, batch[i]!);
        }),
      );
  }

  get(id: PointId): Sample | undefined {
    return this.values.get(id);
  }

  all(): IterableIterator<Sample> {
    return this.values.values();
  }

  get size(): number {
    return this.values.size;
  }

  /** Samples received since start. */
  get count(): number {
    return this.received;
  }

  close(): void {
    this.subscription.unsubscribe();
  }
}
