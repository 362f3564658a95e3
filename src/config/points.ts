import { z } from 'zod';
import { ACCESS_MODES, POINT_KINDS } from '../domain/point';
import {
  ALWAYS,
  durationMs,
  enumOf,
  finiteNumber,
  isFiniteNumber,
  nameSchema,
  unitSchema,
} from './common';

export const boundsSchema = z
  .strictObject({
    min: finiteNumber,
    max: finiteNumber,
    /** Largest change per minute, in the point's unit (e.g. 10 for 10 %/min on a % setpoint). */
    maxRatePerMin: finiteNumber.positive({ error: 'expected a number > 0' }).optional(),
  })
  .refine((b) => !isFiniteNumber(b.min) || !isFiniteNumber(b.max) || b.min <= b.max, {
    error: 'min must not be greater than max',
    path: ['max'],
    ...ALWAYS,
  });

export const historianPolicySchema = z.discriminatedUnion(
  'mode',
  [
    z.strictObject({ mode: z.literal('every') }),
    z.strictObject({
      mode: z.literal('on-change'),
      /** Record a sample only when it differs from the last recorded one by more than this. */
      deadband: finiteNumber.min(0, { error: 'expected a number ≥ 0' }).default(0),
    }),
  ],
  { error: 'expected mode: every or on-change' },
);

/** Fields every point has, whatever protocol carries it. */
export const basePointFields = {
  name: nameSchema,
  description: z.string().optional(),
  unit: unitSchema,
  kind: enumOf(POINT_KINDS, 'a point kind').default('measurement'),
  access: enumOf(ACCESS_MODES, 'an access mode').default('r'),
  bounds: boundsSchema.optional(),
  /**
   * The step values are shown at (API, page, CLI, reports, alarm text), e.g. 0.5 or 1; default
   * from the unit (0.1 for °C and kW, 0.01 for ratios). Stored data keeps full precision.
   */
  resolution: finiteNumber.positive({ error: 'expected a number > 0' }).optional(),
  historian: historianPolicySchema.default({ mode: 'every' }),
  /** Age after which the value counts as stale; default 3 × the device's poll/sampling period. */
  staleAfterMs: durationMs().optional(),
};
