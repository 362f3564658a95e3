import { describe, expect, it } from '@jest/globals';
import { heatPumpDispatchSchema } from '../../../../src/config/controllers';
import type { Connection, ConnectionMode } from '../../../../src/control/connection-mode';
import type { AlarmSignal, Command } from '../../../../src/control/controller';
import { dispatch, type DispatchState } from '../../../../src/control/controllers/dispatch';
import { ProcessImage } from '../../../../src/control/process-image';

/**
 * Dispatch with the utility side (issue 22): the connection mode's acceptance, the acceptance
 * trim, value-aware running and the plan's requested capacity. Stepped every 5 s of virtual time
 * against a stand-in for the units (heat = load × capacity at COP 4) and the network (takes at
 * most `takesKw` of it: the meter shows the rest is not taken).
 */

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
  capacityKw: 1000,
  minLoadPct: 25,
  minRunMs: 600_000,
  minOffMs: 300_000,
  rampPctPerMin: 10,
});

const base = {
  type: 'heat-pump-dispatch',
  name: 'dispatch',
  networkAcceptance: 'dh/acceptance',
  returnAcceptance: 'dh/return_acceptance',
  sources: [{ flow: 'plant/flow', supplyTemp: 'plant/supply', returnTemp: 'plant/return' }],
  heatPumps: [hp(1), hp(2)],
  diverterValve: 'plant/valve',
  offeredHeat: 'dh/offered',
};
const parse = (over: Record<string, unknown> = {}) =>
  heatPumpDispatchSchema.parse({ ...base, ...over });
const VALUE = {
  heatPrice: 'utility/heat_price',
  electricityPrice: 'utility/electricity_price',
  deliveryRequired: 'utility/delivery_required',
  requestedCapacity: 'utility/plan_capacity',
};

const KW_PER_M3H_K = (1000 / 3600) * 4.186;
const T0 = Date.UTC(2021, 0, 15, 10);

interface World {
  recoverableKw: number;
  acceptanceKw: number;
  returnAcceptanceKw?: number;
  /** What the network really takes (default: the acceptance of the mode). */
  takesKw?: number;
  mode?: ConnectionMode;
  extra?: Record<string, number | boolean>;
  /** What a unit makes per % of load, as a share of nominal (below 1 at a high lift). */
  capacityShare?: number;
  /** The condenser setpoint the units hold now, read back (ramping down to the commanded 80). */
  heldC?: number;
}

function simulate(cfg: ReturnType<typeof parse>, seconds: number, world: (t: number) => World) {
  let state: DispatchState = dispatch.init(cfg);
  const running = [false, false];
  const load = [0, 0];
  let delivered = 0;
  const log: {
    t: number;
    cmds: Command[];
    state: DispatchState;
    message?: string;
    alarms?: AlarmSignal[];
  }[] = [];
  for (let t = 0; t <= seconds; t += 5) {
    const w = world(t);
    const values: Record<string, number | boolean> = {
      'plant/flow': 100,
      'plant/return': 34,
      'plant/supply': 34 + w.recoverableKw / (100 * KW_PER_M3H_K),
      'dh/acceptance': w.acceptanceKw,
      'dh/return_acceptance': w.returnAcceptanceKw ?? 0,
      'dh/power': delivered,
      ...w.extra,
    };
    for (let i = 0; i < 2; i++) {
      values[`hp${i + 1}/running`] = running[i]!;
      values[`hp${i + 1}/tripped`] = false;
      values[`hp${i + 1}/heat`] = load[i]! * 10 * (w.capacityShare ?? 1);
      values[`hp${i + 1}/load`] = load[i]!;
      values[`hp${i + 1}/power`] = load[i]! * 2.5;
      values[`hp${i + 1}/evap_in`] = (w.extra?.[`hp${i + 1}/evap_in`] as number | undefined) ?? 40;
    }
    const now = T0 + t * 1000;
    const connection: Connection | undefined = w.mode
      ? { mode: w.mode, setpointC: 80, requestedC: 80, reachC: 85, since: T0 }
      : undefined;
    const out = dispatch.step(
      {
        image: ProcessImage.of(values, now),
        now,
        safetyActive: false,
        supplySetpointC: 80,
        ...(connection ? { connection } : {}),
        ...(w.heldC !== undefined ? { heldSetpointC: w.heldC } : {}),
      },
      state,
      cfg,
    );
    state = out.state;
    log.push({
      t,
      cmds: out.commands,
      state,
      ...(out.message ? { message: out.message } : {}),
      ...(out.alarms ? { alarms: out.alarms } : {}),
    });
    for (let i = 0; i < 2; i++) {
      const en = out.commands.find((c) => c.id === `hp${i + 1}/enable`)?.value;
      const sp = out.commands.find((c) => c.id === `hp${i + 1}/load_sp`)?.value;
      running[i] = en === true;
      load[i] = running[i] ? Number(sp) : 0;
    }
    const made = (load[0]! + load[1]!) * 10 * (w.capacityShare ?? 1);
    const takes = w.takesKw ?? (w.mode === 'return' ? (w.returnAcceptanceKw ?? 0) : w.acceptanceKw);
    delivered = Math.min(made, takes);
  }
  return log;
}

const value = (cmds: Command[], id: string) => cmds.find((c) => c.id === id)?.value;
const enabled = (cmds: Command[]) => [value(cmds, 'hp1/enable'), value(cmds, 'hp2/enable')];
const offered = (e: { cmds: Command[] }) => value(e.cmds, 'dh/offered') as number;

describe('dispatch: connection modes', () => {
  it('in mode none stops every unit at once, minimum run time or not (the network takes nothing)', () => {
    const log = simulate(parse(), 300, (t) => ({
      recoverableKw: 1200,
      acceptanceKw: 3000,
      mode: t < 120 ? 'supply' : 'none',
    }));
    expect(enabled(log.find((e) => e.t === 115)!.cmds)).toEqual([true, true]);
    const at = log.find((e) => e.t === 120)!;
    expect(enabled(at.cmds)).toEqual([false, false]);
    expect(offered(at)).toBe(0);
    expect(at.message).toMatch(
      /stopping hp1 and hp2: the network takes 0 kW \(connection mode none\)/,
    );
  });

  it('in return mode aims for the return line’s acceptance', () => {
    const log = simulate(parse(), 60, () => ({
      recoverableKw: 1500,
      acceptanceKw: 3000,
      returnAcceptanceKw: 800,
      mode: 'return',
    }));
    expect(offered(log.at(-1)!)).toBe(720); // 0.9 × 800
    expect(log.at(-1)!.message).toMatch(/return line takes 800 kW/);
  });
});

describe("dispatch: what a unit makes at today's lift", () => {
  const heatMade = (e: { cmds: Command[] }, share: number) =>
    ((Number(value(e.cmds, 'hp1/load_sp')) || 0) +
      (value(e.cmds, 'hp1/enable') === true && value(e.cmds, 'hp2/enable') === true
        ? Number(value(e.cmds, 'hp2/load_sp'))
        : 0)) *
    10 *
    share;
  const world = () => ({ recoverableKw: 2000, acceptanceKw: 1000, capacityShare: 0.8 });

  it('with the measured load, sets loads that make the heat aimed for, not nominal capacity’s', () => {
    const withLoad = parse({
      acceptanceMargin: 0.9,
      heatPumps: [1, 2].map((n) => ({ ...hp(n), load: `hp${n}/load` })),
    });
    const last = simulate(withLoad, 1800, world).at(-1)!;
    expect(offered(last)).toBe(900);
    expect(heatMade(last, 0.8)).toBeCloseTo(900, -1);
  });

  it('without it, loads from nominal capacity make a fifth less at a unit making 80 %', () => {
    const last = simulate(parse({ acceptanceMargin: 0.9 }), 1800, world).at(-1)!;
    expect(offered(last)).toBe(900);
    expect(heatMade(last, 0.8)).toBeCloseTo(720, -1);
  });
});

describe('dispatch: return line without its acceptance', () => {
  it('takes the return line’s acceptance as unknown, never the supply line’s: holds, then stands down', () => {
    const { returnAcceptance: _r, ...withoutReturn } = base;
    const cfg = heatPumpDispatchSchema.parse(withoutReturn);
    const log = simulate(cfg, 200, (t) => ({
      recoverableKw: 1500,
      acceptanceKw: 3000,
      mode: t < 60 ? 'supply' : 'return',
    }));
    const at = log.find((e) => e.t === 65)!;
    expect(at.message).toMatch(/holding .*return-line feed-in without returnAcceptance configured/);
    const later = log.find((e) => e.t === 60 + 65)!;
    expect(enabled(later.cmds)).toEqual([false, false]);
    expect(later.message).toMatch(/standing down/);
  });
});

describe('dispatch: the trim while the setpoint ramps down', () => {
  const trimmed = parse({ acceptanceTrim: { deliveredHeat: 'dh/power' } });
  // A lower plan temperature: 80 °C commanded, the units still at 90 ramping down, outlets 89,
  // and the network not taking all we make (a hot outlet while it takes all is no reason to cut).
  const world = (heldC?: number) => () => ({
    recoverableKw: 2000,
    acceptanceKw: 1000,
    takesKw: 850,
    mode: 'supply' as const,
    extra: { 'hp1/cond_out': 89, 'hp2/cond_out': 89 },
    ...(heldC !== undefined ? { heldC } : {}),
  });

  it('judges the outlets against the setpoint the units hold, not the one they ramp to', () => {
    const log = simulate(trimmed, 900, world(90));
    expect(log.at(-1)!.state.trim!.share).toBeGreaterThanOrEqual(0.9);
    expect(log.at(-1)!.message).not.toMatch(/cutting/);
  });

  it('against the commanded setpoint alone it would cut (what it did before), down to what the network takes', () => {
    const log = simulate(trimmed, 900, world());
    const share = log.at(-1)!.state.trim!.share;
    expect(share).toBeLessThan(0.9);
    expect(share * 1000).toBeGreaterThan(850 * 0.97);
  });
});

describe('dispatch: acceptance margin and trim', () => {
  it('an old config with acceptanceMargin is still valid and used; without one, 0.9', () => {
    const old = parse({ acceptanceMargin: 0.8 });
    expect(old.acceptanceMargin).toBe(0.8);
    expect(
      offered(simulate(old, 30, () => ({ recoverableKw: 1500, acceptanceKw: 1000 })).at(-1)!),
    ).toBe(800);
    expect(
      offered(simulate(parse(), 30, () => ({ recoverableKw: 1500, acceptanceKw: 1000 })).at(-1)!),
    ).toBe(900);
  });

  it('with the trim, aims up to the whole acceptance while the network takes all we make', () => {
    const trimmed = parse({ acceptanceTrim: { deliveredHeat: 'dh/power' } });
    const log = simulate(trimmed, 3600, () => ({ recoverableKw: 2000, acceptanceKw: 1500 }));
    // The fixed margin would stop at 1350 kW; the trim reaches 1500 and stays there.
    expect(offered(log.find((e) => e.t === 60)!)).toBeLessThan(1400);
    expect(offered(log.at(-1)!)).toBe(1500);
    expect(log.at(-1)!.state.trim?.share).toBe(1);
  });

  it('with the trim, backs off when the network takes less than it announces', () => {
    const trimmed = parse({ acceptanceTrim: { deliveredHeat: 'dh/power' } });
    const log = simulate(trimmed, 3600, (t) => ({
      recoverableKw: 2000,
      acceptanceKw: 1500,
      takesKw: t < 1200 ? 1500 : 1200,
    }));
    const end = log.at(-1)!;
    expect(end.state.trim!.share).toBeLessThan(0.85);
    expect(offered(end)).toBeLessThanOrEqual(1200 * 1.03 + 10);
  });
});

describe('dispatch: value', () => {
  const valued = parse({ value: VALUE });
  // COP 4 measured: heat 20 €/MWh − electricity 120 / 4 = −10 €/MWh.
  const prices = (required: boolean) => ({
    'utility/heat_price': 20,
    'utility/electricity_price': 120,
    'utility/delivery_required': required,
  });

  it('a loss-making spot hour stops the units (after their minimum run time)', () => {
    const log = simulate(valued, 1200, (t) => ({
      recoverableKw: 1200,
      acceptanceKw: 3000,
      ...(t >= 700 ? { extra: prices(false) } : {}),
    }));
    expect(enabled(log.find((e) => e.t === 695)!.cmds)).toEqual([true, true]);
    const after = log.find((e) => e.t === 700)!;
    expect(offered(after)).toBe(0);
    expect(after.message).toMatch(/not running at a loss: .* -10\.0 €\/MWh net/);
    // One stop per cycle, both past their minimum run time.
    expect(enabled(log.find((e) => e.t === 705)!.cmds)).toEqual([false, false]);
    expect(log.at(-1)!.state.lossMaking).toBe(true);
  });

  it('an on-demand hour delivers at the same prices', () => {
    const log = simulate(valued, 1200, (t) => ({
      recoverableKw: 1200,
      acceptanceKw: 3000,
      ...(t >= 700 ? { extra: prices(true) } : {}),
    }));
    expect(enabled(log.at(-1)!.cmds)).toEqual([true, true]);
    expect(offered(log.at(-1)!)).toBe(1600);
    expect(log.at(-1)!.message).toMatch(/delivered as the contract requires/);
  });

  it('a decision stands while the prices do: the COP measured after a start does not stop the units within the hour', () => {
    // Off, the COP is estimated from a 60 °C source (about 6: 20 − 100/6 > 0, worth running);
    // running, it is measured at 4 (20 − 100/4 < 0). Judged anew each cycle, the units would
    // start, stop after their minimum run time and start again after their minimum off time.
    const world = (t: number) => ({
      recoverableKw: 1200,
      acceptanceKw: 3000,
      extra: {
        'hp1/evap_in': 60,
        'hp2/evap_in': 60,
        'utility/heat_price': 20,
        'utility/electricity_price': t < 3600 ? 100 : 101,
        'utility/delivery_required': false,
      },
    });
    const log = simulate(valued, 3900, world);
    const hour = log.filter((e) => e.t < 3600).map((e) => enabled(e.cmds)[0]);
    const starts = hour.filter((on, i) => on === true && hour[i - 1] === false).length;
    expect(hour.at(-1)).toBe(true);
    expect(starts).toBeLessThanOrEqual(1);
    // The next hour's prices are judged at the COP measured now: not worth running.
    expect(log.at(-1)!.state.lossMaking).toBe(true);
  });

  it('running units run on through a loss within the tolerance; units off do not start into it', () => {
    // COP 4 measured (stand-in): heat 20 €/MWh − electricity 84 / 4 = −1 €/MWh, less than a
    // restart costs by default (10 min of heat at 20 €/MWh over the hour: 3.3 €/MWh).
    const slight = { 'utility/heat_price': 20, 'utility/electricity_price': 84 };
    const running = simulate(valued, 1200, (t) => ({
      recoverableKw: 1200,
      acceptanceKw: 3000,
      ...(t >= 700 ? { extra: slight } : {}),
    }));
    expect(enabled(running.at(-1)!.cmds)).toEqual([true, true]);
    expect(running.at(-1)!.state.lossMaking).toBe(false);
    expect(running.at(-1)!.message).toMatch(
      /running on: .* -1\.0 €\/MWh net, less than the 3\.3 €\/MWh a stop and restart cost/,
    );
    // The same prices from the start: no unit starts into a loss.
    const idle = simulate(valued, 600, () => ({
      recoverableKw: 1200,
      acceptanceKw: 3000,
      extra: slight,
    }));
    expect(enabled(idle.at(-1)!.cmds)).toEqual([false, false]);
    expect(idle.at(-1)!.state.lossMaking).toBe(true);
  });

  it('an on-demand hour that cannot be served (mode none) raises a high alarm, cleared once it can', () => {
    const log = simulate(valued, 600, (t) => ({
      recoverableKw: 1200,
      acceptanceKw: 3000,
      mode: (t >= 100 && t < 300) || t >= 500 ? 'none' : 'supply',
      extra: { 'utility/delivery_required': t < 400 },
    }));
    const alarm = (t: number) => log.find((e) => e.t === t)!.alarms?.[0];
    expect(alarm(50)).toMatchObject({ key: 'on-demand-shortfall:dispatch', active: false });
    expect(alarm(100)).toMatchObject({ active: true, priority: 'high' });
    expect(alarm(100)!.message).toMatch(/on-demand hour: .* connection mode is none/);
    expect(alarm(300)!.active).toBe(false);
    // A spot hour in none is no shortfall.
    expect(alarm(550)!.active).toBe(false);
    // Without deliveryRequired configured there is no such alarm.
    const plain = simulate(parse(), 60, () => ({
      recoverableKw: 1200,
      acceptanceKw: 3000,
      mode: 'none',
    }));
    expect(plain.at(-1)!.alarms).toBeUndefined();
  });

  it('an on-demand hour while cooling safety acts raises the shortfall alarm too', () => {
    const now = T0;
    const out = dispatch.step(
      {
        image: ProcessImage.of({ 'utility/delivery_required': true }, now),
        now,
        safetyActive: true,
      },
      dispatch.init(valued),
      valued,
    );
    expect(out.alarms).toEqual([
      expect.objectContaining({
        key: 'on-demand-shortfall:dispatch',
        active: true,
        message: expect.stringMatching(/cooling safety acts/),
      }),
    ]);
  });

  it('unknown prices are no reason to stop', () => {
    const log = simulate(valued, 60, () => ({ recoverableKw: 1200, acceptanceKw: 3000 }));
    expect(offered(log.at(-1)!)).toBe(1600);
  });

  it('the plan’s requested capacity caps the target', () => {
    const log = simulate(valued, 60, () => ({
      recoverableKw: 1200,
      acceptanceKw: 3000,
      extra: { 'utility/plan_capacity': 700 },
    }));
    expect(offered(log.at(-1)!)).toBe(700);
    expect(log.at(-1)!.message).toMatch(/the plan requests 700 kW/);
  });
});
