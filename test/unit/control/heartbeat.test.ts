import { describe, expect, it } from '@jest/globals';
import { heartbeatSchema } from '../../../src/config/controllers';
import {
  heartbeatStep,
  initialHeartbeat,
  type HeartbeatState,
} from '../../../src/control/heartbeat';
import { ProcessImage } from '../../../src/control/process-image';
import type { SampleValue } from '../../../src/domain/sample';

const cfg = heartbeatSchema.parse({
  type: 'heartbeat',
  name: 'hb',
  point: 'plant/heartbeat',
  periodMs: 2000,
  wrapAt: 3,
  stallAfterMs: 15_000,
  safeState: 'plant/safe_state',
  reset: 'plant/reset',
  resetAfterMs: 10_000,
});

/** Beats every 2 s from t0 to t1 (ms) with the last cycle at `lastCycle(t)`. */
function beats(
  from: number,
  to: number,
  lastCycle: (t: number) => number | null,
  safe: (t: number) => boolean,
  state: HeartbeatState = initialHeartbeat(),
) {
  const out: { t: number; values: SampleValue[]; ids: string[]; state: HeartbeatState }[] = [];
  for (let t = from; t <= to; t += 2000) {
    const image = ProcessImage.of({ 'plant/safe_state': safe(t) }, t);
    const step = heartbeatStep(state, cfg, t, lastCycle(t), image);
    state = step.state;
    out.push({
      t,
      values: step.commands.map((c) => c.value),
      ids: step.commands.map((c) => c.id),
      state,
    });
  }
  return out;
}

describe('PLC heartbeat', () => {
  it('sends a new counter value every period, wrapping at wrapAt', () => {
    const out = beats(
      0,
      10_000,
      (t) => t,
      () => false,
    );
    expect(out.map((o) => o.values[0])).toEqual([1, 2, 3, 0, 1, 2]);
  });

  it('stops when no control cycle completed for stallAfterMs, and resumes when cycles do', () => {
    // Cycles run until 20 s, hang until 60 s, then run again.
    const lastCycle = (t: number) => (t <= 20_000 ? t : t < 60_000 ? 20_000 : t);
    const out = beats(0, 70_000, lastCycle, () => false);
    const sent = out.filter((o) => o.ids.includes('plant/heartbeat')).map((o) => o.t);
    // 20 s + 15 s: the last beat at 34 s (14 s after the last cycle), none from 36 s to 58 s.
    expect(sent.filter((t) => t > 20_000 && t < 60_000)).toEqual([
      22_000, 24_000, 26_000, 28_000, 30_000, 32_000, 34_000,
    ]);
    expect(out.find((o) => o.t === 36_000)!.state.stalled).toBe(true);
    expect(sent).toContain(60_000);
  });

  it('sends nothing before the first control cycle', () => {
    const out = beats(
      0,
      10_000,
      () => null,
      () => true,
    );
    expect(out.every((o) => o.values.length === 0 && o.state.stalled)).toBe(true);
  });

  it('resets the PLC safe state once heartbeats have flowed for resetAfterMs, not before, and not again at once', () => {
    const out = beats(
      0,
      40_000,
      (t) => t,
      (t) => t < 30_000,
    );
    const resets = out.filter((o) => o.ids.includes('plant/reset')).map((o) => o.t);
    // Flowing since 0: first reset at 10 s, again every 10 s while the PLC still shows safe.
    expect(resets).toEqual([10_000, 20_000]);
    // The reset goes with that period's heartbeat (the sixth beat: counter 2 after wrapping at 3).
    expect(out.find((o) => o.t === 10_000)!.values).toEqual([2, true]);
  });

  it('after a stall the reset waits for resetAfterMs of fresh heartbeats', () => {
    const lastCycle = (t: number) => (t < 20_000 ? t : t < 40_000 ? 19_999 : t);
    const out = beats(0, 60_000, lastCycle, () => true);
    const resets = out.filter((o) => o.ids.includes('plant/reset')).map((o) => o.t);
    // Heartbeats stop at 36 s (stalled), resume at 40 s: first reset 10 s later.
    expect(resets.filter((t) => t >= 36_000)).toEqual([50_000, 60_000]);
  });
});
