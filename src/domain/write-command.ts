import type { PointId } from './point-id';
import type { SampleValue } from './sample';

/** Who asked for a write: a controller by name, an operator by user name, or HeatBridge itself. */
export interface Actor {
  kind: 'controller' | 'user' | 'system';
  name: string;
}

/** A request to write one point. It only reaches a device through the write guard. */
export interface WriteCommand {
  id: PointId;
  value: SampleValue;
  /** Why: shown in the audit trail and the historian, so it must make sense to an operator. */
  reason: string;
  actor: Actor;
  /**
   * A routine write (the PLC heartbeat): audited only when refused or failed, since one audit
   * record every two seconds would bury the decisions that matter.
   */
  routine?: boolean;
  /**
   * A command in the safe direction for cooling (cooling safety acting, heat recovery standing
   * down): sent without rate limit — the safe direction is taken at once. Bounds still apply.
   */
  safety?: boolean;
}

export function formatActor(actor: Actor): string {
  return `${actor.kind}:${actor.name}`;
}
