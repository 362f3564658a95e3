import { Subject, type Observable } from 'rxjs';
import { splitPointId, type PointId } from '../domain/point-id';
import type { Actor } from '../domain/write-command';
import type { Mode, OperatorEvent, Override } from '../domain/operator-event';

/**
 * Modes and overrides (DESIGN §5.6). A device in manual mode is left alone by the controllers
 * (cooling safety excepted); an override replaces the controllers' value for one point until it
 * expires or is cancelled. Every change is an event for the audit trail. Validation of what may
 * be overridden (writable, bounds) is the caller's: the write guard checks every write anyway.
 */
export class OperatorControls {
  private readonly overrides = new Map<PointId, Override>();
  private readonly manual: Set<string>;
  private readonly subject = new Subject<OperatorEvent>();
  readonly events$: Observable<OperatorEvent> = this.subject.asObservable();

  constructor(manual: readonly string[] = []) {
    this.manual = new Set(manual);
  }

  setOverride(o: Override): void {
    const replaced = this.overrides.get(o.id);
    this.overrides.set(o.id, o);
    this.subject.next({
      kind: 'override-set',
      override: o,
      ...(replaced ? { replaced } : {}),
      at: o.since,
    });
  }

  cancelOverride(id: PointId, by: Actor, reason: string, now: number): Override | undefined {
    const o = this.overrides.get(id);
    if (!o) return undefined;
    this.overrides.delete(id);
    this.subject.next({ kind: 'override-cancelled', override: o, by, reason, at: now });
    return o;
  }

  /** Overrides in force at `now`; expired ones are removed, each with an event. */
  active(now: number): Override[] {
    // Remove first, announce after: a listener may call active() again from inside the event.
    const expired = [...this.overrides.values()].filter((o) => o.expiresAt <= now);
    for (const o of expired) this.overrides.delete(o.id);
    for (const o of expired) this.subject.next({ kind: 'override-expired', override: o, at: now });
    return [...this.overrides.values()];
  }

  setMode(device: string, mode: Mode, by: Actor, reason: string, now: number): void {
    const from = this.mode(device);
    if (from === mode) return;
    if (mode === 'manual') this.manual.add(device);
    else this.manual.delete(device);
    this.subject.next({ kind: 'mode-changed', device, from, to: mode, by, reason, at: now });
  }

  mode(device: string): Mode {
    return this.manual.has(device) ? 'manual' : 'auto';
  }

  manualDevices(): ReadonlySet<string> {
    return this.manual;
  }

  isManual(id: PointId): boolean {
    return this.manual.has(splitPointId(id).device);
  }

  complete(): void {
    this.subject.complete();
  }
}
