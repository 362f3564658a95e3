import type { z } from 'zod';
import type { supplySetpointSchema } from '../../config/controllers';
import { clamp, type Controller, type ControllerResult, type CycleContext } from '../controller';

export type SupplySetpointConfig = z.output<typeof supplySetpointSchema>;

export interface SupplySetpointState {
  lastC: number | null;
  source: 'utility' | 'curve' | 'held' | null;
}

/** Piecewise-linear interpolation, flat beyond the ends. */
export function curveAt(
  curve: readonly { outdoor: number; supply: number }[],
  outdoorC: number,
): number {
  const first = curve[0]!;
  const last = curve[curve.length - 1]!;
  if (outdoorC <= first.outdoor) return first.supply;
  if (outdoorC >= last.outdoor) return last.supply;
  for (let i = 1; i < curve.length; i++) {
    const a = curve[i - 1]!;
    const b = curve[i]!;
    if (outdoorC <= b.outdoor)
      return a.supply + ((b.supply - a.supply) * (outdoorC - a.outdoor)) / (b.outdoor - a.outdoor);
  }
  return last.supply;
}

/**
 * District supply temperature (DESIGN §5.3): the utility's requested temperature while it is
 * fresh, else the outdoor-temperature curve, clamped to what the heat pumps can reach. Without
 * either, the last setpoint is held (or, before any, the maximum: the network is never
 * under-supplied by a missing sensor).
 */
export const supplySetpoint: Controller<SupplySetpointConfig, SupplySetpointState> = {
  init: () => ({ lastC: null, source: null }),

  step(
    ctx: CycleContext,
    prev: SupplySetpointState,
    cfg: SupplySetpointConfig,
  ): ControllerResult<SupplySetpointState> {
    let target: number;
    let source: SupplySetpointState['source'];
    const request = cfg.utilityRequest ? ctx.image.number(cfg.utilityRequest) : undefined;
    const requestFresh =
      request !== undefined &&
      cfg.utilityRequest !== undefined &&
      ctx.now - ctx.image.get(cfg.utilityRequest)!.receivedAt <= cfg.utilityRequestMaxAgeMs;
    const outdoor = ctx.image.number(cfg.outdoorTemp);
    if (requestFresh) {
      target = request;
      source = 'utility';
    } else if (outdoor !== undefined) {
      target = curveAt(cfg.curve, outdoor);
      source = 'curve';
    } else {
      target = prev.lastC ?? cfg.max;
      source = 'held';
    }
    // Half-kelvin steps: the setpoint does not chatter with sensor noise.
    target = Math.round(clamp(target, cfg.min, cfg.max) * 2) / 2;
    const reason =
      source === 'utility'
        ? `utility requests ${target} °C`
        : source === 'curve'
          ? `outdoor ${outdoor!.toFixed(1)} °C on the supply curve`
          : 'no utility request and no outdoor temperature: holding';
    const measured = cfg.measuredSupply ? ctx.image.number(cfg.measuredSupply) : undefined;
    return {
      state: { lastC: target, source },
      commands: cfg.outputs.map((id) => ({ id, value: target, reason })),
      status: source === 'held' ? 'degraded' : 'ok',
      message:
        measured === undefined ? reason : `${reason}; district supply ${measured.toFixed(1)} °C`,
    };
  },
};
