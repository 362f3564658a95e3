import type { WriteGuard } from '../control/write-guard';
import { hasRole } from '../api/auth';
import type { AuditLog } from '../api/audit-log';
import { auditUnavailable } from '../api/audit-trail';
import type { Role } from '../config/api';
import type { PointDef } from '../domain/point';
import type { PointId } from '../domain/point-id';
import type { SampleValue } from '../domain/sample';
import { formatActor, type Actor } from '../domain/write-command';
import type { RejectCode } from '../domain/write-outcome';
import type { Logger } from '../log';
import {
  SCADA_REQUEST_NAMES,
  scadaPointId,
  scadaRequestOf,
  type ScadaRequestEvent,
  type ScadaRequests,
} from '../utility/scada-requests';

/** Who writes: an authenticated OPC UA user, or a Modbus client named in the config. */
export interface ScadaCaller {
  /** The user (OPC UA: the API token's name) or the Modbus client's configured name. */
  name: string;
  role: Role;
  via: 'opcua' | 'modbus';
  /** The peer's address, for the audit trail. */
  from?: string;
}

export type ScadaRefusal = 'forbidden' | 'unavailable' | 'not-a-request' | RejectCode | 'failed';

export type ScadaWriteResult =
  | {
      ok: true;
      /** What the write guard let through (clamped into the bounds). */
      value: SampleValue;
      adjusted: string[];
      /** When the request lapses unless renewed. */
      expiresAt: number;
      /** The same value again: a renewal (counted, not audited). */
      renewed: boolean;
    }
  | { ok: false; code: ScadaRefusal; reason: string };

export interface ScadaGateOptions {
  writes: Pick<WriteGuard, 'write'>;
  requests: ScadaRequests;
  defs: ReadonlyMap<PointId, PointDef>;
  audit: AuditLog;
  log: Logger;
  now: () => number;
}

const VIA = { opcua: 'OPC UA', modbus: 'Modbus TCP' } as const;

/**
 * The one way the northbound servers write (issue 24): the caller's role must hold `utility`
 * (the utility's system, or an engineer), the audit log must be writable, and the value goes
 * through the write guard like every write — its bounds, its type checks, its read-only switch —
 * to the `utility` device, where it is in force until the SCADA stops renewing it. A new or
 * changed request is an audit entry (old and new value); a renewal is counted; a lapse is an
 * entry by HeatBridge and a warning in the log. A refused write is recorded once per caller,
 * point and reason until that caller's write to the point gets through (a SCADA retrying every
 * few seconds is one entry, not hundreds); the write guard's own refusals are recorded by
 * src/api/audit-trail.ts as for any actor.
 */
export class ScadaGate {
  private readonly refusedOnce = new Set<string>();
  private readonly warnedOnce = new Set<string>();
  private readonly counts = { set: 0, renewed: 0, refused: 0, lapsed: 0 };

  constructor(private readonly opts: ScadaGateOptions) {
    opts.requests.events$.subscribe((e) => this.onEvent(e));
  }

  /** The writable request points, in a fixed order (the servers' address spaces follow it). */
  requestPoints(): PointDef[] {
    return SCADA_REQUEST_NAMES.map((n) => this.opts.defs.get(scadaPointId(n))).filter(
      (d): d is PointDef => d !== undefined,
    );
  }

  /** The request in force for a point, or undefined (for a server's read of a request node). */
  current(id: PointId): { value: SampleValue; expiresAt: number } | undefined {
    const name = scadaRequestOf(id);
    return name ? this.opts.requests.active(this.opts.now()).get(name) : undefined;
  }

  stats(): Record<string, number> {
    return { ...this.counts };
  }

  async request(caller: ScadaCaller, id: PointId, value: SampleValue): Promise<ScadaWriteResult> {
    const actor: Actor = { kind: 'user', name: caller.name };
    const key = (code: string): string => `${caller.via} ${caller.name} ${id} ${code}`;
    const refuse = (code: ScadaRefusal, reason: string): ScadaWriteResult => {
      this.counts.refused += 1;
      // The write guard's refusals are audited by audit-trail.ts; these never reached it.
      const own = code === 'forbidden' || code === 'not-a-request';
      if (own && !this.refusedOnce.has(key(code))) {
        this.refusedOnce.add(key(code));
        this.opts.audit.record({
          actor: formatActor(actor),
          action: 'scada-request',
          target: id.slice(0, 200),
          new: value,
          reason: this.via(caller),
          result: `rejected: ${reason}`,
        });
      }
      // One warning per caller, point and reason until a write of theirs gets through: a SCADA
      // retrying every second against a read-only site is one line, then debug.
      const first = !this.warnedOnce.has(key(code));
      this.warnedOnce.add(key(code));
      this.opts.log[first ? 'warn' : 'debug'](
        { actor: formatActor(actor), via: caller.via, from: caller.from, point: id, code },
        `SCADA write refused: ${reason}`,
      );
      return { ok: false, code, reason };
    };
    const name = scadaRequestOf(id);
    if (!name || !this.opts.defs.has(id))
      return refuse('not-a-request', `${id} is not a SCADA request point`);
    if (!hasRole(caller.role, 'utility'))
      return refuse(
        'forbidden',
        `${caller.name} (${caller.role}) may not write requests: needs the utility or engineer role`,
      );
    const unavailable = auditUnavailable(this.opts.audit);
    if (unavailable) return refuse('unavailable', unavailable.message);
    const before = this.opts.requests.active(this.opts.now()).get(name);
    const outcome = await this.opts.writes.write({
      id,
      value,
      actor,
      reason: this.via(caller),
    });
    if (outcome.status === 'rejected')
      return refuse(outcome.code ?? 'failed', outcome.reason ?? 'refused by the write guard');
    if (outcome.status === 'failed') return refuse('failed', outcome.reason ?? 'failed');
    for (const k of [...this.refusedOnce, ...this.warnedOnce])
      if (k.startsWith(key(''))) {
        this.refusedOnce.delete(k);
        this.warnedOnce.delete(k);
      }
    const written = outcome.value ?? value;
    const renewed = before !== undefined && before.value === written;
    if (renewed) this.counts.renewed += 1;
    else {
      this.counts.set += 1;
      this.opts.audit.record({
        at: outcome.at,
        actor: formatActor(actor),
        action: 'scada-request',
        target: id,
        old: before?.value ?? null,
        new: written,
        reason: this.via(caller),
        result: outcome.adjusted?.length ? `ok: ${outcome.adjusted.join('; ')}` : 'ok',
      });
      this.opts.log.info(
        {
          actor: formatActor(actor),
          via: caller.via,
          from: caller.from,
          point: id,
          value: written,
        },
        'SCADA request in force',
      );
    }
    return {
      ok: true,
      value: written,
      adjusted: outcome.adjusted ?? [],
      // From the instant the write guard sent it (the device took it then).
      expiresAt: outcome.at + this.opts.requests.timeoutMs,
      renewed,
    };
  }

  private via(caller: ScadaCaller): string {
    const from = caller.from ? ` from ${caller.from}` : '';
    return `SCADA request via ${VIA[caller.via]}${from} (lapses unless renewed within ${this.opts.requests.timeoutMs / 1000} s)`;
  }

  private onEvent(e: ScadaRequestEvent): void {
    if (e.kind !== 'expired') return;
    this.counts.lapsed += 1;
    const id = scadaPointId(e.request.name);
    this.opts.audit.record({
      at: e.at,
      actor: 'system:heatbridge',
      action: 'scada-request-expired',
      target: id,
      old: e.request.value,
      new: null,
      reason: `not renewed for ${this.opts.requests.timeoutMs / 1000} s: control falls back to the plan, else the supply curve`,
      result: 'ok',
    });
    this.opts.log.warn(
      { point: id, value: e.request.value, since: new Date(e.request.since).toISOString() },
      'SCADA request lapsed (not renewed): control falls back to the plan, else the supply curve',
    );
  }
}
