import { describe, expect, it } from '@jest/globals';
import { networkFlowKgS, type NetworkConditions } from '../../../../simulators/model/district';
import { storedLoopHeatKwh } from '../../../../simulators/model/plant';
import { CP_WATER } from '../../../../simulators/model/physics';
import { readings } from '../../../../simulators/model/readings';
import { initialCommands, type PlantState } from '../../../../simulators/model/state';
import { DEMO_PARAMS } from '../../../../simulators/model/params';
import { Plant } from './harness';

/**
 * The substation's connection modes on a network that asks for more than the heat pumps reach
 * (110 °C, as a real winter network's feed): what each mode takes and what it refuses.
 */
const HOT_NETWORK: NetworkConditions = { supplyC: 110, returnC: 50, acceptanceKw: 4000 };

function plantOn(network: NetworkConditions, mode: number): Plant {
  const plant = new Plant();
  plant.network = network;
  plant.takeControl();
  plant.cmd.connectionMode = mode;
  return plant;
}

describe('plant model: connection modes', () => {
  it('defaults to supply-line feed-in (1), so a controller that never writes the mode works as before', () => {
    expect(initialCommands(DEMO_PARAMS).connectionMode).toBe(1);
    const plant = new Plant();
    plant.takeControl();
    plant.enableHeatPumps(60);
    plant.run(1800);
    expect(plant.state.connectionMode).toBe(1);
    expect(plant.state.deliveredKw).toBeGreaterThan(500);
  });

  it('supply: refuses everything while our supply is more than 2 K below a request above our reach', () => {
    const plant = plantOn(HOT_NETWORK, 1);
    plant.enableHeatPumps(60, 100, 85);
    let produced = 0;
    let maxC = 0;
    plant.run(1800, (s) => {
      expect(s.deliveredKw).toBe(0);
      expect(s.districtFlowKgS).toBe(0);
      produced += s.heatPumps.reduce((sum, hp) => sum + hp.heatKw, 0);
      maxC = Math.max(maxC, s.condenserC);
    });
    expect(produced).toBeGreaterThan(0);
    // The heat stays in the header: the units unload and trip at 90 °C, as they always did.
    expect(maxC).toBeGreaterThan(89);
    expect(plant.state.heatPumps.some((hp) => hp.overheatTrip)).toBe(true);
  });

  it('supply: takes it within the 2 K tolerance, at the heat the network takes at our temperature', () => {
    const plant = plantOn({ supplyC: 86.5, returnC: 50, acceptanceKw: 4000 }, 1);
    plant.enableHeatPumps(60, 100, 85);
    plant.run(1800);
    const s = plant.state;
    expect(s.deliveredKw).toBeGreaterThan(1000);
    expect(s.heatPumps.every((hp) => hp.mode === 'running')).toBe(true);
    // Acceptance = the network's flow × c_p × (our 85 °C − its return).
    expect(s.acceptanceKw).toBeCloseTo((4000 * (85 - 50)) / (86.5 - 50), 6);
  });

  it('top-up: the utility takes our heat at our temperature and raises it itself; nothing trips', () => {
    const plant = plantOn(HOT_NETWORK, 3);
    plant.enableHeatPumps(60, 100, 85);
    let maxC = 0;
    plant.run(3600, (s) => (maxC = Math.max(maxC, s.condenserC)));
    const s = plant.state;
    expect(s.connectionMode).toBe(3);
    expect(s.heatPumps.map((hp) => hp.mode)).toEqual(['running', 'running']);
    expect(maxC).toBeLessThan(87); // never into the units' unloading band
    const produced = s.heatPumps.reduce((sum, hp) => sum + hp.heatKw, 0);
    expect(s.deliveredKw).toBeGreaterThan(0.95 * produced);
    expect(s.acceptanceKw).toBeCloseTo(networkFlowKgS(HOT_NETWORK) * CP_WATER * (85 - 50), 6);
    // The reading moves with our supply temperature.
    const at75 = plantOn(HOT_NETWORK, 3);
    at75.enableHeatPumps(60, 100, 75);
    at75.run(10);
    expect(at75.state.acceptanceKw / s.acceptanceKw).toBeCloseTo((75 - 50) / (85 - 50), 6);
  });

  it('return: heats the return line by at most its 15 K and to at most 70 °C', () => {
    const plant = plantOn(HOT_NETWORK, 2);
    plant.enableHeatPumps(40, 100, 65);
    const flow = networkFlowKgS(HOT_NETWORK);
    const returnAcceptance = flow * CP_WATER * 15;
    let delivered = 0;
    plant.run(3600, (s) => {
      expect(s.returnAcceptanceKw).toBeCloseTo(returnAcceptance, 6);
      expect(s.acceptanceKw).toBeCloseTo(returnAcceptance, 6);
      expect(s.deliveredKw).toBeLessThanOrEqual(returnAcceptance + 1e-6);
      expect(s.districtFlowKgS).toBeLessThanOrEqual(flow + 1e-9);
      // The return after our feed-in: its own plus what we add to its flow.
      expect(HOT_NETWORK.returnC + s.deliveredKw / (flow * CP_WATER)).toBeLessThanOrEqual(
        65 + 1e-6,
      );
      delivered = s.deliveredKw;
    });
    expect(delivered).toBeGreaterThan(500);
    expect(readings(plant.state, plant.params)['dh/return_acceptance']).toBeCloseTo(
      returnAcceptance,
      6,
    );
    // Making more than the return line takes: held to its acceptance at our actual outlet,
    // the rest stays in the header.
    const more = plantOn(HOT_NETWORK, 2);
    more.enableHeatPumps(70, 100, 65);
    let most = 0;
    more.run(900, (s) => {
      expect(s.deliveredKw).toBeLessThanOrEqual(returnAcceptance + 1e-6);
      most = Math.max(most, s.deliveredKw);
    });
    expect(most).toBeGreaterThan(0.99 * returnAcceptance);
    expect(more.state.condenserC).toBeGreaterThan(70);
    // A warmer return leaves less room below 70 °C: 60 °C → 10 K.
    const warm = plantOn({ ...HOT_NETWORK, returnC: 60 }, 2);
    warm.run(1);
    expect(warm.state.returnAcceptanceKw).toBeCloseTo(
      networkFlowKgS({ ...HOT_NETWORK, returnC: 60 }) * CP_WATER * 10,
      6,
    );
  });

  it('none: the network takes nothing, whatever the units make', () => {
    const plant = plantOn(HOT_NETWORK, 0);
    plant.enableHeatPumps(40, 100, 70);
    plant.run(900, (s) => {
      expect(s.deliveredKw).toBe(0);
      expect(s.acceptanceKw).toBe(0);
    });
    expect(plant.state.returnAcceptanceKw).toBeGreaterThan(0); // still offered, for the controller
  });

  it('switching modes under way keeps the facility-water energy balance', () => {
    const plant = plantOn(HOT_NETWORK, 3);
    const u0 = storedLoopHeatKwh(plant.state, plant.params);
    const e0 = { ...plant.state.energy };
    const phases: [number, number, number][] = [
      [3, 60, 85],
      [2, 40, 65],
      [1, 60, 85],
      [0, 30, 70],
    ];
    let last: PlantState = plant.state;
    for (const [mode, load, setpoint] of phases) {
      plant.cmd.connectionMode = mode;
      plant.enableHeatPumps(load, 100, setpoint);
      plant.run(1800, (s) => (last = s), 5);
    }
    const e = last.energy;
    const itHeat = e.itHeatKwh - e0.itHeatKwh;
    const out =
      e.recoveredKwh -
      e0.recoveredKwh +
      (e.rejectedLiquidKwh - e0.rejectedLiquidKwh) +
      (e.rejectedAirKwh - e0.rejectedAirKwh);
    const stored = storedLoopHeatKwh(last, plant.params) - u0;
    expect(Math.abs(itHeat - (out + stored)) / itHeat).toBeLessThan(0.01);
    expect(e.recoveredKwh - e0.recoveredKwh).toBeGreaterThan(500);
  });
});
