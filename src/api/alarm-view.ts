import type { Alarm, AlarmTransition, FloodPeriod } from '../alarms/alarm-list';
import { isoInZone } from '../util/site-time';

/**
 * Alarms as the API shows them: every time in the site's zone with its offset (contract C5). The
 * alarm list and its file keep their times as they are; only what goes out is converted, as the
 * audit log's entries are.
 */
const inZone = (iso: string, timeZone: string): string => isoInZone(Date.parse(iso), timeZone);

export function alarmInZone(a: Alarm, timeZone: string): Alarm {
  return {
    ...a,
    raisedAt: inZone(a.raisedAt, timeZone),
    ...(a.clearedAt !== undefined ? { clearedAt: inZone(a.clearedAt, timeZone) } : {}),
    ...(a.ackedAt !== undefined ? { ackedAt: inZone(a.ackedAt, timeZone) } : {}),
    ...(a.shelved
      ? {
          shelved: {
            ...a.shelved,
            since: inZone(a.shelved.since, timeZone),
            until: inZone(a.shelved.until, timeZone),
          },
        }
      : {}),
  };
}

export function floodInZone(f: FloodPeriod, timeZone: string): FloodPeriod {
  return {
    ...f,
    start: inZone(f.start, timeZone),
    ...(f.end !== undefined ? { end: inZone(f.end, timeZone) } : {}),
  };
}

/** A transition for the live stream: its alarm's times and its own (ms in the list) as ISO. */
export function transitionInZone(
  t: AlarmTransition,
  timeZone: string,
): Omit<AlarmTransition, 'at'> & { at: string } {
  return { ...t, alarm: alarmInZone(t.alarm, timeZone), at: isoInZone(t.at, timeZone) };
}
