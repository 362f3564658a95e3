import { z } from 'zod';
import { NAME_PATTERN, isPointId } from '../domain/point-id';
import { UNITS } from '../domain/units';

/**
 * Building blocks shared by the per-component schemas. Messages are written for the person editing
 * the YAML file: they say what was expected, in words, not in zod's vocabulary.
 */

export const nameSchema = z
  .string({ error: 'expected a name (lower case letter, then letters, digits, _ or -)' })
  .regex(NAME_PATTERN, {
    error: 'expected a name: a lower-case letter, then lower-case letters, digits, _ or - (max 64)',
  });

export function intAtLeast(min: number, what = `an integer ≥ ${min}`) {
  return z.int({ error: `expected ${what}` }).min(min, { error: `expected ${what}` });
}

export function intBetween(min: number, max: number, what = `an integer from ${min} to ${max}`) {
  return z
    .int({ error: `expected ${what}` })
    .min(min, { error: `expected ${what}` })
    .max(max, { error: `expected ${what}` });
}

export const finiteNumber = z.number({ error: 'expected a number' }).finite();

/** Durations are integers in milliseconds in the config, suffixed `Ms` in their key. */
export function durationMs(min = 1, max = 24 * 3600 * 1000) {
  return intBetween(min, max, `a duration in milliseconds from ${min} to ${max}`);
}

export const portSchema = intBetween(1, 65535, 'a TCP port from 1 to 65535');

export const hostSchema = z
  .string({ error: 'expected a host name or IP address' })
  .min(1, { error: 'expected a host name or IP address' });

export const unitSchema = z.enum(UNITS, {
  error: `expected a unit, one of ${UNITS.join(', ')}`,
});

/** A reference to a point elsewhere in the config, `"<device>/<point>"`. */
export const pointRefSchema = z
  .string({ error: 'expected a point id "<device>/<point>"' })
  .refine(isPointId, { error: 'expected a point id "<device>/<point>" in lower case' });

export function enumOf<const T extends readonly [string, ...string[]]>(values: T, what: string) {
  return z.enum(values, { error: `expected ${what}: one of ${values.join(', ')}` });
}

/**
 * Refinement option: run even when some fields already failed, so every problem in a file is
 * reported at once. Such a refinement sees raw values for the failed fields and must check each
 * value it uses (see `isOneOf`), or it would add confusing follow-up errors.
 */
export const ALWAYS = {
  // Not when the value is not even a mapping (an empty list item is null): there are no fields to
  // check, its type is already reported, and reading a field of null would throw.
  when: (payload: { value: unknown }) =>
    typeof payload.value === 'object' && payload.value !== null,
} as const;

export function isOneOf<const T extends readonly unknown[]>(values: T, v: unknown): v is T[number] {
  return values.includes(v);
}

export const isFiniteNumber = (v: unknown): v is number =>
  typeof v === 'number' && Number.isFinite(v);
