import { describe, expect, it } from '@jest/globals';
import { coolingSafetySchema } from '../../../../src/config/controllers';
import type { CycleContext } from '../../../../src/control/controller';
import {
  coolingSafety,
  type CoolingSafetyState,
} from '../../../../src/control/controllers/cooling-safety';
import { ProcessImage } from '../../../../src/control/process-image';
import type { Quality } from '../../../../src/domain/quality';

const cfg = coolingSafetySchema.parse({
  type: 'cooling-safety',
  name: 'safety',
  supplyTemps: [
    { point: 'hall/cdu_supply', limit: 45, margin: 2 },
    { point: 'hall/air_supply', limit: 27, margin: 1 },
  ],
  diverterValve: 'plant/valve',
  dryCoolerSetpoint: 'plant/dc_setpoint',
  safeDryCoolerSetpointC: 25,
  releaseAfterMs: 60_000,
  hysteresisK: 1,
});

const ctx = (
  cdu: number | null,
  air: number | null,
  now: number,
  quality: Quality = 'good',
): CycleContext => {
  const values: Record<string, number> = {};
  if (cdu !== null) values['hall/cdu_supply'] = cdu;
  if (air !== null) values['hall/air_supply'] = air;
  return { image: ProcessImage.of(values, now, quality), now, safetyActive: false };
};

describe('cooling safety controller', () => {
  // One cycle from rest: does it act, and why.
  it.each([
    ['both well below their limits', 40, 22, 'good', false, null],
    ['CDU supply just below limit − margin', 42.9, 22, 'good', false, null],
    [
      'CDU supply above limit − margin',
      43.1,
      22,
      'good',
      true,
      /hall\/cdu_supply 43\.1 °C, within 2 K of its 45 °C limit/,
    ],
    ['air supply above limit − margin', 40, 26.5, 'good', true, /hall\/air_supply 26\.5 °C/],
    ['CDU supply missing', null, 22, 'good', true, /hall\/cdu_supply is bad/],
    ['inputs stale', 40, 22, 'stale', true, /is stale/],
    ['inputs bad', 40, 22, 'bad', true, /is bad/],
    ['inputs uncertain but cool', 40, 22, 'uncertain', false, null],
  ] as const)('%s → acts: %s', (_label, cdu, air, quality, acts, cause) => {
    const out = coolingSafety.step(ctx(cdu, air, 1000, quality), coolingSafety.init(cfg), cfg);
    expect(out.state.active).toBe(acts);
    expect(out.alarms).toEqual([
      expect.objectContaining({ key: 'cooling-safety', active: acts, priority: 'critical' }),
    ]);
    if (acts) {
      expect(out.status).toBe('active');
      expect(out.commands).toEqual([
        { id: 'plant/valve', value: 0, reason: expect.stringMatching(cause) },
        { id: 'plant/dc_setpoint', value: 25, reason: expect.stringMatching(cause) },
      ]);
    } else {
      expect(out.status).toBe('ok');
      expect(out.commands).toEqual([]);
    }
  });

  it('holds until the temperatures have stayed below limit − margin − hysteresis for releaseAfterMs', () => {
    // [time s, CDU supply, expected active]
    const timeline: [number, number, boolean][] = [
      [0, 40, false],
      [5, 43.5, true], // acts
      [10, 42.5, true], // below limit − margin but inside the hysteresis: not clear
      [15, 41.5, true], // clear from here
      [45, 41.5, true], // 30 s clear
      [50, 42.2, true], // back into the hysteresis band: the release timer restarts
      [55, 41.0, true], // clear again
      [110, 41.0, true], // 55 s clear
      [115, 41.0, false], // 60 s clear: released
      [120, 41.0, false],
    ];
    let state: CoolingSafetyState = coolingSafety.init(cfg);
    const seen: [number, boolean][] = [];
    for (const [t, cdu] of timeline) {
      state = coolingSafety.step(ctx(cdu, 22, t * 1000), state, cfg).state;
      seen.push([t, state.active]);
    }
    expect(seen).toEqual(timeline.map(([t, , active]) => [t, active]));
    expect(state).toEqual({ active: false, since: null, clearSince: null, cause: null });
  });

  it('releases exactly releaseAfterMs after clearing (cycle by cycle in virtual time)', () => {
    let state = coolingSafety.step(ctx(44, 22, 0), coolingSafety.init(cfg), cfg).state;
    expect(state.active).toBe(true);
    const releasedAt: number[] = [];
    for (let t = 5_000; t <= 120_000; t += 5_000) {
      const out = coolingSafety.step(ctx(40, 22, t), state, cfg);
      if (state.active && !out.state.active) releasedAt.push(t);
      state = out.state;
    }
    // Clear from t = 5 s; released at the first cycle with 60 s clear.
    expect(releasedAt).toEqual([65_000]);
  });

  it('without a dry-cooler setpoint only the valve is commanded', () => {
    const { dryCoolerSetpoint: _omit, ...rest } = cfg;
    const c = { ...rest };
    const out = coolingSafety.step(ctx(44, 22, 0), coolingSafety.init(c), c);
    expect(out.commands.map((x) => x.id)).toEqual(['plant/valve']);
  });
});
