import type { ControlLoop } from '../control/control-loop';
import type { WriteGuard } from '../control/write-guard';
import { formatActor } from '../domain/write-command';
import type { LatestValues } from '../runtime/latest-values';
import { visibleText } from '../util/unsafe-text';
import { ApiError } from './api-error';
import type { AuditAction, AuditLog } from './audit-log';
import type { Principal } from './auth';
import type { Change } from './route-spec';

/**
 * What goes into the audit log, and from where: every state-changing API call by a known user,
 * done or refused (auditApiCall, called by the route wrapper only), and the writes and expiries
 * that happen without a call (auditWritesAndExpiries).
 */

/** How a state-changing call ended: what it changed, or why it was refused (and the reason sent). */
export type CallOutcome = { change: Change } | { refused: ApiError; reason: string };

/**
 * The audit record of one state-changing API call. Text is recorded with any refused character
 * written as `<U+XXXX>`: what a refused request sent is stored as sent, harmlessly. (A done
 * call's text passed the schemas, which refuse those characters: it is stored as given.)
 */
export function auditApiCall(
  audit: AuditLog,
  call: { action: AuditAction; principal: Principal; target: string },
  outcome: CallOutcome,
): void {
  const who = {
    actor: formatActor({ kind: 'user', name: call.principal.name }),
    action: call.action,
    target: visibleText(call.target),
  };
  if ('change' in outcome) {
    const c = outcome.change;
    audit.record({
      ...who,
      old: c.old,
      new: c.new,
      reason: visibleText(c.reason),
      result: c.result ?? 'ok',
    });
    return;
  }
  const err = outcome.refused;
  audit.record({
    ...who,
    reason: visibleText(outcome.reason),
    result: `rejected: ${err.status} ${err.message}`,
  });
}

/** The refusal for a state change while the audit log cannot be written: nothing changes unaudited. */
export function auditUnavailable(audit: AuditLog): ApiError | undefined {
  const problem = audit.problem();
  if (!problem) return undefined;
  return new ApiError(
    503,
    'unavailable',
    'state changes are refused while the audit log cannot be written; see the HeatBridge log',
    undefined,
    problem,
  );
}

/**
 * The audit log gets what operators did through the API from the API itself (with old and new
 * values); here it also gets the writes those actions caused, every write that was refused or
 * failed, and overrides that expired on their own.
 */
export function auditWritesAndExpiries(
  audit: AuditLog,
  writes: WriteGuard,
  control: ControlLoop,
  latest: LatestValues,
): void {
  writes.outcomes$.subscribe((o) => {
    if (o.command.actor.kind !== 'user' && (o.status === 'written' || o.command.routine)) return;
    audit.record({
      at: o.at,
      actor: formatActor(o.command.actor),
      action: 'write',
      target: o.command.id,
      old: latest.get(o.command.id)?.value ?? null,
      new: o.value ?? o.command.value,
      reason: o.command.reason,
      result: o.status === 'written' ? 'ok' : `${o.status}: ${o.reason ?? ''}`,
    });
  });
  control.operator.events$.subscribe((e) => {
    if (e.kind !== 'override-expired') return;
    audit.record({
      at: e.at,
      actor: 'system:heatbridge',
      action: 'override-expired',
      target: e.override.id,
      old: e.override.value,
      new: null,
      reason: `override by ${formatActor(e.override.actor)} expired`,
      result: 'ok',
    });
  });
}
