import { Subject, type Observable } from 'rxjs';
import type { AlarmPriority } from '../domain/alarm-priority';
import type { SampleValue } from '../domain/sample';

/**
 * ISA-18.2 alarm states: an alarm is raised unacknowledged; the operator acknowledges it; when
 * its condition clears it returns to normal — or, if nobody acknowledged it yet, stays listed as
 * returned/unacknowledged until someone does. Shelving (with an expiry) hides an alarm from the
 * list without changing its state; it comes back when the shelf expires.
 */
export type AlarmState = 'active-unacked' | 'active-acked' | 'returned-unacked' | 'normal';

/** Where a condition comes from: control's own, an alarm definition, or the flood detector. */
export type AlarmSource = 'control' | 'definition' | 'system';

export interface Shelf {
  by: string;
  reason: string;
  /** ISO 8601. */
  since: string;
  until: string;
}

export interface Alarm {
  key: string;
  priority: AlarmPriority;
  message: string;
  state: AlarmState;
  source: AlarmSource;
  /** ISO 8601 times. */
  raisedAt: string;
  clearedAt?: string;
  ackedAt?: string;
  ackedBy?: string;
  shelved?: Shelf;
  /** The value that raised or cleared it, when there is one. */
  value?: SampleValue;
}

export type AlarmEvent = 'raised' | 'cleared' | 'acknowledged' | 'shelved' | 'unshelved';

export interface AlarmTransition {
  alarm: Alarm;
  event: AlarmEvent;
  at: number;
  by?: string;
  reason?: string;
}

/** A flood: more alarms raised within the window than operators can handle. */
export interface FloodPeriod {
  /** ISO 8601. */
  start: string;
  end?: string;
  /** Alarms raised during the flood (the ones that started it included). */
  raised: number;
  /** How often each alarm was raised during it. */
  byKey: Record<string, number>;
}

export type ActionResult =
  { ok: true; alarm: Alarm } | { ok: false; status: 404 | 409; message: string };

/** What the list keeps across restarts. */
export interface AlarmListSnapshot {
  version: 1;
  alarms: Alarm[];
  floods: FloodPeriod[];
  /** Times (ms) of recent raises, for flood detection. */
  raises: { key: string; at: number }[];
}

export interface AlarmListOptions {
  flood?: { count: number; windowMs: number };
  /** Called after every change with the state to persist. */
  save?: (s: AlarmListSnapshot) => void;
  initial?: AlarmListSnapshot;
}

export const FLOOD_KEY = 'alarm-flood';
const PRIORITY_ORDER: Record<AlarmPriority, number> = { critical: 0, high: 1, medium: 2, low: 3 };
const MAX_FLOODS = 100;

const isActive = (a: Alarm): boolean => a.state === 'active-unacked' || a.state === 'active-acked';

/**
 * The alarms operators see, with the ISA-18.2 life cycle: raised and cleared conditions (from
 * control and from the alarm definitions), acknowledgement, shelving with expiry, and flood
 * detection. Deterministic: every method takes the time. Every transition is published (for the
 * historian, the audit log and live views) and the state is handed to `save` after each change.
 */
export class AlarmList {
  private readonly alarms = new Map<string, Alarm>();
  private readonly subject = new Subject<AlarmTransition>();
  readonly transitions$: Observable<AlarmTransition> = this.subject.asObservable();
  private floods: FloodPeriod[] = [];
  private raises: { key: string; at: number }[] = [];
  private readonly flood: { count: number; windowMs: number };

  constructor(private readonly opts: AlarmListOptions = {}) {
    this.flood = opts.flood ?? { count: 10, windowMs: 600_000 };
    if (opts.initial) {
      for (const a of opts.initial.alarms) this.alarms.set(a.key, a);
      this.floods = [...opts.initial.floods];
      this.raises = [...opts.initial.raises];
    }
  }

  /** A condition raised or cleared. */
  apply(c: {
    key: string;
    active: boolean;
    priority: AlarmPriority;
    message: string;
    at: number;
    source?: AlarmSource;
    value?: SampleValue;
  }): void {
    const at = new Date(c.at).toISOString();
    const a = this.alarms.get(c.key);
    const value = c.value !== undefined ? { value: c.value } : {};
    if (c.active) {
      if (a && isActive(a)) return;
      const alarm: Alarm = {
        key: c.key,
        priority: c.priority,
        message: c.message,
        state: 'active-unacked',
        source: c.source ?? 'control',
        raisedAt: at,
        // A shelf outlives the condition: a shelved alarm that comes back stays shelved.
        ...(a?.shelved ? { shelved: a.shelved } : {}),
        ...value,
      };
      this.alarms.set(c.key, alarm);
      this.emit(alarm, 'raised', c.at);
      // Shelved alarms are suppressed: they do not add to a flood.
      if (c.key !== FLOOD_KEY && !alarm.shelved) this.countRaise(c.key, c.at);
      this.changed();
      return;
    }
    if (!a || !isActive(a)) return;
    const cleared: Alarm = {
      ...a,
      message: c.message,
      clearedAt: at,
      state: a.state === 'active-acked' ? 'normal' : 'returned-unacked',
      ...value,
    };
    this.alarms.set(c.key, cleared);
    this.emit(cleared, 'cleared', c.at);
    this.changed();
  }

  acknowledge(key: string, by: string, now: number, reason?: string): ActionResult {
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
    this.emit(acked, 'acknowledged', now, by, reason);
    this.changed();
    return { ok: true, alarm: acked };
  }

  /** Hides an alarm from the list until `until` (ms); its state goes on changing meanwhile. */
  shelve(key: string, by: string, reason: string, now: number, until: number): ActionResult {
    const a = this.alarms.get(key);
    if (!a || a.state === 'normal')
      return { ok: false, status: 404, message: `no alarm "${key}" to shelve` };
    if (key === FLOOD_KEY)
      return { ok: false, status: 409, message: 'the flood alarm cannot be shelved' };
    const shelved: Alarm = {
      ...a,
      shelved: {
        by,
        reason,
        since: new Date(now).toISOString(),
        until: new Date(until).toISOString(),
      },
    };
    this.alarms.set(key, shelved);
    this.emit(shelved, 'shelved', now, by, reason);
    this.changed();
    return { ok: true, alarm: shelved };
  }

  unshelve(key: string, by: string, now: number, reason?: string): ActionResult {
    const a = this.alarms.get(key);
    if (!a?.shelved) return { ok: false, status: 404, message: `alarm "${key}" is not shelved` };
    this.putBack(a, now, by, reason);
    return { ok: true, alarm: this.alarms.get(key)! };
  }

  /**
   * Time passes: expired shelves put their alarms back (still active ones as unacknowledged, so
   * they are seen again), and a flood ends once the window holds no more than the limit.
   */
  tick(now: number): void {
    for (const a of [...this.alarms.values()]) {
      if (a.shelved && Date.parse(a.shelved.until) <= now) {
        this.putBack(a, now, 'system:heatbridge', 'shelf expired');
      }
    }
    this.updateFlood(now);
  }

  get(key: string): Alarm | undefined {
    return this.alarms.get(key);
  }

  /** Alarms an operator must see: active or unacknowledged, not shelved; most urgent, then newest. */
  list(opts: { shelved?: boolean } = {}): Alarm[] {
    return [...this.alarms.values()]
      .filter((a) => (opts.shelved ? a.shelved !== undefined : a.shelved === undefined))
      .filter((a) => a.state !== 'normal' || a.shelved !== undefined)
      .sort(
        (a, b) =>
          PRIORITY_ORDER[a.priority] - PRIORITY_ORDER[b.priority] ||
          b.raisedAt.localeCompare(a.raisedAt),
      );
  }

  /** Active alarms from `source` (after a restart: those control must confirm). */
  activeFrom(source: AlarmSource): Alarm[] {
    return [...this.alarms.values()].filter((a) => a.source === source && isActive(a));
  }

  floodPeriods(): FloodPeriod[] {
    return [...this.floods].reverse();
  }

  snapshot(): AlarmListSnapshot {
    return {
      version: 1,
      // Normal, unshelved alarms are history (the historian has them), not state.
      alarms: [...this.alarms.values()].filter((a) => a.state !== 'normal' || a.shelved),
      floods: this.floods,
      raises: this.raises,
    };
  }

  complete(): void {
    this.subject.complete();
  }

  private putBack(a: Alarm, now: number, by: string, reason?: string): void {
    const { shelved: _gone, ...rest } = a;
    // An alarm still active when its shelf ends must be seen again: unacknowledged.
    const back: Alarm = isActive(rest) ? { ...rest, state: 'active-unacked' } : rest;
    this.alarms.set(a.key, back);
    this.emit(back, 'unshelved', now, by, reason);
    this.changed();
  }

  private countRaise(key: string, at: number): void {
    this.raises.push({ key, at });
    const open = this.floods.at(-1);
    if (open && open.end === undefined) {
      open.raised += 1;
      open.byKey[key] = (open.byKey[key] ?? 0) + 1;
    }
    this.updateFlood(at);
  }

  /** More than `count` raises within the window: one flood alarm; it clears when the rate drops. */
  private updateFlood(now: number): void {
    this.raises = this.raises.filter((r) => now - r.at < this.flood.windowMs);
    const flood = this.alarms.get(FLOOD_KEY);
    const inWindow = this.raises.length;
    if (inWindow > this.flood.count && !(flood && isActive(flood))) {
      this.floods.push({
        start: new Date(now).toISOString(),
        raised: inWindow,
        byKey: countKeys(this.raises.map((r) => r.key)),
      });
      if (this.floods.length > MAX_FLOODS) this.floods.splice(0, this.floods.length - MAX_FLOODS);
      this.apply({
        key: FLOOD_KEY,
        active: true,
        priority: 'high',
        source: 'system',
        message: `alarm flood: ${inWindow} alarms in ${Math.round(this.flood.windowMs / 60_000)} min`,
        at: now,
      });
    } else if (inWindow <= this.flood.count && flood && isActive(flood)) {
      const open = this.floods.at(-1);
      if (open && open.end === undefined) open.end = new Date(now).toISOString();
      this.apply({
        key: FLOOD_KEY,
        active: false,
        priority: 'high',
        source: 'system',
        message: `alarm flood over: ${open?.raised ?? inWindow} alarms raised during it`,
        at: now,
      });
    }
  }

  private changed(): void {
    this.opts.save?.(this.snapshot());
  }

  private emit(alarm: Alarm, event: AlarmEvent, at: number, by?: string, reason?: string): void {
    this.subject.next({ alarm, event, at, ...(by ? { by } : {}), ...(reason ? { reason } : {}) });
  }
}

function countKeys(keys: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const k of keys) counts[k] = (counts[k] ?? 0) + 1;
  return counts;
}
