import type { AlarmDefinition } from '../config/alarms';
import type { AlarmPriority } from '../domain/alarm-priority';
import type { Quality } from '../domain/quality';
import { formatWithUnit, type Resolved } from '../domain/resolution';
import type { SampleValue } from '../domain/sample';

/** A point's latest value with its quality judged now (stale when too old). */
export interface JudgedValue {
  value: SampleValue | undefined;
  quality: Quality | 'missing';
}

export interface ConditionInputs {
  /** The latest value of a point, judged now. */
  value(id: string): JudgedValue;
  /** Every point of a device. */
  devicePoints(device: string): string[];
  /** A point's unit and resolution, for the alarm text ("59.8 °C"); plain numbers without. */
  presentation?(id: string): Resolved | undefined;
}

/** Per definition: the raw condition, since when, and whether the (delayed) alarm is active. */
export interface DefinitionState {
  raw: boolean;
  rawSince: number;
  active: boolean;
  /** Counter alarms: the last good count and when it last went up. */
  count?: number;
  rosAt?: number;
}

export type ConditionsState = Record<string, DefinitionState>;

export interface Condition {
  key: string;
  active: boolean;
  priority: AlarmPriority;
  message: string;
  value?: SampleValue;
}

/**
 * Evaluates the alarm definitions against the latest values. Pure: the same inputs, state and
 * time give the same conditions. Delays keep a value hovering at a limit from chattering: the
 * condition must hold `onDelayMs` before the alarm is active and be gone `offDelayMs` before it
 * is not; a limit clears only `deadband` back inside. Returns the changed conditions only.
 */
export function evaluateConditions(
  defs: readonly AlarmDefinition[],
  inputs: ConditionInputs,
  state: ConditionsState,
  now: number,
): { state: ConditionsState; changes: Condition[] } {
  const next: ConditionsState = {};
  const changes: Condition[] = [];
  for (const def of defs) {
    const prev = state[def.name] ?? { raw: false, rawSince: now, active: false };
    const judged = judge(def, inputs, prev, now);
    const raw = judged.raw ?? prev.raw; // undefined: cannot tell (bad data), keep as it was
    const rawSince = raw === prev.raw ? prev.rawSince : now;
    let active = prev.active;
    if (raw && !active && now - rawSince >= def.onDelayMs) active = true;
    if (!raw && active && now - rawSince >= def.offDelayMs) active = false;
    next[def.name] = {
      raw,
      rawSince,
      active,
      ...(judged.count !== undefined ? { count: judged.count } : {}),
      ...(judged.rosAt !== undefined ? { rosAt: judged.rosAt } : {}),
    };
    if (active !== prev.active) {
      changes.push({
        key: def.name,
        active,
        priority: def.priority,
        message: def.message ?? defaultMessage(def, active, judged.value, inputs),
        ...(judged.value !== undefined ? { value: judged.value } : {}),
      });
    }
  }
  return { state: next, changes };
}

interface Judged {
  raw: boolean | undefined;
  value?: SampleValue;
  count?: number;
  rosAt?: number;
}

function judge(
  def: AlarmDefinition,
  inputs: ConditionInputs,
  prev: DefinitionState,
  now: number,
): Judged {
  switch (def.type) {
    case 'limit': {
      const v = inputs.value(def.point);
      if (!usable(v) || typeof v.value !== 'number') return { raw: undefined };
      const x = v.value;
      // Hysteresis on clearing only: once the alarm is active, the value must come `deadband`
      // back inside to clear. Before that the limit itself counts, so the on delay measures
      // time beyond the limit (not time within the deadband), and a raised alarm's value is
      // always beyond it: "below 60 (60.18)" came from counting the deadband while raising.
      const band = prev.active ? def.deadband : 0;
      const high = def.high !== undefined && x > def.high - band;
      const low = def.low !== undefined && x < def.low + band;
      return { raw: high || low, value: x };
    }
    case 'quality': {
      const ids = def.point ? [def.point] : inputs.devicePoints(def.device!);
      const poor = (id: string): boolean => {
        const q = inputs.value(id).quality;
        return q === 'missing' || (def.when as string[]).includes(q);
      };
      // A device is offline when none of its points is good.
      return { raw: ids.length > 0 && ids.every(poor) };
    }
    case 'state': {
      const v = inputs.value(def.point);
      if (!usable(v)) return { raw: undefined };
      return { raw: def.in.some((x) => x === v.value), value: v.value };
    }
    case 'counter': {
      const v = inputs.value(def.point);
      if (!usable(v) || typeof v.value !== 'number')
        return { raw: undefined, ...keep(prev.count, prev.rosAt) };
      const rose = prev.count !== undefined && v.value > prev.count;
      const rosAt = rose ? now : prev.rosAt;
      const raw = rosAt !== undefined && now - rosAt < def.clearAfterMs;
      return { raw, value: v.value, count: v.value, ...keep(undefined, rosAt) };
    }
  }
}

const keep = (count: number | undefined, rosAt: number | undefined) => ({
  ...(count !== undefined ? { count } : {}),
  ...(rosAt !== undefined ? { rosAt } : {}),
});

const usable = (v: JudgedValue): boolean => v.quality === 'good' || v.quality === 'uncertain';

function defaultMessage(
  def: AlarmDefinition,
  active: boolean,
  value: SampleValue | undefined,
  inputs: ConditionInputs,
): string {
  const shown = (x: unknown, id: string): string => {
    const p = inputs.presentation?.(id);
    return p ? formatWithUnit(x, p) : String(x);
  };
  switch (def.type) {
    case 'limit': {
      const limit = (side: 'high' | 'low'): string => {
        const at = def[side];
        return at === undefined ? '' : `${side} limit ${shown(at, def.point)}`;
      };
      if (value === undefined)
        return `${def.point} ${active ? 'beyond' : 'back within'} its limits`;
      const now = shown(value, def.point);
      if (!active) {
        const limits = [limit('low'), limit('high')].filter(Boolean).join(', ');
        return `${def.point} ${now} back within its limits (${limits})`;
      }
      // The side the value is on: an alarm with both limits says which one it crossed.
      const above = def.high !== undefined && typeof value === 'number' && value > def.high;
      return above
        ? `${def.point} ${now} above ${limit('high')}`
        : `${def.point} ${now} below ${limit('low')}`;
    }
    case 'quality': {
      const what = def.point ?? `device ${def.device}`;
      if (def.device) return active ? `${what} offline: no good value` : `${what} back online`;
      return active ? `${what} ${def.when.join(' or ')}` : `${what} good again`;
    }
    case 'state':
      return active
        ? `${def.point} is ${shown(value, def.point)}`
        : `${def.point} left ${def.in.map((x) => shown(x, def.point)).join('/')}`;
    case 'counter':
      return active
        ? `${def.point} went up${value === undefined ? '' : ` to ${shown(value, def.point)}`}`
        : `${def.point} steady`;
  }
}
