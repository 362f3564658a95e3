import { randomUUID } from 'node:crypto';
import {
  FLOOD_KEY,
  type Alarm,
  type AlarmEvent,
  type AlarmState,
  type AlarmTransition,
  type FloodPeriod,
} from '../alarms/alarm-list';
import type { AlarmPriority } from '../domain/alarm-priority';
import type { PointDef } from '../domain/point';
import { atResolution, formatWithUnit } from '../domain/resolution';
import type { SampleValue } from '../domain/sample';
import { isoInZone, siteTimeText } from '../util/site-time';

/**
 * One notification, as a webhook receives it (the JSON body) and as the e-mail is written from
 * it (`subject`, `text`). Times are ISO 8601 with the site's offset (`at`) and, for people, in
 * the site's zone (`atText`).
 */
export interface Notification {
  /**
   * The same on every attempt: a receiver that got a message twice (HeatBridge stopped between
   * the receiver's answer and deleting the message from its spool) can tell.
   */
  id: string;
  /** `flood`: the summary sent instead of one message per alarm while a flood lasts. */
  kind: 'alarm' | 'flood';
  event: AlarmEvent;
  site: { id: string; name: string };
  at: string;
  atText: string;
  alarm: {
    key: string;
    priority: AlarmPriority;
    message: string;
    state: AlarmState;
    source: Alarm['source'];
    /** The point an alarm definition watches, when it watches one. */
    point?: string;
    /** The value that raised or cleared it, at the point's resolution. */
    value?: SampleValue;
    unit?: string;
    /** The value with its unit as people read it: "58.2 °C". */
    valueText?: string;
    raisedAt: string;
    clearedAt?: string;
    ackedAt?: string;
    ackedBy?: string;
    shelvedUntil?: string;
  };
  by?: string;
  reason?: string;
  flood?: { start: string; end?: string; raised: number; byKey: Record<string, number> };
  /** The control-room page (notifications.pageUrl). */
  link?: string;
  subject: string;
  /** The message for people, several lines: what the e-mail's body is. */
  text: string;
}

export interface MessageContext {
  site: { id: string; name: string; timezone: string };
  pageUrl?: string;
  /** The point behind an alarm key (its definition's `point`), for the value's unit. */
  pointOf(key: string): PointDef | undefined;
  /** Message ids (default: random UUIDs). */
  newId?: () => string;
}

const EVENT_WORDS: Record<AlarmEvent, string> = {
  raised: 'raised',
  cleared: 'cleared',
  acknowledged: 'acknowledged',
  shelved: 'shelved',
  unshelved: 'back from the shelf',
};

const STATE_WORDS: Record<AlarmState, string> = {
  'active-unacked': 'active, not acknowledged',
  'active-acked': 'active, acknowledged',
  'returned-unacked': 'returned to normal, not acknowledged',
  normal: 'normal',
};

/** The notification for one alarm transition (the flood alarm's carry the flood's summary). */
export function alarmNotification(
  t: AlarmTransition,
  ctx: MessageContext,
  flood?: FloodPeriod,
): Notification {
  const { alarm } = t;
  const tz = ctx.site.timezone;
  const iso = (text: string | undefined): string | undefined =>
    text === undefined ? undefined : isoInZone(Date.parse(text), tz);
  const def = ctx.pointOf(alarm.key);
  const value = alarm.value === undefined ? {} : valueFields(alarm.value, def);
  const isFlood = alarm.key === FLOOD_KEY && flood !== undefined;
  const n: Omit<Notification, 'subject' | 'text'> = {
    id: (ctx.newId ?? randomUUID)(),
    kind: isFlood ? 'flood' : 'alarm',
    event: t.event,
    site: { id: ctx.site.id, name: ctx.site.name },
    at: isoInZone(t.at, tz),
    atText: siteTimeText(t.at, tz),
    alarm: {
      key: alarm.key,
      priority: alarm.priority,
      message: alarm.message,
      state: alarm.state,
      source: alarm.source,
      ...(def ? { point: def.id } : {}),
      ...value,
      raisedAt: iso(alarm.raisedAt)!,
      ...optional('clearedAt', iso(alarm.clearedAt)),
      ...optional('ackedAt', iso(alarm.ackedAt)),
      ...optional('ackedBy', alarm.ackedBy),
      ...optional('shelvedUntil', iso(alarm.shelved?.until)),
    },
    ...optional('by', t.by),
    ...optional('reason', t.reason),
    ...(isFlood
      ? {
          flood: {
            start: iso(flood.start)!,
            ...optional('end', iso(flood.end)),
            raised: flood.raised,
            byKey: { ...flood.byKey },
          },
        }
      : {}),
    ...optional('link', ctx.pageUrl),
  };
  return { ...n, subject: subjectOf(n), text: textOf(n, tz) };
}

function valueFields(
  v: SampleValue,
  def: PointDef | undefined,
): Pick<Notification['alarm'], 'value' | 'unit' | 'valueText'> {
  if (!def) return { value: v, valueText: String(v) };
  return { value: atResolution(v, def), unit: def.unit, valueText: formatWithUnit(v, def) };
}

function subjectOf(n: Omit<Notification, 'subject' | 'text'>): string {
  // The flood alarm's own text says it all ("alarm flood: 23 alarms in 10 min").
  if (n.kind === 'flood') return `[${n.site.name}] ${n.alarm.message}`;
  return `[${n.site.name}] ${n.alarm.priority.toUpperCase()} ${EVENT_WORDS[n.event]}: ${n.alarm.message}`;
}

function textOf(n: Omit<Notification, 'subject' | 'text'>, tz: string): string {
  const a = n.alarm;
  const lines = [
    `${a.priority.toUpperCase()} alarm ${EVENT_WORDS[n.event]} at ${n.atText}`,
    a.message,
    '',
    `Alarm: ${a.key}`,
  ];
  if (a.point) lines.push(`Point: ${a.point}${a.valueText ? ` = ${a.valueText}` : ''}`);
  else if (a.valueText) lines.push(`Value: ${a.valueText}`);
  lines.push(`State: ${STATE_WORDS[a.state]}`);
  if (n.by) lines.push(`By: ${n.by}${n.reason ? ` (${n.reason})` : ''}`);
  else if (n.reason) lines.push(`Reason: ${n.reason}`);
  if (a.shelvedUntil && n.event === 'shelved')
    lines.push(`Shelved until: ${siteTimeText(Date.parse(a.shelvedUntil), tz)}`);
  if (n.flood) {
    lines.push(
      n.event === 'cleared'
        ? `Alarms raised during the flood: ${n.flood.raised}`
        : `Alarms raised so far: ${n.flood.raised}. Until the flood is over only critical alarms are sent one by one; a summary follows at its end.`,
    );
    const byKey = Object.entries(n.flood.byKey).sort(
      (x, y) => y[1] - x[1] || x[0].localeCompare(y[0]),
    );
    for (const [key, count] of byKey) lines.push(`  ${key}${count > 1 ? ` ×${count}` : ''}`);
  }
  lines.push(`Site: ${n.site.name} (${n.site.id})`);
  if (n.link) lines.push(`Open: ${n.link}`);
  return lines.join('\n');
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
