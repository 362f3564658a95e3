import type { PointId } from '../domain/point-id';
import type { SampleValue } from '../domain/sample';

/**
 * Is a controller's command due to be written? When the value changed, or when it was last
 * written `refreshMs` ago (a device that restarted has lost it). Unchanged commands are not
 * re-sent every cycle: the field bus and the audit trail stay quiet. Pure.
 */
export function writeDue(
  value: SampleValue,
  last: { value: SampleValue; at: number } | undefined,
  now: number,
  refreshMs: number,
): boolean {
  if (!last) return true;
  if (now - last.at >= refreshMs) return true;
  if (typeof value === 'number' && typeof last.value === 'number')
    return Math.abs(value - last.value) > 1e-9;
  return value !== last.value;
}

/** What the loop last sent to a point, and how many attempts in a row have failed. */
interface Sent {
  value: SampleValue;
  at: number;
  failures: number;
}

/**
 * The control loop's write schedule: what was sent to each point, what is still on its way,
 * and so which commands are due. A point with a write in flight gets no second one; a failed
 * unchanged value is retried with a back-off (one cycle, two, four … up to `refreshMs`), while
 * a new value, or a safety command, does not wait.
 */
export class WriteSchedule {
  private readonly sent = new Map<PointId, Sent>();
  private readonly inFlight = new Set<PointId>();

  constructor(private readonly timing: { cycleMs: number; refreshMs: number }) {}

  due(id: PointId, value: SampleValue, safety: boolean, now: number): boolean {
    if (this.inFlight.has(id)) return false;
    const last = this.sent.get(id);
    if (last && last.failures > 0 && !safety && last.value === value) {
      const backoff = Math.min(
        this.timing.cycleMs * 2 ** (last.failures - 1),
        this.timing.refreshMs,
      );
      return now - last.at >= backoff;
    }
    return writeDue(value, last, now, this.timing.refreshMs);
  }

  isInFlight(id: PointId): boolean {
    return this.inFlight.has(id);
  }

  /** A write to the point is on its way. */
  sending(id: PointId): void {
    this.inFlight.add(id);
  }

  /**
   * The device answered (or the write failed): `value` is what the device got, which differs
   * from the controller's value when the write guard rate-limited it, so the ramp goes on.
   */
  settled(id: PointId, value: SampleValue, failed: boolean, at: number): void {
    this.inFlight.delete(id);
    const failures = failed ? (this.sent.get(id)?.failures ?? 0) + 1 : 0;
    this.sent.set(id, { value, at, failures });
  }
}
