import type { z } from 'zod';
import type { heartbeatSchema } from '../config/controllers';
import type { Command } from './controller';
import type { ProcessImage } from './process-image';

export type HeartbeatConfig = z.output<typeof heartbeatSchema>;

export interface HeartbeatState {
  counter: number;
  /** Since when heartbeats have been sent without a stall. */
  flowingSince: number | null;
  lastResetAt: number | null;
  stalled: boolean;
}

export const initialHeartbeat = (): HeartbeatState => ({
  counter: 0,
  flowingSince: null,
  lastResetAt: null,
  stalled: false,
});

/**
 * The PLC watchdog's heartbeat, on its own timer (DESIGN §4): a new counter value each period
 * while the control cycle runs. When the cycle has not run for `stallAfterMs` the heartbeat
 * stops, so a hung controller lets the PLC fall back to its safe state instead of keeping it
 * fed. Once heartbeats have flowed for `resetAfterMs` and the PLC shows its safe state, the reset
 * is written. Pure: the caller sends the commands.
 */
export function heartbeatStep(
  prev: HeartbeatState,
  cfg: HeartbeatConfig,
  now: number,
  lastCycleAt: number | null,
  image: ProcessImage | undefined,
): { state: HeartbeatState; commands: Command[] } {
  const stalled = lastCycleAt === null || now - lastCycleAt > cfg.stallAfterMs;
  if (stalled) return { state: { ...prev, flowingSince: null, stalled: true }, commands: [] };
  const counter = (prev.counter + 1) % (cfg.wrapAt + 1);
  const state: HeartbeatState = {
    ...prev,
    counter,
    flowingSince: prev.flowingSince ?? now,
    stalled: false,
  };
  const commands: Command[] = [{ id: cfg.point, value: counter, reason: 'PLC watchdog heartbeat' }];
  const safe = cfg.safeState && image ? image.bool(cfg.safeState) : undefined;
  if (
    safe === true &&
    cfg.reset &&
    now - state.flowingSince! >= cfg.resetAfterMs &&
    (prev.lastResetAt === null || now - prev.lastResetAt >= cfg.resetAfterMs)
  ) {
    commands.push({
      id: cfg.reset,
      value: true,
      reason: 'heartbeats flow again: leaving the PLC safe state',
    });
    state.lastResetAt = now;
  }
  return { state, commands };
}
