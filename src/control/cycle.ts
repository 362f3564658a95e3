import type { ControllerConfig } from '../config/controllers';
import type { PointId } from '../domain/point-id';
import { splitPointId } from '../domain/point-id';
import type { Actor } from '../domain/write-command';
import type {
  AlarmSignal,
  Command,
  ControlEvent,
  Controller,
  ControllerResult,
  ControllerStatus,
  CycleContext,
} from './controller';
import { coolingSafety, type CoolingSafetyState } from './controllers/cooling-safety';
import { derived } from './controllers/derived';
import { dispatch } from './controllers/dispatch';
import { supplySetpoint, type SupplySetpointState } from './controllers/supply-setpoint';
import type { Override } from '../domain/operator-event';
import type { ProcessImage } from './process-image';

type CycleController = Exclude<ControllerConfig, { type: 'heartbeat' }>;

/** The fixed priority order (DESIGN §1): cooling safety first, whatever the config's order. */
export const PRIORITY: Record<CycleController['type'], number> = {
  'cooling-safety': 0,
  'supply-setpoint': 1,
  'heat-pump-dispatch': 2,
  derived: 3,
};

const IMPLEMENTATIONS: Record<CycleController['type'], Controller<never, unknown>> = {
  'cooling-safety': coolingSafety,
  'supply-setpoint': supplySetpoint,
  'heat-pump-dispatch': dispatch,
  derived,
};

export interface CycleState {
  controllers: Record<string, unknown>;
}

export interface ArbitratedCommand extends Command {
  actor: Actor;
  safety: boolean;
}

export interface ControllerReport {
  name: string;
  type: string;
  status: ControllerStatus;
  message?: string;
}

export interface CycleResult {
  state: CycleState;
  /** One command per point: the one that won arbitration. */
  commands: ArbitratedCommand[];
  controllers: ControllerReport[];
  alarms: AlarmSignal[];
  derived: { id: PointId; value: number }[];
  /** Decisions to log (a connection-mode switch), with the controller that made them. */
  events: (ControlEvent & { controller: string })[];
  safetyActive: boolean;
}

export interface OperatorInput {
  manual: ReadonlySet<string>;
  overrides: readonly Override[];
}

export function cycleControllers(all: readonly ControllerConfig[]): CycleController[] {
  return all
    .filter((c): c is CycleController => c.type !== 'heartbeat')
    .map((c, i) => ({ c, i }))
    .sort((a, b) => PRIORITY[a.c.type] - PRIORITY[b.c.type] || a.i - b.i)
    .map(({ c }) => c);
}

/**
 * What a failing controller leaves behind, so its devices are not left unsupervised: a cooling
 * safety that cannot judge acts as if the temperatures were unknown (valve to the dry coolers,
 * dry coolers to their safe setpoint); a failing dispatch stands heat recovery down (heat pumps
 * off, valve to the dry coolers). The others' last setpoints can stay where they are.
 */
function failSafe(c: CycleController, reason: string): Command[] {
  if (c.type === 'cooling-safety') {
    return [
      { id: c.diverterValve, value: 0, reason, safety: true },
      ...(c.dryCoolerSetpoint
        ? [{ id: c.dryCoolerSetpoint, value: c.safeDryCoolerSetpointC, reason, safety: true }]
        : []),
    ];
  }
  if (c.type === 'heat-pump-dispatch') {
    return [
      ...c.heatPumps.map((hp) => ({ id: hp.enable, value: false, reason, safety: true })),
      { id: c.diverterValve, value: 0, reason, safety: true },
    ];
  }
  return [];
}

/**
 * One control cycle (DESIGN §5): every controller in priority order on the same process image,
 * each isolated — one that throws is reported `failed` with an alarm and the others go on, and
 * what it controls fails safe (`failSafe`). Then arbitration: commands in the safe direction
 * (cooling safety's, heat recovery standing down for it, fail-safe ones) win over everything, the
 * higher-priority controller first; then operator overrides; devices in manual mode are left to
 * the operators; otherwise the higher-priority controller wins a point. Pure.
 */
export function runCycle(
  image: ProcessImage,
  prev: CycleState,
  controllers: readonly CycleController[],
  operator: OperatorInput,
  now: number,
): CycleResult {
  const ctx: CycleContext = { image, now, safetyActive: false, manual: operator.manual };
  const states: Record<string, unknown> = { ...prev.controllers };
  const claimed = new Map<PointId, ArbitratedCommand>();
  const reports: ControllerReport[] = [];
  const alarms: AlarmSignal[] = [];
  const derivedValues: { id: PointId; value: number }[] = [];
  const events: CycleResult['events'] = [];
  let overridesApplied = false;

  const applyOverrides = (): void => {
    overridesApplied = true;
    for (const o of operator.overrides) {
      if (claimed.has(o.id)) continue; // cooling safety holds this point now
      claimed.set(o.id, {
        id: o.id,
        value: o.value,
        // The override's end is in its operator event and the API; a UTC instant here read as
        // a wrong time to people (issue 21).
        reason: `operator override: ${o.reason}`,
        actor: o.actor,
        safety: false,
      });
    }
  };

  const claim = (cmd: Command, actor: Actor, safety: boolean): void => {
    const held = claimed.get(cmd.id);
    if (safety) {
      // Only an earlier (higher-priority) safe-direction command keeps a point.
      if (held?.safety) return;
    } else {
      if (held) return;
      if (operator.manual.size > 0 && operator.manual.has(splitPointId(cmd.id).device)) return;
    }
    // Built field by field: an object spread here was a third of a simulated year's run time.
    claimed.set(cmd.id, { id: cmd.id, value: cmd.value, reason: cmd.reason, actor, safety });
  };

  for (const c of controllers) {
    const isSafety = c.type === 'cooling-safety';
    if (!isSafety && !overridesApplied) applyOverrides();
    const impl = IMPLEMENTATIONS[c.type];
    const actor: Actor = { kind: 'controller', name: c.name };
    let result: ControllerResult<unknown>;
    try {
      const state = states[c.name] ?? impl.init(c as never);
      result = impl.step(ctx, state, c as never);
    } catch (err) {
      const message = `controller ${c.name} failed: ${err instanceof Error ? err.message : String(err)}`;
      reports.push({ name: c.name, type: c.type, status: 'failed', message });
      alarms.push({
        key: `controller-failed:${c.name}`,
        active: true,
        priority: isSafety || c.type === 'heat-pump-dispatch' ? 'critical' : 'high',
        message,
      });
      if (isSafety) {
        ctx.safetyActive = true;
        // Remembered as acting, so the release delay applies once it works again.
        const held = states[c.name] as CoolingSafetyState | undefined;
        const acting: CoolingSafetyState = {
          active: true,
          since: held?.active ? held.since : now,
          clearSince: null,
          cause: message,
        };
        states[c.name] = acting;
      }
      for (const cmd of failSafe(c, `${message}: failing safe`)) claim(cmd, actor, true);
      continue;
    }
    states[c.name] = result.state;
    reports.push({
      name: c.name,
      type: c.type,
      status: result.status,
      ...(result.message ? { message: result.message } : {}),
    });
    alarms.push({
      key: `controller-failed:${c.name}`,
      active: false,
      priority: 'high',
      message: `controller ${c.name} runs`,
    });
    if (result.alarms) alarms.push(...result.alarms);
    if (result.derived) derivedValues.push(...result.derived);
    if (result.events) for (const e of result.events) events.push({ ...e, controller: c.name });
    if (isSafety && (result.state as CoolingSafetyState).active) ctx.safetyActive = true;
    if (c.type === 'supply-setpoint') {
      const sp = result.state as SupplySetpointState;
      if (sp.lastC !== null) ctx.supplySetpointC = sp.lastC;
      if (sp.connection) ctx.connection = sp.connection;
      // What the units hold now, read back from its outputs (the write guard ramps them).
      const held = c.outputs
        .map((id) => ctx.image.number(id))
        .filter((v): v is number => v !== undefined);
      if (held.length > 0) ctx.heldSetpointC = Math.max(...held);
    }
    for (const cmd of result.commands) claim(cmd, actor, isSafety || cmd.safety === true);
  }
  if (!overridesApplied) applyOverrides();
  return {
    state: { controllers: states },
    commands: [...claimed.values()],
    controllers: reports,
    alarms,
    derived: derivedValues,
    events,
    safetyActive: ctx.safetyActive,
  };
}
