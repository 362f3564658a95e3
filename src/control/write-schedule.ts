import type { SampleValue } from '../domain/sample';

/**
 * Is a controller's command due to be written? When the value changed, or when it was last
 * written `refreshMs` ago (a device that restarted has lost it). Unchanged commands are not
 * re-sent every cycle: the field bus and the audit trail stay quiet. Pure.
 */
export function writeDue(
  value: SampleValue,
  last: { value: SampleValue; at: number } | undefined,
  now: number,
  refreshMs: number,
): boolean {
  if (!last) return true;
  if (now - last.at >= refreshMs) return true;
  if (typeof value === 'number' && typeof last.value === 'number')
    return Math.abs(value - last.value) > 1e-9;
  return value !== last.value;
}
