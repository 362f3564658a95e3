import { describe, expect, it } from '@jest/globals';
import { connectionSchema } from '../../../src/config/controllers';
import {
  decideConnection,
  type ConnectionInputs,
  type ConnectionState,
} from '../../../src/control/connection-mode';

const HOUR = 3_600_000;
/** 2021-01-15 10:00 UTC: every test runs on this virtual clock. */
const T0 = Date.UTC(2021, 0, 15, 10);

const config = (over: Record<string, unknown> = {}) =>
  connectionSchema.parse({
    modes: ['supply', 'top-up', 'return'],
    reachC: 85,
    minUsefulCop: 2,
    networkReturn: 'dh/network_return_temp',
    returnLine: { maxRiseK: 15, maxC: 70 },
    ...over,
  });

const inputs = (over: Partial<ConnectionInputs> = {}): ConnectionInputs => ({
  now: T0,
  requestedC: 80,
  evaporatorInC: 45,
  networkReturnC: 45,
  acceptanceKw: 2000,
  returnAcceptanceKw: 800,
  ...over,
});

/** Steps the decision every 5 s of virtual time from `from` to `to` (ms), inputs by time. */
function run(
  cfg: ReturnType<typeof config>,
  from: number,
  to: number,
  at: (t: number) => Partial<ConnectionInputs>,
  start?: ConnectionState,
) {
  let state = start;
  const switches: { t: number; from: string | null; to: string; why: string }[] = [];
  const states: ConnectionState[] = [];
  for (let t = from; t <= to; t += 5000) {
    const d = decideConnection(state, inputs({ now: t, ...at(t) }), cfg);
    state = d.state;
    states.push(state);
    if (d.switched) switches.push({ t, ...d.switched });
  }
  return { state: state!, switches, states };
}

describe('connection mode: the choice', () => {
  it('supplies at the request while it is within reach at a useful COP', () => {
    const d = decideConnection(undefined, inputs(), config());
    expect(d.state).toMatchObject({ mode: 'supply', setpointC: 80, requestedC: 80, reachC: 85 });
    expect(d.switched).toMatchObject({ from: null, to: 'supply' });
  });

  it.each([
    // modes allowed, expected mode, expected setpoint
    [['supply', 'top-up', 'return'], 'top-up', 85], // deliver at reach, the utility tops up
    [['supply', 'return'], 'return', 60], // return 45 + 15 K, below 70
    [['return', 'top-up'], 'return', 60], // the contract's order of preference
    [['supply'], 'none', 85], // nothing else allowed: the dry coolers
  ] as const)('a request above reach with modes %p: %s', (modes, mode, setpoint) => {
    const d = decideConnection(undefined, inputs({ requestedC: 110 }), config({ modes }));
    expect(d.state.mode).toBe(mode);
    expect(d.state.setpointC).toBe(setpoint);
    expect(d.state.setpointC).toBeLessThanOrEqual(85);
    if (mode === 'none') expect(d.state.why).toMatch(/request 110 °C above reach 85 °C/);
  });

  it('return-line feed-in raises the return by at most maxRiseK, to at most maxC', () => {
    const cfg = config({ modes: ['return'] });
    expect(decideConnection(undefined, inputs({ networkReturnC: 40 }), cfg).state.setpointC).toBe(
      55,
    );
    expect(decideConnection(undefined, inputs({ networkReturnC: 62 }), cfg).state.setpointC).toBe(
      70,
    );
  });

  it('leaves a mode whose COP is below minUsefulCop for the next one, and none when all are', () => {
    // A cold source: the lift to 80 °C gives COP ≈ 2.8, to 60 °C (return) ≈ 3.8.
    const cold = inputs({ evaporatorInC: 25 });
    expect(decideConnection(undefined, cold, config()).state.mode).toBe('supply');
    const picky = config({ minUsefulCop: 2.8 });
    const d = decideConnection(undefined, cold, picky);
    expect(d.state.mode).toBe('return');
    expect(d.state.why).toMatch(/supply: COP 2\.\d at 80 °C below 3\.0/);
    expect(decideConnection(undefined, cold, config({ minUsefulCop: 5 })).state.mode).toBe('none');
  });

  it('setpoint never above reach, whatever the request', () => {
    for (let req = 60; req <= 130; req += 0.5) {
      const d = decideConnection(undefined, inputs({ requestedC: req }), config());
      expect(d.state.setpointC).toBeLessThanOrEqual(85);
      expect(d.state.requestedC).toBe(req);
    }
  });
});

describe('connection mode: hourly, with hysteresis', () => {
  it('holds the mode for the hour when a better one becomes possible, and changes at the hour', () => {
    const cfg = config();
    // Request above reach until 10:20, then within reach: top-up until 11:00, then supply.
    const { switches, states } = run(cfg, T0, T0 + HOUR + 60_000, (t) => ({
      requestedC: t < T0 + 20 * 60_000 ? 95 : 82,
    }));
    expect(switches.map((s) => [s.t - T0, s.to])).toEqual([
      [0, 'top-up'],
      [HOUR, 'supply'],
    ]);
    // Within the hour the top-up setpoint follows the request (82 °C now within reach).
    expect(states[Math.round((30 * 60_000) / 5000)]).toMatchObject({
      mode: 'top-up',
      setpointC: 82,
    });
  });

  it('needs copHysteresis more COP to choose a mode than to keep it', () => {
    const cfg = config({ modes: ['supply'], minUsefulCop: 2.5, copHysteresis: 0.3 });
    // COP at 80 °C from a 22 °C source is about 2.65: above 2.5, below 2.8.
    const edge = inputs({ evaporatorInC: 22 });
    const running: ConnectionState = {
      ...decideConnection(undefined, inputs(), cfg).state,
      hour: T0 - HOUR,
    };
    // The next hour: supply runs, so it stays at a COP above minUsefulCop …
    expect(decideConnection(running, edge, cfg).state.mode).toBe('supply');
    // … but not chosen from none at the same COP.
    const idle: ConnectionState = { ...running, mode: 'none' };
    expect(decideConnection(idle, edge, cfg).state.mode).toBe('none');
  });
});

describe('connection mode: at once when the current one becomes impossible', () => {
  it('the request rises above reach in supply mode: top-up at once, supply blocked for the hour', () => {
    const cfg = config();
    const { switches, states } = run(cfg, T0, T0 + 40 * 60_000, (t) => ({
      requestedC: t >= T0 + 10 * 60_000 && t < T0 + 15 * 60_000 ? 90 : 80,
    }));
    expect(switches.map((s) => [s.t - T0, s.to])).toEqual([
      [0, 'supply'],
      [10 * 60_000, 'top-up'],
    ]);
    expect(switches[1]!.why).toMatch(/request 90 °C above reach 85 °C/);
    // Never a setpoint above reach, not even in the cycle of the switch.
    for (const s of states) expect(s.setpointC).toBeLessThanOrEqual(85);
    expect(states.at(-1)).toMatchObject({ mode: 'top-up', blocked: ['supply'] });
  });

  it('a condenser outlet nearing the trip: a cooler mode at once', () => {
    const cfg = config({ modes: ['supply', 'top-up', 'return'] });
    const { switches } = run(cfg, T0, T0 + 10 * 60_000, (t) => ({
      requestedC: 84,
      // Hot for 30 s: the return mode's first minutes are given to the header to cool.
      condenserOutC: t >= T0 + 5 * 60_000 && t < T0 + 5 * 60_000 + 30_000 ? 88.4 : 84.5,
    }));
    // Top-up would be as hot (84 °C): blocked with supply; the return line at 60 °C.
    expect(switches.map((s) => [s.t - T0, s.to])).toEqual([
      [0, 'supply'],
      [5 * 60_000, 'return'],
    ]);
    expect(switches[1]!.why).toMatch(/condenser outlet 88\.4 °C nearing the units' trip/);
  });

  it('the network refusing the mode for refusedAfterMs: the next, and none when all refuse', () => {
    const cfg = config({ refusedAfterMs: 60_000 });
    const { switches } = run(cfg, T0, T0 + 20 * 60_000, (t) =>
      t >= T0 + 5 * 60_000 ? { acceptanceKw: 0, returnAcceptanceKw: 0 } : {},
    );
    expect(switches.map((s) => [(s.t - T0) / 1000, s.to])).toEqual([
      [0, 'supply'],
      [360, 'top-up'], // 60 s after the refusal began
      [425, 'none'], // top-up refused for 60 s too; the return line takes nothing
    ]);
  });

  it('a brief refusal, or an unknown acceptance, is not a reason to switch', () => {
    const cfg = config({ refusedAfterMs: 60_000 });
    const { switches } = run(cfg, T0, T0 + 20 * 60_000, (t) => {
      if (t >= T0 + 5 * 60_000 && t < T0 + 5 * 60_000 + 30_000) return { acceptanceKw: 0 };
      if (t >= T0 + 10 * 60_000) return { acceptanceKw: undefined };
      return {};
    });
    expect(switches.map((s) => s.to)).toEqual(['supply']);
  });
});
