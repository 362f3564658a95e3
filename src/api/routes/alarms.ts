import type { z } from 'zod';
import type { ActionResult, Alarm } from '../../alarms/alarm-list';
import type { SampleValue } from '../../domain/sample';
import { formatActor } from '../../domain/write-command';
import { siteTimeText } from '../../util/site-time';
import { alarmInZone, floodInZone } from '../alarm-view';
import { ApiError } from '../api-error';
import type { AuditAction } from '../audit-log';
import { changed, get, post, resource, type Changed, type HandlerContext } from '../route-spec';
import * as S from '../schemas';
import { actorOf, type ApiDeps } from './shared';

/** The alarm an alarm-list action left, or the API error it was refused with. */
function alarmOrThrow(r: ActionResult): Alarm {
  if (r.ok) return r.alarm;
  throw new ApiError(r.status, r.status === 404 ? 'not_found' : 'conflict', r.message);
}

/** What an operator's action on one alarm acts on, for its audit record: the alarm's key. */
function onAlarm(action: AuditAction) {
  return { action, target: (p: Record<string, string>) => p.key ?? '' };
}

/** The alarm list: reading it, floods, and what operators do to an alarm. */
export const alarmRoutes = resource('alarms', (deps: ApiDeps) => {
  const { site, now } = deps;
  const tz = site.site.timezone;
  /**
   * Unshelving and acknowledging: `act` on the alarm in the path with the optional comment in
   * the body; audited from `before` (read first) to the alarm's new state.
   */
  const commented =
    (
      before: (key: string) => SampleValue | null,
      act: (key: string, by: string, at: number, reason?: string) => ActionResult,
    ) =>
    ({ params, body, principal }: HandlerContext): Changed => {
      const key = params.key!;
      const old = before(key);
      const reason = (body as z.infer<typeof S.ackBody>).reason;
      const alarm = alarmOrThrow(act(key, formatActor(actorOf(principal)), now(), reason));
      return changed(alarmInZone(alarm, tz), { old, new: alarm.state, reason: reason ?? '' });
    };
  const oneAlarm = { params: S.alarmParams, response: S.alarmSchema };

  return [
    get('/api/alarms', 'read', {
      summary: 'Alarms that are active or not yet acknowledged, most urgent first',
      description: 'Shelved alarms are left out; `?shelved=true` lists them instead.',
      query: S.alarmsQuery,
      response: S.alarmSchema.array(),
      handle: ({ query }) =>
        deps.alarms.list({ shelved: query.shelved === 'true' }).map((a) => alarmInZone(a, tz)),
    }),
    get('/api/alarms/floods', 'read', {
      summary: 'Alarm floods: when, how many alarms, which ones; newest first',
      response: S.floodSchema.array(),
      handle: () => deps.alarms.floodPeriods().map((f) => floodInZone(f, tz)),
    }),
    post('/api/alarms/:key/shelve', 'operator', {
      summary: 'Shelve an alarm: hidden from the list until the shelf expires',
      description:
        'At most alarms.maxShelveMs. The alarm goes on changing state meanwhile; when the shelf expires an alarm still active is listed again, unacknowledged.',
      ...oneAlarm,
      body: S.shelveBody,
      audit: onAlarm('alarm-shelved'),
      handle: ({ params, body, principal }) => {
        const b = body as z.infer<typeof S.shelveBody>;
        const t = now();
        const until = S.endOf(b, t);
        const max = site.alarms.maxShelveMs;
        if (!(until > t) || until - t > max)
          throw new ApiError(
            400,
            'invalid_request',
            `a shelf lasts more than 0 and at most ${max / 60_000} min (alarms.maxShelveMs)`,
            [{ path: 'body.durationMin', message: 'out of range' }],
          );
        const by = formatActor(actorOf(principal));
        const alarm = alarmOrThrow(deps.alarms.shelve(params.key!, by, b.reason, t, until));
        return changed(alarmInZone(alarm, tz), {
          old: alarm.state,
          new: `shelved until ${siteTimeText(until, tz)}`,
          reason: b.reason,
        });
      },
    }),
    post('/api/alarms/:key/unshelve', 'operator', {
      summary: 'Put a shelved alarm back on the list now',
      ...oneAlarm,
      body: S.ackBody,
      audit: onAlarm('alarm-unshelved'),
      handle: commented(
        () => 'shelved',
        (key, by, at, reason) => deps.alarms.unshelve(key, by, at, reason),
      ),
    }),
    post('/api/alarms/:key/ack', 'operator', {
      summary: 'Acknowledge an alarm',
      ...oneAlarm,
      body: S.ackBody,
      audit: onAlarm('alarm-acknowledged'),
      handle: commented(
        (key) => deps.alarms.get(key)?.state ?? null,
        (key, by, at, reason) => deps.alarms.acknowledge(key, by, at, reason),
      ),
    }),
  ];
});
