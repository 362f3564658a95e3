import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Observable, Subscription } from 'rxjs';
import {
  FLOOD_KEY,
  type Alarm,
  type AlarmTransition,
  type FloodPeriod,
} from '../alarms/alarm-list';
import type { NotificationsConfig } from '../config/notifications';
import type { PointDef } from '../domain/point';
import type { Logger } from '../log';
import type { Component, ComponentContext } from '../runtime/component';
import { EpisodeLog } from '../util/episode-log';
import { DeliveryQueue, type DeliveryStats, type NotifyTarget } from './delivery';
import type * as Email from './email';
import { alarmNotification, type Notification } from './message';
import { NotificationRouter, type Suppression } from './routing';
import { WebhookTarget } from './webhook';

/** What the notifier needs of the alarm list. */
export interface AlarmSource {
  readonly transitions$: Observable<AlarmTransition>;
  get(key: string): Alarm | undefined;
  /** Newest first. */
  floodPeriods(): FloodPeriod[];
}

export interface NotifierOptions {
  config: NotificationsConfig;
  site: { id: string; name: string; timezone: string };
  alarms: AlarmSource;
  /** The point behind an alarm key, for the value's unit (`alarmPoints`). */
  pointOf: (key: string) => PointDef | undefined;
  log: Logger;
  now?: () => number;
  /** Targets in place of those the config describes (tests). */
  targets?: NotifyTarget[];
  /** Messages held in memory until they are on disk; beyond this they are dropped and counted. */
  queueLimit?: number;
  random?: () => number;
  newId?: () => string;
}

interface Pending {
  n: Notification;
  targets: string[];
}

/**
 * Tells people about alarms when nobody is looking at the page: each alarm transition is routed
 * by the site's rules (priority, event → targets; shelving and floods respected, see
 * `NotificationRouter`), written to each target's disk spool and delivered from there (see
 * `DeliveryQueue`).
 *
 * Never in control's way: the alarm list publishes transitions from inside control's cycle, so
 * taking one costs only a push onto a bounded in-memory queue; spool writes and deliveries
 * happen afterwards, off that call. Transitions are taken from construction on, so the ones
 * that happen while the supervisor starts other components are not missed.
 */
export class Notifier implements Component {
  readonly name = 'notifications';
  private readonly queues: DeliveryQueue[];
  private readonly router: NotificationRouter;
  private readonly sub: Subscription;
  private readonly waiting: Pending[] = [];
  private readonly limit: number;
  private readonly now: () => number;
  private readonly overflow: EpisodeLog;
  private readonly spoolErrors: EpisodeLog;
  private ctx: ComponentContext | undefined;
  private drainScheduled = false;
  private readonly suppressed: Record<Suppression, number> = { shelved: 0, flood: 0, 'no-rule': 0 };
  private lost = 0;

  constructor(private readonly opts: NotifierOptions) {
    this.now = opts.now ?? Date.now;
    this.limit = opts.queueLimit ?? 1000;
    const log = opts.log.child({ component: this.name });
    const targets = opts.targets ?? targetsFrom(opts.config, log);
    const dir = resolve(opts.config.spoolDir);
    this.queues = targets.map(
      (t) =>
        new DeliveryQueue(t, {
          dir: join(dir, t.name),
          maxBytes: opts.config.maxSpoolBytes,
          retry: opts.config.retry,
          log,
          now: this.now,
          ...(opts.random ? { random: opts.random } : {}),
          changed: () => this.reportHealth(),
        }),
    );
    const flood = opts.alarms.get(FLOOD_KEY);
    const flooding = flood?.state === 'active-unacked' || flood?.state === 'active-acked';
    this.router = new NotificationRouter(opts.config.rules, flooding);
    this.overflow = new EpisodeLog({
      log,
      now: this.now,
      started: 'notification queue full (the disk is not keeping up); dropping notifications',
      cleared: 'notification queue has room again',
      level: 'error',
    });
    this.spoolErrors = new EpisodeLog({
      log,
      now: this.now,
      started: 'cannot write notifications to the spool; dropping them',
      cleared: 'notifications are written to the spool again',
      level: 'error',
    });
    this.sub = opts.alarms.transitions$.subscribe((t) => this.take(t));
  }

  async start(ctx: ComponentContext): Promise<void> {
    const started: DeliveryQueue[] = [];
    try {
      for (const q of this.queues) {
        started.push(q);
        q.start();
      }
    } catch (err) {
      this.sub.unsubscribe();
      await Promise.all(started.map((q) => q.stop()));
      const name = started.at(-1)?.target.name;
      throw new Error(`target ${name}: ${(err as Error).message}`, { cause: err });
    }
    this.warnAboutOrphans(ctx);
    this.ctx = ctx;
    this.drain();
  }

  async stop(): Promise<void> {
    this.sub.unsubscribe();
    // What was taken is written down before stopping: the next start sends it.
    if (this.ctx) this.drain();
    this.ctx = undefined;
    await Promise.all(this.queues.map((q) => q.stop()));
  }

  details(): Record<string, unknown> {
    const targets: Record<string, DeliveryStats> = {};
    for (const q of this.queues) targets[q.target.name] = q.stats();
    return {
      targets,
      suppressed: { ...this.suppressed },
      ...(this.lost > 0 ? { lost: this.lost } : {}),
    };
  }

  /** Called by the alarm list's publication, inside control's cycle: only cheap work here. */
  private take(t: AlarmTransition): void {
    try {
      const route = this.router.route(t);
      if ('suppressed' in route) {
        this.suppressed[route.suppressed] += 1;
        return;
      }
      if (this.waiting.length >= this.limit) {
        this.lost += 1;
        this.overflow.occurred('queue', { limit: this.limit, lost: this.lost });
        return;
      }
      const flood = t.alarm.key === FLOOD_KEY ? this.opts.alarms.floodPeriods()[0] : undefined;
      const n = alarmNotification(
        t,
        {
          site: this.opts.site,
          pointOf: this.opts.pointOf,
          ...(this.opts.config.pageUrl ? { pageUrl: this.opts.config.pageUrl } : {}),
          ...(this.opts.newId ? { newId: this.opts.newId } : {}),
        },
        flood,
      );
      this.waiting.push({ n, targets: route.targets });
      this.scheduleDrain();
    } catch (err) {
      // Whatever goes wrong here must not reach the alarm list (and control) that called.
      this.lost += 1;
      this.opts.log.error(
        { err: (err as Error).message, alarm: t.alarm.key },
        'notification not made',
      );
    }
  }

  private scheduleDrain(): void {
    if (!this.ctx || this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  /** Moves waiting messages to their targets' spools. */
  private drain(): void {
    if (!this.ctx) return;
    while (this.waiting.length > 0) {
      const { n, targets } = this.waiting.shift()!;
      for (const q of this.queues) {
        if (!targets.includes(q.target.name)) continue;
        try {
          q.enqueue(n);
          this.spoolErrors.cleared(q.target.name);
        } catch (err) {
          this.lost += 1;
          this.spoolErrors.occurred(q.target.name, {
            target: q.target.name,
            err: (err as Error).message,
          });
        }
      }
    }
    this.overflow.cleared('queue');
  }

  /** Messages for a target no longer in the config would wait forever unseen: say so. */
  private warnAboutOrphans(ctx: ComponentContext): void {
    const dir = resolve(this.opts.config.spoolDir);
    const known = new Set(this.queues.map((q) => q.target.name));
    for (const name of entries(dir) ?? []) {
      const waiting = known.has(name) ? 0 : (entries(join(dir, name))?.length ?? 0);
      if (waiting > 0)
        ctx.log.warn(
          { folder: join(dir, name), waiting },
          'notifications wait for a target that is no longer configured; they will not be sent',
        );
    }
  }

  private reportHealth(): void {
    const failing = this.queues.filter((q) => q.failing);
    if (failing.length === 0) this.ctx?.report('running');
    else
      this.ctx?.report(
        'degraded',
        failing
          .map((q) => `${q.target.name} failing (${q.error}); ${q.stats().pending} waiting`)
          .join('; '),
      );
  }
}

/** A folder's entries; undefined when it is not a folder (or not there). */
function entries(dir: string): string[] | undefined {
  try {
    return readdirSync(dir);
  } catch {
    return undefined;
  }
}

function targetsFrom(config: NotificationsConfig, log: Logger): NotifyTarget[] {
  return Object.entries(config.targets).map(([name, t]) =>
    t.type === 'webhook' ? new WebhookTarget(name, t) : emailTarget(name, t, log),
  );
}

/** The point each alarm definition watches, by alarm key, resolved against the point defs. */
export function alarmPoints(
  definitions: readonly { name: string; point?: string }[],
  defs: ReadonlyMap<string, PointDef>,
): (key: string) => PointDef | undefined {
  const byKey = new Map<string, PointDef>();
  for (const d of definitions) {
    const def = d.point === undefined ? undefined : defs.get(d.point);
    if (def) byKey.set(d.name, def);
  }
  return (key) => byKey.get(key);
}

/**
 * nodemailer (about 20 MB of resident memory) is loaded only for a site that sends e-mail
 * (issue 25).
 */
function emailTarget(
  name: string,
  t: ConstructorParameters<typeof Email.EmailTarget>[1],
  log: Logger,
): Email.EmailTarget {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { EmailTarget } = require('./email') as typeof Email;
  return new EmailTarget(name, t, log);
}
