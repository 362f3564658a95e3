import type { Observable } from 'rxjs';
import type { PointId } from '../domain/point-id';
import type { Sample, SampleValue } from '../domain/sample';

/**
 * What every field adapter offers the core (DESIGN §1): a stream of samples and a way to execute
 * a write the write guard has already allowed. Adapters never call control, the historian or the
 * API.
 */
export interface DeviceAdapter {
  readonly name: string;
  readonly samples$: Observable<Sample>;
  /** Does this adapter carry the point? */
  owns(id: PointId): boolean;
  /** Sends a guarded write; rejects with a clear reason when the device refused or is unreachable. */
  write(id: PointId, value: SampleValue): Promise<void>;
}
