import { describe, expect, it } from '@jest/globals';
import { DEMO_PARAMS, type PlantParams } from '../../../../simulators/model/params';
import { cduTemperatures, storedLoopHeatKwh } from '../../../../simulators/model/plant';
import { carnotCop } from '../../../../simulators/model/physics';
import { meterCount, readings } from '../../../../simulators/model/readings';
import { Plant } from './harness';

describe('plant model: energy', () => {
  it('balances over a simulated day: IT heat = recovered + rejected + stored, within 1 %', () => {
    const plant = new Plant();
    plant.takeControl();
    const u0 = storedLoopHeatKwh(plant.state, plant.params);
    const e0 = { ...plant.state.energy };
    // A day of changing operation: heat pumps staged up and down, valve moved, a cold night.
    const schedule: [number, () => void][] = [
      [0, () => plant.enableHeatPumps(50, 60)],
      [4 * 3600, () => (plant.cmd.heatPumps[1]!.enable = false)],
      [8 * 3600, () => (plant.cmd.valveSetpointPct = 30)],
      [12 * 3600, () => plant.enableHeatPumps(80, 100)],
      [18 * 3600, () => (plant.outdoorC = -20)],
    ];
    for (let h = 0; h < 24 * 3600; h += 3600) {
      for (const [at, act] of schedule) if (at === h) act();
      plant.run(3600);
    }
    const e = plant.state.energy;
    const itHeat = e.itHeatKwh - e0.itHeatKwh;
    const out =
      e.recoveredKwh -
      e0.recoveredKwh +
      (e.rejectedLiquidKwh - e0.rejectedLiquidKwh) +
      (e.rejectedAirKwh - e0.rejectedAirKwh);
    const stored = storedLoopHeatKwh(plant.state, plant.params) - u0;
    expect(itHeat).toBeGreaterThan(40_000); // ~2 MW for 24 h
    expect(Math.abs(itHeat - (out + stored)) / itHeat).toBeLessThan(0.01);
    // The heat pumps really recovered a large part of it.
    expect((e.recoveredKwh - e0.recoveredKwh) / itHeat).toBeGreaterThan(0.3);
  });

  it('each heat pump delivers what its evaporator took plus its electricity', () => {
    const plant = new Plant();
    plant.takeControl();
    plant.enableHeatPumps(70);
    plant.run(1800, (s) => {
      for (const hp of s.heatPumps) expect(hp.heatKw).toBeCloseTo(hp.evapKw + hp.electricKw, 6);
    });
    expect(plant.state.heatPumps[0]!.heatKw).toBeGreaterThan(300);
  });

  it('the heat meter counts what the network took, and the counter is a wrapping uint32', () => {
    const params: PlantParams = { ...DEMO_PARAMS, counterStartKwh: 2 ** 32 - 50 };
    const plant = new Plant(params);
    plant.takeControl();
    plant.enableHeatPumps(80);
    plant.run(3600);
    const delivered = plant.state.counters.deliveredKwh - (2 ** 32 - 50);
    expect(delivered).toBeGreaterThan(500);
    const r = readings(plant.state, plant.params);
    // Past 2^32 the meter register starts again from 0.
    expect(r['dh/energy']).toBe(Math.floor(2 ** 32 - 50 + delivered) - 2 ** 32);
    expect(meterCount(2 ** 32 + 5.7)).toBe(5);
  });
});

describe('plant model: heat pumps', () => {
  it('never reports a COP above the Carnot COP of its water temperatures', () => {
    const plant = new Plant();
    plant.takeControl();
    // Setpoints below the request too (65 °C at 5 °C outdoors): the utility tops them up.
    plant.cmd.connectionMode = 3;
    let checked = 0;
    for (const [load, setpoint, outdoor] of [
      [30, 65, 5],
      [100, 85, -20],
      [60, 75, 15],
    ] as const) {
      plant.outdoorC = outdoor;
      plant.enableHeatPumps(load, 100, setpoint);
      plant.run(3600, (s) => {
        for (const hp of s.heatPumps) {
          if (hp.heatKw <= 0) continue;
          checked++;
          expect(hp.cop).toBeGreaterThan(1);
          expect(hp.cop).toBeLessThan(carnotCop(s.condenserC, hp.evapOutC));
        }
      });
    }
    expect(checked).toBeGreaterThan(5000);
  });

  it('starts, holds minimum load, ramps at most 10 %/min', () => {
    const plant = new Plant();
    plant.takeControl();
    plant.enableHeatPumps(10); // below minimum load
    plant.run(120);
    const hp = plant.state.heatPumps[0]!;
    expect(hp.mode).toBe('running');
    expect(hp.load).toBeCloseTo(0.25, 6);
    expect(hp.starts).toBe(1);
    plant.cmd.heatPumps[0]!.loadSetpointPct = 100;
    let prev = plant.state.heatPumps[0]!.load;
    plant.run(600, (s) => {
      const load = s.heatPumps[0]!.load;
      expect(load - prev).toBeLessThanOrEqual(0.1 / 60 + 1e-9);
      prev = load;
    });
    expect(plant.state.heatPumps[0]!.load).toBeCloseTo(1, 6); // 75 % more in ≤ 10 min
  });

  it('counts a stop before the minimum run time, and refuses a start before the minimum off time', () => {
    const plant = new Plant();
    plant.takeControl();
    plant.enableHeatPumps(50);
    plant.run(120);
    plant.cmd.heatPumps[0]!.enable = false; // after 2 min: minimum run is 10 min
    plant.run(60);
    let hp = plant.state.heatPumps[0]!;
    expect(hp.mode).toBe('off');
    expect(hp.shortCycles).toBe(1);
    plant.cmd.heatPumps[0]!.enable = true; // minimum off is 5 min
    plant.run(200);
    hp = plant.state.heatPumps[0]!;
    expect(hp.mode).toBe('off');
    expect(hp.startInhibits).toBeGreaterThan(0);
    expect(hp.starts).toBe(1);
    plant.run(120); // now past 5 min off
    hp = plant.state.heatPumps[0]!;
    expect(['starting', 'running']).toContain(hp.mode);
    expect(hp.starts).toBe(2);
    // The other unit ran the whole time without a short cycle.
    expect(plant.state.heatPumps[1]!.shortCycles).toBe(0);
  });

  it('trips above 90 °C condenser outlet when the network refuses heat, and resets only when cooled', () => {
    const plant = new Plant();
    plant.takeControl();
    plant.enableHeatPumps(80, 100, 80);
    plant.run(1800);
    expect(plant.state.heatPumps.every((hp) => hp.mode === 'running')).toBe(true);
    plant.faults.networkRefusesHeat = true;
    // Run until the first trip (or give up after an hour).
    while (plant.seconds < 5400 && !plant.state.heatPumps.some((hp) => hp.mode === 'tripped'))
      plant.run(1);
    const hp = plant.state.heatPumps[0]!;
    expect(hp.mode).toBe('tripped');
    expect(hp.tripReason).toMatch(/condenser outlet .* above 90 °C/);
    expect(plant.state.condenserC).toBeGreaterThan(88); // tripped on >90 °C a step ago
    // Reset refused while the outlet is still hot.
    plant.cmd.heatPumps[0]!.tripReset = true;
    plant.run(1);
    expect(plant.state.heatPumps[0]!.mode).toBe('tripped');
    // Network back, hours later the header has cooled: the reset works.
    plant.faults.networkRefusesHeat = false;
    plant.run(4 * 3600);
    expect(plant.state.condenserC).toBeLessThan(85);
    plant.cmd.heatPumps[0]!.tripReset = true;
    plant.run(1);
    expect(plant.state.heatPumps[0]!.mode).not.toBe('tripped');
  });

  it('unloads itself to minimum load near the trip temperature (high-pressure unloading)', () => {
    const plant = new Plant();
    plant.takeControl();
    plant.enableHeatPumps(100, 100, 80);
    plant.run(1800);
    expect(plant.state.heatPumps[0]!.load).toBe(1);
    plant.faults.networkRefusesHeat = true;
    while (plant.seconds < 7200 && plant.state.condenserC <= 87.5) plant.run(1);
    plant.run(10);
    // Told 100 %, but within 3 K of its 90 °C trip it cuts its own load, 5 %/s.
    expect(plant.state.heatPumps[0]!.load).toBeLessThan(0.6);
    expect(plant.state.heatPumps[0]!.load).toBeGreaterThanOrEqual(0.25);
    expect(plant.cmd.heatPumps[0]!.loadSetpointPct).toBe(100);
  });

  it('an injected trip stops the unit at once and keeps it stopped until reset', () => {
    const plant = new Plant();
    plant.takeControl();
    plant.enableHeatPumps(60);
    plant.run(600);
    plant.trip(1);
    plant.run(1);
    expect(plant.state.heatPumps[1]).toMatchObject({
      mode: 'tripped',
      load: 0,
      tripReason: 'trip injected',
    });
    expect(plant.state.heatPumps[0]!.mode).toBe('running');
    plant.run(600);
    expect(plant.state.heatPumps[1]!.mode).toBe('tripped');
    // Not an overheat trip: the reset works at once, whatever the header temperature.
    plant.cmd.heatPumps[1]!.tripReset = true;
    plant.run(1);
    expect(plant.state.heatPumps[1]!.mode).toBe('off');
  });

  it('trips on low evaporator flow when the valve sends the coolant away from a running unit', () => {
    const plant = new Plant();
    plant.takeControl();
    plant.enableHeatPumps(50);
    plant.run(600);
    plant.cmd.valveSetpointPct = 0;
    plant.run(200);
    expect(plant.state.heatPumps.map((hp) => hp.tripReason)).toEqual([
      'low evaporator flow',
      'low evaporator flow',
    ]);
  });
});

describe('plant model: PLC watchdog', () => {
  it('boots in the safe state and leaves it only after heartbeats and a reset', () => {
    const plant = new Plant();
    expect(plant.state.watchdog.safeState).toBe(true);
    plant.run(30); // heartbeats but no reset
    expect(plant.state.watchdog.safeState).toBe(true);
    plant.cmd.watchdogReset = true;
    plant.run(1);
    expect(plant.state.watchdog.safeState).toBe(false);
  });

  it('takes the safe state within the timeout after heartbeats stop: heat pumps local, valve to the dry coolers', () => {
    const plant = new Plant();
    plant.takeControl();
    plant.enableHeatPumps(60);
    plant.run(900);
    expect(plant.state.valvePct).toBe(100);
    plant.heartbeats = false;
    const lastBeat = plant.state.watchdog.lastChangeAt;
    let safeAt: number | undefined;
    plant.run(60, (s) => {
      if (safeAt === undefined && s.watchdog.safeState) safeAt = s.t;
    });
    expect(safeAt).toBeDefined();
    const timeoutMs = plant.params.watchdog.timeoutS * 1000;
    expect(safeAt! - lastBeat).toBeGreaterThan(timeoutMs);
    expect(safeAt! - lastBeat).toBeLessThanOrEqual(timeoutMs + 1000); // within one step of the timeout
    plant.run(120);
    const s = plant.state;
    expect(s.heatPumps.map((hp) => hp.mode)).toEqual(['local', 'local']);
    expect(s.valvePct).toBe(0);
    expect(s.watchdog.trips).toBe(1);
    // The hall stays cooled by the dry coolers alone.
    expect(cduTemperatures(s, plant.params).supplyC).toBeLessThanOrEqual(45);
    // A reset without heartbeats does nothing.
    plant.cmd.watchdogReset = true;
    plant.run(1);
    expect(plant.state.watchdog.safeState).toBe(true);
  });
});

describe('plant model: determinism', () => {
  it('the same seed gives the same plant; another seed another one', () => {
    const run = (seed: number): number => {
      const p = new Plant(DEMO_PARAMS, seed);
      p.run(3600);
      return p.state.itKw;
    };
    expect(run(1)).toBe(run(1));
    expect(run(1)).not.toBe(run(2));
  });

  it('IT load stays within its diurnal band around 2 MW', () => {
    const plant = new Plant();
    let min = Infinity;
    let max = -Infinity;
    plant.run(
      24 * 3600,
      (s) => {
        min = Math.min(min, s.itKw);
        max = Math.max(max, s.itKw);
      },
      10,
    );
    expect(min).toBeGreaterThan(2000 * 0.8);
    expect(max).toBeLessThan(2000 * 1.2);
    expect(max - min).toBeGreaterThan(2000 * 0.2); // the ±15 % swing is there
  });
});
