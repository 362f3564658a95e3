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
 * done or refused (auditApiCall, called by the route wrapper only), and what happens without a
 * call (auditWritesAndExpiries): overrides expiring, and writes refused or failing (once per
 * episode).
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
 * After a point's writes get through again, a refusal or failure within this long goes on with
 * the episode rather than starting a new one: a device that fails every other write is one entry,
 * not one per flap.
 */
export const WRITE_EPISODE_QUIET_MS = 10 * 60_000;

/** One actor's writes to one point being refused or failing: recorded once, then counted. */
interface WriteEpisode {
  count: number;
  /** When a write to the point got through since the last refusal or failure. */
  clearSince: number | undefined;
}

/**
 * The audit log records actions, one entry each: what operators did through the API (with old
 * and new values, written by the route wrapper) and overrides that expired on their own. The
 * writes the controllers make — an operator's override included, ramped by the rate limit over
 * many cycles and refreshed every `refreshMs` — are not actions but their execution: every one of
 * them, with its actor (`user:olli` for an override's), is in the historian's write record (the
 * `audit` measurement, `event=write`), never here, so a 30-minute override is one entry, not 30.
 *
 * What is audited of writes is what somebody must notice: a write refused by the write guard or
 * failed at the device, once per episode — the first refusal or failure of an actor's writes to a
 * point, with its reason. Retries and repeats are counted, not recorded; the episode ends once a
 * write to the point has got through and none failed for WRITE_EPISODE_QUIET_MS, so neither a
 * dead PLC (the heartbeat every 2 s) nor a flapping one floods the log.
 */
export function auditWritesAndExpiries(
  audit: AuditLog,
  writes: Pick<WriteGuard, 'outcomes$'>,
  control: ControlLoop,
  latest: Pick<LatestValues, 'get'>,
): void {
  const episodes = new Map<string, WriteEpisode>();
  writes.outcomes$.subscribe((o) => {
    const id = o.command.id;
    if (o.status === 'written') {
      for (const [key, e] of episodes) {
        if (!key.startsWith(`${id} `)) continue;
        e.clearSince ??= o.at;
        if (o.at - e.clearSince >= WRITE_EPISODE_QUIET_MS) episodes.delete(key);
      }
      return;
    }
    const actor = formatActor(o.command.actor);
    const key = `${id} ${actor}`;
    const going = episodes.get(key);
    if (
      going &&
      (going.clearSince === undefined || o.at - going.clearSince < WRITE_EPISODE_QUIET_MS)
    ) {
      going.count += 1;
      going.clearSince = undefined;
      return;
    }
    episodes.set(key, { count: 1, clearSince: undefined });
    audit.record({
      at: o.at,
      actor,
      action: 'write',
      target: id,
      old: latest.get(id)?.value ?? null,
      new: o.value ?? o.command.value,
      reason: o.command.reason,
      result: `${o.status}: ${o.reason ?? ''}`,
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
