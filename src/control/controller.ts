import type { PointId } from '../domain/point-id';
import type { SampleValue } from '../domain/sample';
import type { ProcessImage } from './process-image';
import type { AlarmPriority } from '../domain/alarm-priority';
import type { Connection } from './connection-mode';

/** What a controller wants written; the cycle arbitrates, the write guard checks. */
export interface Command {
  id: PointId;
  value: SampleValue;
  /** Shown in the audit trail: it must make sense to an operator. */
  reason: string;
  /**
   * A command in the safe direction for cooling (cooling safety's, heat recovery standing down
   * for it): it wins over operator overrides and manual mode, and the write guard sends it
   * without rate limit (bounds still apply).
   */
  safety?: boolean;
}

/** A condition a controller raises or clears (the alarm system owns the life cycle). */
export interface AlarmSignal {
  key: string;
  active: boolean;
  priority: AlarmPriority;
  message: string;
}

export type ControllerStatus = 'ok' | 'active' | 'idle' | 'degraded' | 'failed';

export interface ControllerResult<S> {
  state: S;
  commands: Command[];
  status: ControllerStatus;
  message?: string;
  alarms?: AlarmSignal[];
  /** Computed values, as points of device `derived`. */
  derived?: { id: PointId; value: number }[];
  /** Decisions operators should find in the log (a connection-mode switch): logged at info. */
  events?: ControlEvent[];
}

/** A decision worth a log line of its own, with its facts. */
export interface ControlEvent {
  message: string;
  fields?: Record<string, unknown>;
}

/** What every controller sees in a cycle. */
export interface CycleContext {
  image: ProcessImage;
  now: number;
  /** Set by the cooling-safety controller, which runs first: heat recovery must stand down. */
  safetyActive: boolean;
  /** Devices in manual mode: controllers leave them to the operators. */
  manual?: ReadonlySet<string>;
  /** Set by the supply-setpoint controller, which runs before dispatch. */
  supplySetpointC?: number;
  /**
   * The hottest condenser setpoint its outputs hold now, as read back from the devices (a falling
   * setpoint ramps down at the write guard's rate). Set by the supply-setpoint controller.
   */
  heldSetpointC?: number;
  /** The connection mode, set by the supply-setpoint controller when it has `connection`. */
  connection?: Connection;
}

/**
 * A controller: pure functions of (inputs, state, config, now) — the context carries the inputs
 * and the time. No I/O, no clock, no randomness: the same cycle always gives the same commands.
 */
export interface Controller<C, S> {
  init(config: C): S;
  step(ctx: CycleContext, state: S, config: C): ControllerResult<S>;
}

/** ṁ·c_p·ΔT in kW from a flow in m³/h and two temperatures (water). */
export function heatFlowKw(flowM3h: number, supplyC: number, returnC: number): number {
  return ((flowM3h * 1000) / 3600) * 4.186 * (supplyC - returnC);
}

export const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
