import { FLOOD_KEY, type AlarmTransition } from '../alarms/alarm-list';
import type { NotifyEvent, NotifyRule } from '../config/notifications';

/** Why a transition was sent to nobody. */
export type Suppression = 'shelved' | 'flood' | 'no-rule';

export type Route = { targets: string[] } | { targets: []; suppressed: Suppression };

const isActive = (t: AlarmTransition): boolean =>
  t.alarm.state === 'active-unacked' || t.alarm.state === 'active-acked';

/**
 * Which targets hear of an alarm transition: every rule whose priorities and events match adds
 * its targets (each target once). Before the rules:
 *
 * - a **shelved** alarm notifies nobody (its `shelved` event itself only where a rule asks for
 *   it); one that comes off the shelf still active is news again and goes where `raised` goes;
 * - during a **flood** (the alarm list's `alarm-flood` alarm active) the flood alarm speaks for
 *   the others: one summary when it starts and one when it ends, not one message per alarm.
 *   Critical alarms still go out one by one: they are few, and each needs someone now.
 *
 * Keeps only whether a flood is on, learnt from the transitions themselves.
 */
export class NotificationRouter {
  constructor(
    private readonly rules: readonly NotifyRule[],
    private flooding: boolean,
  ) {}

  get inFlood(): boolean {
    return this.flooding;
  }

  route(t: AlarmTransition): Route {
    const flood = t.alarm.key === FLOOD_KEY;
    if (flood && t.event === 'raised') this.flooding = true;
    if (flood && t.event === 'cleared') this.flooding = false;
    if (t.alarm.shelved && t.event !== 'shelved') return { targets: [], suppressed: 'shelved' };
    if (this.flooding && !flood && t.alarm.priority !== 'critical')
      return { targets: [], suppressed: 'flood' };
    const events = eventsFor(t);
    const targets = new Set<string>();
    for (const rule of this.rules) {
      if (!rule.priorities.includes(t.alarm.priority)) continue;
      if (!rule.events.some((e) => events.includes(e))) continue;
      for (const name of rule.targets) targets.add(name);
    }
    return targets.size > 0 ? { targets: [...targets] } : { targets: [], suppressed: 'no-rule' };
  }
}

/** The rule events a transition answers to. */
function eventsFor(t: AlarmTransition): NotifyEvent[] {
  // Back from the shelf and still active: nobody heard of it while it was shelved.
  if (t.event === 'unshelved' && isActive(t)) return ['raised', 'unshelved'];
  return [t.event];
}
