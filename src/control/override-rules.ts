import { isWritable, type PointDef } from '../domain/point';
import type { SampleValue } from '../domain/sample';
import { valueTypeOfUnit } from '../domain/units';
import type { ControllerConfig } from '../config/controllers';

/**
 * Is this operator override acceptable? An operator gets a plain refusal rather than the write
 * guard's silent clamping: a value outside the bounds is a mistake to correct, not a wish to
 * approximate. Returns the problem, or undefined. Pure.
 */
export function validateOverride(
  req: { id: string; value: SampleValue; durationMs: number; reason: string },
  def: PointDef | undefined,
  maxDurationMs: number,
): string | undefined {
  if (!def) return `no point ${req.id} in the site config`;
  if (!isWritable(def)) return `${req.id} is not writable (access ${def.access})`;
  const expected = valueTypeOfUnit(def.unit);
  if (typeof req.value !== expected)
    return `${req.id} takes a ${expected}, got ${req.value === null ? 'null' : typeof req.value}`;
  if (typeof req.value === 'number') {
    if (!Number.isFinite(req.value)) return `${req.id}: ${req.value} is not a finite number`;
    const b = def.bounds;
    if (!b) return `${req.id} has no bounds`;
    if (req.value < b.min || req.value > b.max)
      return `${req.id}: ${req.value} is outside its bounds ${b.min}..${b.max} ${def.unit}`;
  }
  if (!Number.isFinite(req.durationMs) || req.durationMs <= 0)
    return 'an override needs a duration > 0';
  if (req.durationMs > maxDurationMs)
    return `an override lasts at most ${maxDurationMs / 60_000} min (control.maxOverrideMs)`;
  if (req.reason.trim().length === 0)
    return 'an override needs a reason (it goes into the audit trail)';
  return undefined;
}

/**
 * Why an operator may not override this point at all, or undefined if they may. The one rule
 * behind both the refusal (`ControlLoop.setOverride`) and what the page's point picker offers
 * (`overridable` in /api/points), so the picker never offers what is then refused.
 * - the PLC watchdog: an override would keep the PLC content while control is dead;
 * - one-shot commands (trip resets, the watchdog reset): a held value is not a pulse;
 * - status reports to the BMS: HeatBridge states them, an operator does not overrule a fact;
 * - the utility SCADA's requests (`utility/scada_*`): the utility's to make, through the
 *   northbound gate with its role and audit, not an operator's (an override would also renew
 *   one for as long as the override lasts).
 */
export function overrideRefusal(
  def: PointDef,
  controllers: readonly ControllerConfig[],
): string | undefined {
  if (!isWritable(def)) return `${def.id} is not writable (access ${def.access})`;
  for (const c of controllers) {
    if (c.type === 'heartbeat') {
      if (c.point === def.id)
        return `${def.id} is the PLC watchdog: only HeatBridge's heartbeat writes it`;
      if (c.reset === def.id) return `${def.id} is a one-shot reset command, not a held value`;
    }
    if (c.type === 'heat-pump-dispatch' && c.heatPumps.some((hp) => hp.tripReset === def.id))
      return `${def.id} is a one-shot reset command, not a held value`;
  }
  if (def.kind === 'status') return `${def.id} is a status HeatBridge reports, not a setpoint`;
  if (def.device === 'utility')
    return `${def.id} is the utility SCADA's request: it comes through the northbound servers (role utility), not as an override`;
  return undefined;
}

/**
 * Everything that refuses an override before any device is asked: the point may not be
 * overridden at all (`overrideRefusal`), or the request is not valid for it
 * (`validateOverride`). The API asks this before it asks the device whether it can hold the
 * value (DeviceAdapter.checkValue); `ControlLoop.setOverride` applies the same two rules.
 */
export function overrideProblem(
  req: { id: string; value: SampleValue; durationMs: number; reason: string },
  def: PointDef | undefined,
  control: { controllers: readonly ControllerConfig[]; maxOverrideMs: number },
): string | undefined {
  return (
    (def && overrideRefusal(def, control.controllers)) ??
    validateOverride(req, def, control.maxOverrideMs)
  );
}
