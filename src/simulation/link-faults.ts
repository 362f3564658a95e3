import type { PointId } from '../domain/point-id';

/**
 * What goes wrong between HeatBridge and a simulated device, as opposed to in the plant (the
 * plant model's own faults): values that stop arriving, and writes that get no answer. The
 * in-process adapters consult it on every poll and write, so the live loop meets these faults
 * the way it meets them on a site.
 */
export class LinkFaults {
  /** Points (or whole devices) whose values stop arriving, until a time. */
  private readonly silentUntil = new Map<string, number>();
  /** Points whose writes get no answer, until a time. */
  private readonly writesLostUntil = new Map<PointId, number>();
  /** Points whose next writes fail, and how many of them. */
  private readonly failingWrites = new Map<PointId, number>();

  /** The point's (or the device's) values do not arrive until `until`. */
  silence(pointOrDevice: string, until: number): void {
    this.silentUntil.set(pointOrDevice, until);
  }

  /** Every write to the point fails until `until` (a network between us and the PLC down). */
  loseWrites(id: PointId, until: number): void {
    this.writesLostUntil.set(id, until);
  }

  /** The next `times` writes to the point fail (the device answers with an error). */
  failWrites(id: PointId, times: number): void {
    this.failingWrites.set(id, (this.failingWrites.get(id) ?? 0) + times);
  }

  isSilent(id: PointId, device: string, now: number): boolean {
    if (this.silentUntil.size === 0) return false;
    return (this.silentUntil.get(id) ?? 0) > now || (this.silentUntil.get(device) ?? 0) > now;
  }

  /** Why a write now fails, or undefined when it goes through. Counts a failing write down. */
  writeFailure(id: PointId, now: number): string | undefined {
    if ((this.writesLostUntil.get(id) ?? 0) > now) return 'no answer from the device (timeout)';
    const left = this.failingWrites.get(id) ?? 0;
    if (left <= 0) return undefined;
    if (left === 1) this.failingWrites.delete(id);
    else this.failingWrites.set(id, left - 1);
    return 'the device answered with an error (simulated fault)';
  }
}
