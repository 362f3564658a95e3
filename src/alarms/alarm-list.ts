import { Subject, type Observable } from 'rxjs';
import type { AlarmPriority } from '../control/controller';

/**
 * ISA-18.2 alarm states: an alarm is raised unacknowledged; the operator acknowledges it; when
 * its condition clears it returns to normal — or, if nobody acknowledged it yet, stays listed as
 * returned/unacknowledged until someone does.
 */
export type AlarmState = 'active-unacked' | 'active-acked' | 'returned-unacked' | 'normal';

export interface Alarm {
  key: string;
  priority: AlarmPriority;
  message: string;
  state: AlarmState;
  /** ISO 8601 times. */
  raisedAt: string;
  clearedAt?: string;
  ackedAt?: string;
  ackedBy?: string;
}

export interface AlarmTransition {
  alarm: Alarm;
  event: 'raised' | 'cleared' | 'acknowledged';
  at: number;
  by?: string;
}

export type AckResult =
  { ok: true; alarm: Alarm } | { ok: false; status: 404 | 409; message: string };

const PRIORITY_ORDER: Record<AlarmPriority, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/**
 * The alarms operators see: conditions raised and cleared by control (and, later, by alarm
 * definitions), with acknowledgement. Every transition is published for the historian, the
 * audit log and live views.
 */
export class AlarmList {
  private readonly alarms = new Map<string, Alarm>();
  private readonly subject = new Subject<AlarmTransition>();
  readonly transitions$: Observable<AlarmTransition> = this.subject.asObservable();

  /** A condition raised or cleared. */
  apply(c: {
    key: string;
    active: boolean;
    priority: AlarmPriority;
    message: string;
    at: number;
  }): void {
    const at = new Date(c.at).toISOString();
    const a = this.alarms.get(c.key);
    if (c.active) {
      if (a && (a.state === 'active-unacked' || a.state === 'active-acked')) return;
      const alarm: Alarm = {
        key: c.key,
        priority: c.priority,
        message: c.message,
        state: 'active-unacked',
        raisedAt: at,
      };
      this.alarms.set(c.key, alarm);
      this.emit(alarm, 'raised', c.at);
      return;
    }
    if (!a || a.state === 'normal' || a.state === 'returned-unacked') return;
    const cleared: Alarm = {
      ...a,
      message: c.message,
      clearedAt: at,
      state: a.state === 'active-acked' ? 'normal' : 'returned-unacked',
    };
    this.alarms.set(c.key, cleared);
    this.emit(cleared, 'cleared', c.at);
  }

  acknowledge(key: string, by: string, now: number): AckResult {
    const a = this.alarms.get(key);
    if (!a || a.state === 'normal')
      return { ok: false, status: 404, message: `no alarm "${key}" to acknowledge` };
    if (a.state === 'active-acked')
      return { ok: false, status: 409, message: `alarm "${key}" is already acknowledged` };
    const acked: Alarm = {
      ...a,
      state: a.state === 'active-unacked' ? 'active-acked' : 'normal',
      ackedAt: new Date(now).toISOString(),
      ackedBy: by,
    };
    this.alarms.set(key, acked);
    this.emit(acked, 'acknowledged', now, by);
    return { ok: true, alarm: acked };
  }

  get(key: string): Alarm | undefined {
    return this.alarms.get(key);
  }

  /** Alarms an operator must see: active or unacknowledged; most urgent, then newest first. */
  list(): Alarm[] {
    return [...this.alarms.values()]
      .filter((a) => a.state !== 'normal')
      .sort(
        (a, b) =>
          PRIORITY_ORDER[a.priority] - PRIORITY_ORDER[b.priority] ||
          b.raisedAt.localeCompare(a.raisedAt),
      );
  }

  complete(): void {
    this.subject.complete();
  }

  private emit(alarm: Alarm, event: AlarmTransition['event'], at: number, by?: string): void {
    this.subject.next({ alarm, event, at, ...(by ? { by } : {}) });
  }
}
