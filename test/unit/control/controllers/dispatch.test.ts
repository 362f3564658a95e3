import { describe, expect, it } from '@jest/globals';
import { heatPumpDispatchSchema } from '../../../../src/config/controllers';
import type { Command } from '../../../../src/control/controller';
import {
  dispatch,
  INPUT_HOLD_MS,
  type DispatchState,
} from '../../../../src/control/controllers/dispatch';
import { ProcessImage } from '../../../../src/control/process-image';

const hp = (n: number) => ({
  name: `hp${n}`,
  enable: `hp${n}/enable`,
  loadSetpoint: `hp${n}/load_sp`,
  running: `hp${n}/running`,
  tripped: `hp${n}/tripped`,
  heatOutput: `hp${n}/heat`,
  electricPower: `hp${n}/power`,
  condenserOut: `hp${n}/cond_out`,
  evaporatorIn: `hp${n}/evap_in`,
  tripReset: `hp${n}/trip_reset`,
  capacityKw: 1000,
  minLoadPct: 25,
  minRunMs: 600_000,
  minOffMs: 300_000,
  rampPctPerMin: 10,
});

const cfg = heatPumpDispatchSchema.parse({
  type: 'heat-pump-dispatch',
  name: 'dispatch',
  networkAcceptance: 'dh/acceptance',
  sources: [{ flow: 'plant/flow', supplyTemp: 'plant/supply', returnTemp: 'plant/return' }],
  heatPumps: [hp(1), hp(2)],
  diverterValve: 'plant/valve',
  dryCoolerSetpoint: 'plant/dc_sp',
  offeredHeat: 'dh/offered',
  coolantSetpointC: 34,
  autoResetAfterMs: 600_000,
  maxAutoResetsPerDay: 2,
});

/** kW carried by 1 m³/h of water per kelvin. */
const KW_PER_M3H_K = (1000 / 3600) * 4.186;

/**
 * A stand-in for the heat pumps' own sequencing, just enough to step dispatch cycle by cycle:
 * a unit runs while enabled (and not tripped), produces `load × capacity` at COP 4. The
 * closed-loop tests use the real plant model instead.
 */
class Units {
  running = [false, false];
  tripped = [false, false];
  load = [0, 0];
  apply(cmds: Command[]): void {
    for (let i = 0; i < 2; i++) {
      const enable = cmds.find((c) => c.id === `hp${i + 1}/enable`)?.value;
      const load = cmds.find((c) => c.id === `hp${i + 1}/load_sp`)?.value;
      const reset = cmds.find((c) => c.id === `hp${i + 1}/trip_reset`)?.value;
      if (reset === true) this.tripped[i] = false;
      this.running[i] = enable === true && !this.tripped[i];
      this.load[i] = this.running[i] ? Number(load) : 0;
    }
  }
  values(): Record<string, number | boolean> {
    const v: Record<string, number | boolean> = {};
    for (let i = 0; i < 2; i++) {
      const n = i + 1;
      v[`hp${n}/running`] = this.running[i]!;
      v[`hp${n}/tripped`] = this.tripped[i]!;
      v[`hp${n}/heat`] = this.load[i]! * 10;
      v[`hp${n}/power`] = this.load[i]! * 2.5;
      v[`hp${n}/evap_in`] = 40;
    }
    return v;
  }
}

interface World {
  recoverableKw: number;
  returnC?: number;
  acceptanceKw: number | null;
  safety?: boolean;
}

/** Runs dispatch every 5 s of virtual time; `world(t)` says what the plant offers at t (s). */
function simulate(
  seconds: number,
  world: (t: number) => World,
  units = new Units(),
  trip?: (t: number) => number | null,
) {
  let state: DispatchState = dispatch.init(cfg);
  const log: {
    t: number;
    cmds: Command[];
    state: DispatchState;
    status: string;
    message?: string;
  }[] = [];
  for (let t = 0; t <= seconds; t += 5) {
    const w = world(t);
    const tripIdx = trip?.(t);
    if (tripIdx !== null && tripIdx !== undefined) {
      units.tripped[tripIdx] = true;
      units.running[tripIdx] = false;
      units.load[tripIdx] = 0;
    }
    const ret = w.returnC ?? 34;
    const flow = 100;
    const values: Record<string, number | boolean> = {
      ...units.values(),
      'plant/flow': flow,
      'plant/return': ret,
      'plant/supply': ret + w.recoverableKw / (flow * KW_PER_M3H_K),
    };
    if (w.acceptanceKw !== null) values['dh/acceptance'] = w.acceptanceKw;
    const image = ProcessImage.of(values, t * 1000);
    const out = dispatch.step(
      { image, now: t * 1000, safetyActive: w.safety ?? false, supplySetpointC: 80 },
      state,
      cfg,
    );
    state = out.state;
    log.push({
      t,
      cmds: out.commands,
      state,
      status: out.status,
      ...(out.message ? { message: out.message } : {}),
    });
    units.apply(out.commands);
  }
  return { log, units };
}

const value = (cmds: Command[], id: string) => cmds.find((c) => c.id === id)?.value;
const enabled = (cmds: Command[]) => [value(cmds, 'hp1/enable'), value(cmds, 'hp2/enable')];

describe('heat-pump dispatch', () => {
  it('stays off when there is too little heat for one unit at minimum load', () => {
    const { log } = simulate(60, () => ({ recoverableKw: 100, acceptanceKw: 3000 }));
    for (const entry of log) {
      expect(enabled(entry.cmds)).toEqual([false, false]);
      expect(value(entry.cmds, 'plant/valve')).toBe(0);
    }
    expect(log.at(-1)!.status).toBe('idle');
  });

  it('starts one unit, then a second when one cannot carry the load, one start per cycle', () => {
    const { log } = simulate(120, () => ({ recoverableKw: 1500, acceptanceKw: 3000 }));
    // Cycle 0 starts hp1, cycle 1 starts hp2: never both in the same cycle.
    expect(enabled(log[0]!.cmds)).toEqual([true, false]);
    expect(enabled(log[1]!.cmds)).toEqual([true, true]);
    expect(log[1]!.message).toMatch(/starting hp2/);
    expect(log.at(-1)!.status).toBe('active');
  });

  it('aims for the recoverable heat times COP/(COP−1), capped by acceptance × margin and capacity', () => {
    const cases: [number, number, number][] = [
      // recoverable kW, acceptance kW, expected offered kW (COP 4 measured: × 4/3)
      [600, 3000, 800],
      [600, 500, 450], // network takes 500, margin 0.9
      [3000, 5000, 2000], // both units' capacity
    ];
    for (const [recoverable, acceptance, offered] of cases) {
      const { log } = simulate(30, () => ({
        recoverableKw: recoverable,
        acceptanceKw: acceptance,
      }));
      expect(value(log.at(-1)!.cmds, 'dh/offered')).toBeCloseTo(offered, -1);
    }
  });

  it('ramps the load setpoint by at most rampPctPerMin from minimum load after a start', () => {
    const { log } = simulate(600, () => ({ recoverableKw: 600, acceptanceKw: 3000 }));
    const loads = log.map((e) => value(e.cmds, 'hp1/load_sp') as number);
    expect(loads[0]).toBe(25);
    for (let i = 1; i < loads.length; i++) {
      expect(Math.abs(loads[i]! - loads[i - 1]!)).toBeLessThanOrEqual(10 * (5 / 60) + 0.051); // 10 %/min, 5 s cycles, 0.1 rounding
    }
    // 600 kW × 4/3 = 800 kW on one 1000 kW unit: ramps up to 80 % and stays.
    expect(loads.at(-1)).toBe(80);
    expect(log.every((e) => value(e.cmds, 'hp2/enable') === false)).toBe(true);
  });

  it('never stops a unit before its minimum run time, nor restarts it before its minimum off time', () => {
    // Plenty of heat for 3 minutes, then almost none, then plenty again.
    const world = (t: number): World => ({
      recoverableKw: t < 180 || t > 900 ? 700 : 100,
      acceptanceKw: 3000,
    });
    const { log } = simulate(1800, world);
    const on = log.map((e) => value(e.cmds, 'hp1/enable'));
    const stopAt = log[on.indexOf(false, 1)]!.t;
    expect(stopAt).toBeGreaterThanOrEqual(600); // started at 0, min run 600 s
    const restartAt = log.find((e) => e.t > stopAt && value(e.cmds, 'hp1/enable') === true)?.t;
    expect(restartAt).toBeDefined();
    // Restarts only once the off time (from the stop seen at the next cycle) has passed.
    expect(restartAt! - stopAt).toBeGreaterThanOrEqual(300);
  });

  it('stops every unit at once when the network stops taking heat, minimum run time or not', () => {
    const { log } = simulate(120, (t) => ({
      recoverableKw: 1500,
      acceptanceKw: t < 60 ? 3000 : 0,
    }));
    const at60 = log.find((e) => e.t === 60)!;
    expect(enabled(at60.cmds)).toEqual([false, false]);
    expect(at60.message).toMatch(/stopping hp1 and hp2: the network takes 0 kW/);
    expect(value(at60.cmds, 'dh/offered')).toBe(0);
  });

  it('stands down at once while cooling safety acts, and leaves the valve to it', () => {
    const { log } = simulate(60, (t) => ({
      recoverableKw: 1500,
      acceptanceKw: 3000,
      safety: t >= 30,
    }));
    const during = log.find((e) => e.t === 30)!;
    expect(enabled(during.cmds)).toEqual([false, false]);
    expect(value(during.cmds, 'plant/valve')).toBeUndefined();
    expect(value(during.cmds, 'plant/dc_sp')).toBeUndefined();
    expect(during.status).toBe('idle');
  });

  it('with unknown inputs it aims for nothing and says why', () => {
    const { log } = simulate(10, () => ({ recoverableKw: 1500, acceptanceKw: null }));
    expect(log[0]!.status).toBe('degraded');
    expect(log[0]!.message).toMatch(/network acceptance unknown/);
    expect(enabled(log[0]!.cmds)).toEqual([false, false]);
  });

  it('replaces a tripped unit and resets it automatically, at most maxAutoResetsPerDay', () => {
    // hp1 trips once, at 60 s.
    const trips: number[] = [60];
    const units = new Units();
    const { log } = simulate(
      3 * 3600,
      () => ({ recoverableKw: 700, acceptanceKw: 3000 }),
      units,
      (t) => {
        if (trips.includes(t)) return 0;
        return null;
      },
    );
    const resets = log.filter((e) => value(e.cmds, 'hp1/trip_reset') === true).map((e) => e.t);
    // First reset 10 min after the trip was seen.
    expect(resets[0]).toBe(60 + 600);
    // hp2 took over in the cycle after the trip.
    const after = log.find((e) => e.t === 65)!;
    expect(enabled(after.cmds)).toEqual([false, true]);
    expect(resets.length).toBe(1); // reset worked, no further trips
    expect(log.find((e) => e.t === 60)!.state.hps.hp1!.trippedSince).toBe(60_000);
  });

  it('gives up after maxAutoResetsPerDay resets of a unit that keeps tripping', () => {
    const units = new Units();
    const { log } = simulate(
      4 * 3600,
      () => ({ recoverableKw: 700, acceptanceKw: 3000 }),
      units,
      // The cause stays: the unit trips again right after every reset.
      (t) => (t >= 60 ? 0 : null),
    );
    const resets = log.filter((e) => value(e.cmds, 'hp1/trip_reset') === true).map((e) => e.t);
    expect(resets).toEqual([660, 1260]); // every 10 min, twice, then no more
  });

  it('opens the diverter valve for the running units and keeps the dry coolers above the coolant setpoint', () => {
    const { log } = simulate(900, () => ({ recoverableKw: 700, acceptanceKw: 3000 }));
    const last = log.at(-1)!.cmds;
    const valve = value(last, 'plant/valve') as number;
    expect(valve).toBeGreaterThanOrEqual(20);
    expect(valve).toBeLessThanOrEqual(90);
    expect(value(last, 'plant/dc_sp')).toBe(36);
  });

  it('aims higher when the coolant returns warmer than its setpoint (there is more to take)', () => {
    const at = (returnC: number) =>
      value(
        simulate(5, () => ({ recoverableKw: 600, returnC, acceptanceKw: 3000 })).log.at(-1)!.cmds,
        'dh/offered',
      ) as number;
    expect(at(36)).toBeGreaterThan(at(34));
    expect(at(32)).toBeLessThan(at(34));
  });
});

describe('heat-pump dispatch: start interlock', () => {
  const withValve = heatPumpDispatchSchema.parse({ ...cfg, valvePosition: 'plant/valve_pos' });

  it('opens the diverter valve first and starts the first unit only once the valve shows it is open', () => {
    let state = dispatch.init(withValve);
    const seen: [number, unknown, unknown][] = [];
    let position = 0;
    for (let t = 0; t <= 60; t += 5) {
      const values = {
        'plant/flow': 100,
        'plant/return': 34,
        'plant/supply': 34 + 700 / (100 * KW_PER_M3H_K),
        'dh/acceptance': 3000,
        'plant/valve_pos': position,
        'hp1/running': false,
        'hp1/tripped': false,
        'hp2/running': false,
        'hp2/tripped': false,
      };
      const out = dispatch.step(
        { image: ProcessImage.of(values, t * 1000), now: t * 1000, safetyActive: false },
        state,
        withValve,
      );
      state = out.state;
      const valve = value(out.commands, 'plant/valve');
      seen.push([t, valve, value(out.commands, 'hp1/enable')]);
      // The valve actuator moves 2 % per second toward its setpoint.
      position = Math.min(Number(valve), position + 10);
    }
    expect(seen.slice(0, 3)).toEqual([
      [0, 20, false],
      [5, 20, false],
      [10, expect.any(Number), true], // position 20 ≥ 18: start, valve to the unit's share
    ]);
    expect(seen[2]![1] as number).toBeGreaterThanOrEqual(20);
  });

  it('without a valve position it starts at once (the unit’s own flow switch protects it)', () => {
    const { log } = simulate(0, () => ({ recoverableKw: 700, acceptanceKw: 3000 }));
    expect(value(log[0]!.cmds, 'hp1/enable')).toBe(true);
  });
});

describe('heat-pump dispatch: manual mode, lost inputs, trips, run-down', () => {
  const base = (over: Record<string, number | boolean> = {}) => ({
    'plant/flow': 100,
    'plant/return': 34,
    'plant/supply': 34 + 700 / (100 * KW_PER_M3H_K),
    'dh/acceptance': 3000,
    'hp1/running': false,
    'hp1/tripped': false,
    'hp2/running': false,
    'hp2/tripped': false,
    ...over,
  });
  const step = (
    values: Record<string, number | boolean>,
    t: number,
    state: DispatchState,
    manual: string[] = [],
  ) =>
    dispatch.step(
      { image: ProcessImage.of(values, t), now: t, safetyActive: false, manual: new Set(manual) },
      state,
      cfg,
    );

  it('leaves a unit in manual mode alone, uses the other, and keeps flow for its running compressor', () => {
    // hp1 is manual and running (an operator runs it); little heat: dispatch wants nothing itself.
    const out = step(
      base({ 'hp1/running': true, 'plant/supply': 34 + 100 / (100 * KW_PER_M3H_K) }),
      0,
      dispatch.init(cfg),
      ['hp1'],
    );
    expect(out.commands.filter((c) => c.id.startsWith('hp1/'))).toEqual([]);
    expect(value(out.commands, 'plant/valve') as number).toBeGreaterThanOrEqual(20);
    // hp1 manual and off, plenty of heat: hp2 is started, never hp1.
    const more = step(base(), 0, dispatch.init(cfg), ['hp1']);
    expect(value(more.commands, 'hp2/enable')).toBe(true);
    expect(more.commands.filter((c) => c.id.startsWith('hp1/'))).toEqual([]);
    expect(more.state.hps.hp1!.on).toBe(false);
  });

  it('adopts a unit handed back to auto while running, instead of stopping it', () => {
    let state = step(base({ 'hp1/running': true }), 0, dispatch.init(cfg), ['hp1']).state;
    state = step(base({ 'hp1/running': true }), 5000, state).state;
    expect(state.hps.hp1).toMatchObject({ on: true, changedAt: 5000, manual: false });
  });

  it('holds its last commands while an input is unknown, then stands down after INPUT_HOLD_MS', () => {
    let state = dispatch.init(cfg);
    const units = new Units();
    for (let t = 0; t < 900_000; t += 5000) {
      const out = step({ ...base(), ...units.values() }, t, state);
      units.apply(out.commands);
      state = out.state;
    }
    expect(units.running[0]).toBe(true);
    const valveBefore = state.valvePct!;
    const loadBefore = state.hps.hp1!.loadPct;
    const { 'plant/flow': _lost, ...noFlow } = base();
    const seen: { t: number; on: unknown; valve: unknown; status: string }[] = [];
    for (let t = 900_000; t <= 900_000 + INPUT_HOLD_MS + 10_000; t += 5000) {
      const out = step({ ...noFlow, ...units.values() }, t, state);
      units.apply(out.commands);
      state = out.state;
      seen.push({
        t,
        on: value(out.commands, 'hp1/enable'),
        valve: value(out.commands, 'plant/valve'),
        status: out.status,
      });
    }
    const held = seen.filter((x) => x.t < 900_000 + INPUT_HOLD_MS);
    expect(
      held.every((x) => x.on === true && x.valve === valveBefore && x.status === 'degraded'),
    ).toBe(true);
    expect(state.hps.hp1!.loadPct ?? loadBefore).toBeDefined();
    const after = seen.filter((x) => x.t >= 900_000 + INPUT_HOLD_MS);
    expect(after[0]).toMatchObject({ on: false, status: 'degraded' });
    // Never the full valve on a missing recoverable-heat figure.
    expect(seen.every((x) => (x.valve as number) <= valveBefore)).toBe(true);
  });

  it('waits autoResetAfterMs after a new trip, even when an earlier reset was long ago', () => {
    let state = dispatch.init(cfg);
    // hp1 trips at 0 and again at 5 h; a reset clears a trip (its cause is gone).
    let tripped = false;
    const resets: number[] = [];
    for (let t = 0; t <= 18_000_000 + 700_000; t += 5000) {
      if (t === 0 || t === 18_000_000) tripped = true;
      const out = step(base({ 'hp1/tripped': tripped }), t, state);
      state = out.state;
      if (value(out.commands, 'hp1/trip_reset') === true) {
        resets.push(t);
        tripped = false;
      }
    }
    expect(resets).toEqual([600_000, 18_600_000]);
  });

  it('keeps the valve at its minimum while the last compressor still unloads', () => {
    const some = 34 + 500 / (100 * KW_PER_M3H_K); // enough for one unit only
    let state = step(base({ 'hp1/running': true, 'plant/supply': some }), 0, {
      ...dispatch.init(cfg),
      hps: { hp1: { on: true, changedAt: -1e9 }, hp2: { on: false, changedAt: null } },
    }).state;
    expect(state.hps.hp2!.on).toBe(false);
    // No heat any more: hp1 is stopped, but its compressor still turns for a while.
    const cold = base({ 'hp1/running': true, 'plant/supply': 34 });
    const out = step(cold, 5000, state);
    state = out.state;
    expect(value(out.commands, 'hp1/enable')).toBe(false);
    expect(value(out.commands, 'plant/valve')).toBe(20);
    const stopped = step(base({ 'plant/supply': 34 }), 10_000, state);
    expect(value(stopped.commands, 'plant/valve')).toBe(0);
  });
});
