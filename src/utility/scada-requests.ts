import { Subject, type Observable } from 'rxjs';
import type { ScadaRequestsConfig } from '../config/northbound';
import type { PointDef } from '../domain/point';
import { pointId, type PointId } from '../domain/point-id';
import type { SampleValue } from '../domain/sample';
import { UTILITY_DEVICE } from './utility-points';

/**
 * The utility SCADA's live requests (issue 24): a supply temperature, a capacity, and the rest of
 * the current hour as a plan would give it (price, delivery required). Written through the
 * northbound OPC UA and Modbus servers, each through the write guard like any write, into the
 * `utility` device, whose feed lets them win over the day-ahead plan's hour while they are in
 * force. A request the SCADA stops renewing lapses after `timeoutMs` (OpenEMS's API timeout), and
 * control falls back to the plan, then the supply curve: visibly (the `scada_active` point, the
 * plan status text, an audit entry and a log line).
 */
export const SCADA_REQUEST_POINTS = {
  scada_supply_temp: {
    unit: 'degC',
    description: "The SCADA's requested delivery temperature (bad: none in force)",
  },
  scada_capacity: {
    unit: 'kW',
    description: "The SCADA's requested capacity (bad: none in force)",
  },
  scada_price: {
    unit: 'EUR/MWh',
    description: 'The heat price the SCADA gives for the current hour (bad: none in force)',
  },
  scada_delivery_required: {
    unit: 'bool',
    description: 'The SCADA says the current hour is on-demand (bad: none in force)',
  },
} as const;

export type ScadaRequestName = keyof typeof SCADA_REQUEST_POINTS;
export const SCADA_REQUEST_NAMES = Object.keys(SCADA_REQUEST_POINTS) as ScadaRequestName[];

/** The read-only status point: a SCADA request is in force. */
export const SCADA_ACTIVE = 'scada_active';

export function scadaPointId(name: ScadaRequestName | typeof SCADA_ACTIVE): PointId {
  return pointId(UTILITY_DEVICE, name);
}

/** The request a point id names, if it names one. */
export function scadaRequestOf(id: PointId): ScadaRequestName | undefined {
  const [device, name] = id.split('/');
  return device === UTILITY_DEVICE && name !== undefined && name in SCADA_REQUEST_POINTS
    ? (name as ScadaRequestName)
    : undefined;
}

/**
 * The requests' point definitions: writable (so the write guard lets the SCADA's writes through,
 * clamped into the configured bounds), with no rate limit (a request is a target; the controllers'
 * own writes to the plant keep theirs), and the `scada_active` status.
 */
export function scadaPointDefs(cfg: ScadaRequestsConfig, cycleMs: number): PointDef[] {
  const bounds: Record<ScadaRequestName, { min: number; max: number } | undefined> = {
    scada_supply_temp: cfg.supplyTemp,
    scada_capacity: cfg.capacityKw,
    scada_price: cfg.priceEurPerMWh,
    scada_delivery_required: undefined,
  };
  const common = {
    device: UTILITY_DEVICE,
    historian: { mode: 'on-change' as const, deadband: 0 },
    expectedPeriodMs: cycleMs,
    staleAfterMs: 3 * cycleMs,
  };
  return [
    ...SCADA_REQUEST_NAMES.map((name): PointDef => {
      const p = SCADA_REQUEST_POINTS[name];
      const b = bounds[name];
      return {
        ...common,
        id: scadaPointId(name),
        name,
        unit: p.unit,
        kind: 'setpoint',
        access: 'rw',
        ...(b ? { bounds: { min: b.min, max: b.max } } : {}),
        description: p.description,
      };
    }),
    {
      ...common,
      id: scadaPointId(SCADA_ACTIVE),
      name: SCADA_ACTIVE,
      unit: 'bool',
      kind: 'status',
      access: 'r',
      description: `A SCADA request is in force (it lapses ${cfg.timeoutMs / 1000} s after its last renewal)`,
    },
  ];
}

/** One request in force. */
export interface ScadaRequest {
  name: ScadaRequestName;
  value: SampleValue;
  /** When this value was first requested (a renewal with the same value keeps it). */
  since: number;
  renewedAt: number;
  expiresAt: number;
}

export type ScadaRequestEvent =
  | { kind: 'set'; request: ScadaRequest; old?: SampleValue; at: number }
  | { kind: 'renewed'; request: ScadaRequest; at: number }
  | { kind: 'expired'; request: ScadaRequest; at: number };

/**
 * The requests in force, each lapsing `timeoutMs` after its last write. Holds no clock of its
 * own: every call gives `now`, so `simulate` and the tests run it on virtual time.
 */
export class ScadaRequests {
  private readonly byName = new Map<ScadaRequestName, ScadaRequest>();
  private readonly subject = new Subject<ScadaRequestEvent>();
  /** Every new value, renewal and lapse: the audit trail and the log follow it. */
  readonly events$: Observable<ScadaRequestEvent> = this.subject.asObservable();

  constructor(readonly timeoutMs: number) {}

  /** A write of the request (new, changed or renewed): in force until `now + timeoutMs`. */
  set(name: ScadaRequestName, value: SampleValue, now: number): ScadaRequestEvent {
    const old = this.active(now).get(name);
    const same = old !== undefined && old.value === value;
    const request: ScadaRequest = {
      name,
      value,
      since: same ? old.since : now,
      renewedAt: now,
      expiresAt: now + this.timeoutMs,
    };
    this.byName.set(name, request);
    const event: ScadaRequestEvent = same
      ? { kind: 'renewed', request, at: now }
      : { kind: 'set', request, ...(old ? { old: old.value } : {}), at: now };
    this.subject.next(event);
    return event;
  }

  /** The requests in force at `now`; lapsed ones are removed, each with an event. */
  active(now: number): ReadonlyMap<ScadaRequestName, ScadaRequest> {
    // Remove first, announce after: a listener may call active() again from inside the event.
    const lapsed = [...this.byName.values()].filter((r) => r.expiresAt <= now);
    for (const r of lapsed) this.byName.delete(r.name);
    for (const r of lapsed) this.subject.next({ kind: 'expired', request: r, at: now });
    return this.byName;
  }

  /** The value of a request in force at `now`, or undefined. */
  value(name: ScadaRequestName, now: number): SampleValue | undefined {
    return this.active(now).get(name)?.value;
  }

  complete(): void {
    this.subject.complete();
  }
}
