import type { z } from 'zod';
import type { coolingSafetySchema } from '../../config/controllers';
import type { Command, Controller, ControllerResult, CycleContext } from '../controller';

export type CoolingSafetyConfig = z.output<typeof coolingSafetySchema>;

export interface CoolingSafetyState {
  active: boolean;
  since: number | null;
  /** When the temperatures last became clear while active (for the release delay). */
  clearSince: number | null;
  /** Why it acted, for the operator. */
  cause: string | null;
}

/**
 * Cooling the IT load comes first (DESIGN §5.2). It runs before every other controller. When an
 * IT coolant supply temperature comes within `margin` of its limit, or cannot be read (bad,
 * stale, missing — "unknown" is treated as "too hot"), it takes the safe direction: all coolant
 * to the dry coolers, dry coolers to full cooling, and heat recovery stands down (the plant must
 * not depend on a heat pump that may trip). It lets go only after the temperatures have been
 * clear — below limit − margin − hysteresis — for `releaseAfterMs`.
 */
export const coolingSafety: Controller<CoolingSafetyConfig, CoolingSafetyState> = {
  init: () => ({ active: false, since: null, clearSince: null, cause: null }),

  step(
    ctx: CycleContext,
    prev: CoolingSafetyState,
    cfg: CoolingSafetyConfig,
  ): ControllerResult<CoolingSafetyState> {
    const problems: string[] = [];
    let clear = true;
    for (const t of cfg.supplyTemps) {
      const v = ctx.image.number(t.point);
      if (v === undefined) {
        problems.push(`${t.point} is ${ctx.image.quality(t.point)}`);
        clear = false;
      } else if (v > t.limit - t.margin) {
        problems.push(
          `${t.point} ${v.toFixed(1)} °C, within ${t.margin} K of its ${t.limit} °C limit`,
        );
        clear = false;
      } else if (v > t.limit - t.margin - cfg.hysteresisK) {
        clear = false;
      }
    }
    const state: CoolingSafetyState = { ...prev };
    if (problems.length > 0) {
      if (!state.active) {
        state.active = true;
        state.since = ctx.now;
      }
      state.cause = problems.join('; ');
      state.clearSince = null;
    } else if (state.active) {
      if (clear) {
        state.clearSince ??= ctx.now;
        if (ctx.now - state.clearSince >= cfg.releaseAfterMs) {
          state.active = false;
          state.since = null;
          state.clearSince = null;
          state.cause = null;
        }
      } else {
        state.clearSince = null;
      }
    }
    const alarm = {
      key: 'cooling-safety',
      active: state.active,
      priority: 'critical' as const,
      message: state.active
        ? `cooling safety acting: ${state.cause ?? 'holding until temperatures stay clear'}`
        : 'cooling safety released',
    };
    if (!state.active) return { state, commands: [], status: 'ok', alarms: [alarm] };
    const reason = `cooling safety: ${state.cause ?? 'waiting for temperatures to stay clear'}`;
    const commands: Command[] = [{ id: cfg.diverterValve, value: 0, reason }];
    if (cfg.dryCoolerSetpoint)
      commands.push({ id: cfg.dryCoolerSetpoint, value: cfg.safeDryCoolerSetpointC, reason });
    return { state, commands, status: 'active', message: reason, alarms: [alarm] };
  },
};
