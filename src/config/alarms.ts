import { z } from 'zod';
import { durationMs, enumOf, finiteNumber, intBetween, nameSchema, pointRefSchema } from './common';
import { ALARM_PRIORITIES } from '../domain/alarm-priority';

const prioritySchema = enumOf(ALARM_PRIORITIES, 'a priority: critical, high, medium or low');

/** What every alarm definition has: a name (its key), a priority, delays against chattering. */
const common = {
  name: nameSchema,
  priority: prioritySchema.default('medium'),
  /** What the operator reads; a default is made from the definition. */
  message: z.string().min(1).max(200).optional(),
  /** The condition must hold this long before the alarm is raised. */
  onDelayMs: durationMs(0).default(0),
  /** …and be gone this long before it returns to normal. */
  offDelayMs: durationMs(0).default(0),
};

/**
 * A limit on a numeric point: above `high` or below `low`; it clears only `deadband` inside the
 * limit again. A bad or stale value leaves the alarm as it is (the quality alarm speaks then).
 */
export const limitAlarmSchema = z
  .strictObject({
    type: z.literal('limit'),
    ...common,
    point: pointRefSchema,
    high: finiteNumber.optional(),
    low: finiteNumber.optional(),
    deadband: finiteNumber.min(0).default(0),
  })
  .refine((d) => d.high !== undefined || d.low !== undefined, {
    message: 'a limit alarm needs high, low or both',
  });

/**
 * Data quality: a point (or, with `device`, every point of a device — the device is offline)
 * stale or bad, or without any value yet.
 */
export const qualityAlarmSchema = z
  .strictObject({
    type: z.literal('quality'),
    ...common,
    point: pointRefSchema.optional(),
    device: nameSchema.optional(),
    when: z
      .array(enumOf(['stale', 'bad'] as const, 'stale or bad'))
      .min(1)
      .default(['stale', 'bad']),
  })
  .refine((d) => (d.point === undefined) !== (d.device === undefined), {
    message: 'a quality alarm watches exactly one of point and device',
  });

/** Equipment states: a point equal to one of the values (a heat pump tripped, the PLC safe). */
export const stateAlarmSchema = z.strictObject({
  type: z.literal('state'),
  ...common,
  point: pointRefSchema,
  in: z.array(z.union([finiteNumber, z.boolean(), z.string()])).min(1),
});

/** A counter that went up (lines the historian dropped): raised, and normal again after `clearAfterMs` without. */
export const counterAlarmSchema = z.strictObject({
  type: z.literal('counter'),
  ...common,
  point: pointRefSchema,
  clearAfterMs: durationMs(1000, 7 * 24 * 3600 * 1000).default(3600_000),
});

export const alarmDefinitionSchema = z.discriminatedUnion(
  'type',
  [limitAlarmSchema, qualityAlarmSchema, stateAlarmSchema, counterAlarmSchema],
  { error: 'expected type: limit, quality, state or counter' },
);

export const alarmsSchema = z.strictObject({
  /** Alarm states, acknowledgements and shelves: kept here so a restart forgets nothing. */
  stateFile: z.string().min(1).default('data/alarms.json'),
  /** How often definitions are evaluated against the latest values. */
  evaluateEveryMs: durationMs(100, 60_000).default(1000),
  /** More than `count` alarms raised within `windowMs` is a flood: one flood alarm, reported. */
  flood: z
    .strictObject({
      count: intBetween(1, 10_000).default(10),
      windowMs: durationMs(1000).default(600_000),
    })
    .default({ count: 10, windowMs: 600_000 }),
  /** Longest an operator may shelve an alarm. */
  maxShelveMs: durationMs(60_000, 7 * 24 * 3600 * 1000).default(8 * 3600 * 1000),
  /**
   * After a restart, an alarm control had raised must be raised again within this long, or it
   * returns to normal (its condition is gone).
   */
  confirmAfterMs: durationMs(1000, 3600_000).default(60_000),
  definitions: z.array(alarmDefinitionSchema).default([]),
});

export type AlarmsConfig = z.output<typeof alarmsSchema>;
export type AlarmDefinition = z.output<typeof alarmDefinitionSchema>;

export const ALARMS_DEFAULTS: AlarmsConfig = {
  stateFile: 'data/alarms.json',
  evaluateEveryMs: 1000,
  flood: { count: 10, windowMs: 600_000 },
  maxShelveMs: 8 * 3600 * 1000,
  confirmAfterMs: 60_000,
  definitions: [],
};
