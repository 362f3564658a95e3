import { describe, expect, it } from '@jest/globals';
import { DEMO_PARAMS } from '../../../simulators/model/params';
import { networkSeries, type NetworkSeries } from '../../../simulators/network';
import { Simulation } from '../../../simulators/simulation';
import { constantWeather } from '../../../simulators/weather';

const make = (network?: NetworkSeries): Simulation =>
  new Simulation({
    ...(network ? { network } : {}),
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

describe('simulation: the connection mode register', () => {
  it('reads 1 (supply) until written; accepts 0–3, refuses anything else', () => {
    const sim = make();
    expect(sim.readCommand('dh/connection_mode')).toBe(1);
    expect(sim.write('dh/connection_mode', 3)).toEqual({ ok: true });
    sim.advance(5);
    expect(sim.readCommand('dh/connection_mode')).toBe(3);
    expect(sim.state.connectionMode).toBe(3);
    expect(sim.write('dh/connection_mode', 4)).toEqual({ ok: false, reason: '4 outside 0..3' });
    expect(sim.write('dh/connection_mode', -1).ok).toBe(false);
    expect(sim.readCommand('dh/connection_mode')).toBe(3);
  });
});

describe('simulation: a measured network in place of the built-in curves', () => {
  const T0 = Date.UTC(2026, 0, 10);
  const H = 3_600_000;
  const series = networkSeries(
    'demand',
    [
      { t: T0, demandKw: 60_000, supplyC: 118, returnC: 55, outdoorC: -12 },
      { t: T0 + H, demandKw: 40_000, supplyC: 105, returnC: 50, outdoorC: -7 },
    ],
    'test',
    { share: 0.05 },
  );

  it('requests the series’ supply (above the units’ reach), with its return, acceptance and outdoor temperature', () => {
    const sim = make(series);
    sim.write('dh/connection_mode', 3);
    for (const hp of ['hp1', 'hp2']) sim.write(`${hp}/condenser_out_setpoint`, 85);
    sim.advance(60);
    expect(sim.read('dh/requested_supply_temp')!.value).toBe(118);
    expect(sim.read('dh/network_return_temp')!.value).toBe(55);
    expect(sim.read('dh/outdoor_temp')!.value).toBe(-12); // the series', not the weather's −5
    // 3000 kW at 118 °C; at our 85 °C (top-up) the same flow takes (85 − 55)/(118 − 55) of it.
    expect(sim.read('dh/acceptance')!.value).toBeCloseTo((3000 * 30) / 63, 6);
    sim.advance(3600);
    expect(sim.read('dh/requested_supply_temp')!.value).toBe(105);
    expect(sim.read('dh/outdoor_temp')!.value).toBe(-7);
    expect(sim.read('dh/acceptance')!.value).toBeCloseTo((2000 * 35) / 55, 6);
    expect(sim.network).toBe(series);
  });

  it('keeps the weather for the outdoor temperature when the series has none', () => {
    const noOutdoor = networkSeries(
      'acceptance',
      [{ t: T0, acceptanceKw: 1500, supplyC: 75, returnC: 45 }],
      'test',
    );
    const sim = make(noOutdoor);
    sim.advance(60);
    expect(sim.read('dh/outdoor_temp')!.value).toBe(-5);
    expect(sim.read('dh/requested_supply_temp')!.value).toBe(75);
  });
});
