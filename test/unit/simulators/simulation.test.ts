import { describe, expect, it } from '@jest/globals';
import { DEMO_PARAMS } from '../../../simulators/model/params';
import { Simulation } from '../../../simulators/simulation';
import { constantWeather } from '../../../simulators/weather';

const make = (): Simulation =>
  new Simulation({
    params: DEMO_PARAMS,
    weather: constantWeather(-5),
    seed: 3,
    startTime: Date.UTC(2026, 0, 10),
    equipmentOf: { hall1: 'hall', plant: 'plant', hp1: 'hp1', hp2: 'hp2', dh: 'dh' },
    protocolOf: { hall1: 'opcua', plant: 'modbus', hp1: 'modbus', hp2: 'modbus', dh: 'modbus' },
  });

describe('simulation: writes into the PLC memory', () => {
  it('accepts writes inside the PLC range and refuses others, logging both', () => {
    const sim = make();
    expect(sim.write('hp1/load_setpoint', 55)).toEqual({ ok: true });
    expect(sim.commands.heatPumps[0]!.loadSetpointPct).toBe(55);
    expect(sim.write('hp1/load_setpoint', 120)).toEqual({
      ok: false,
      reason: '120 outside 0..100',
    });
    expect(sim.commands.heatPumps[0]!.loadSetpointPct).toBe(55);
    expect(sim.write('hp1/heat_output', 1)).toEqual({ ok: false, reason: 'not writable' });
    expect(sim.writes().map((w) => [w.point, w.accepted])).toEqual([
      ['hp1/load_setpoint', true],
      ['hp1/load_setpoint', false],
      ['hp1/heat_output', false],
    ]);
  });

  it('reset coils are pulses: they read back false once the PLC acted', () => {
    const sim = make();
    sim.write('plant/watchdog_reset', true);
    expect(sim.readCommand('plant/watchdog_reset')).toBe(true);
    sim.advance(1);
    expect(sim.readCommand('plant/watchdog_reset')).toBe(false);
  });
});

describe('simulation: measurement faults', () => {
  it('frozen holds the value, bias offsets it, bad flags it; clearing restores', () => {
    const sim = make();
    sim.advance(60);
    const before = sim.read('hall/it_power')!.value as number;
    const frozen = sim.addFault({ kind: 'frozen', point: 'hall1/it_power' });
    sim.advance(1800);
    expect(sim.read('hall/it_power')!.value).toBe(before);
    sim.clearFault(frozen.id);
    expect(sim.read('hall/it_power')!.value).not.toBe(before);

    const real = sim.read('hall/cdu_supply_temp')!.value as number;
    sim.addFault({ kind: 'bias', point: 'hall1/cdu_supply_temp', bias: 3 });
    expect(sim.read('hall/cdu_supply_temp')!.value).toBeCloseTo(real + 3, 9);
    sim.addFault({ kind: 'bad', point: 'dh/acceptance' });
    expect(sim.read('dh/acceptance')!.bad).toBe(true);
    expect(sim.read('dh/flow')!.bad).toBe(false);
    sim.clearFaults();
    expect(sim.faults()).toEqual([]);
    expect(sim.read('dh/acceptance')!.bad).toBe(false);
  });

  it('refuses faults on things it does not simulate, and protocol-specific ones on the wrong protocol', () => {
    const sim = make();
    expect(() => sim.addFault({ kind: 'frozen', point: 'hall1/nope' })).toThrow(
      'no simulated measurement "hall1/nope"',
    );
    expect(() => sim.addFault({ kind: 'offline', device: 'ghost' })).toThrow(
      'no simulated device "ghost"',
    );
    expect(() => sim.addFault({ kind: 'silent', device: 'hall1' })).toThrow('served over OPC UA');
    expect(() => sim.addFault({ kind: 'hp-trip', device: 'dh' })).toThrow(
      '"dh" is not a heat pump',
    );
  });

  it('network refusing heat and heat-pump trips reach the physics', () => {
    const sim = make();
    sim.addFault({ kind: 'network-refuses-heat' });
    sim.advance(10);
    expect(sim.read('dh/acceptance')!.value).toBe(0);
    sim.addFault({ kind: 'hp-trip', device: 'hp2' });
    sim.advance(1);
    expect(sim.state.heatPumps[1]!.mode).toBe('tripped');
    // A trip is an event, not a lasting fault in the list.
    expect(sim.faults().map((f) => f.kind)).toEqual(['network-refuses-heat']);
  });

  it('runs in real time × speed on an injected wall clock', async () => {
    const sim = make();
    let wall = 0;
    sim.runRealtime(60, 5, () => wall);
    const t0 = sim.now;
    wall = 2000; // two wall seconds at 60× = two simulated minutes
    await new Promise((r) => setTimeout(r, 30));
    sim.stopRealtime();
    expect(sim.now - t0).toBe(120_000);
  });
});
