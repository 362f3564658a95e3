import { describe, expect, it } from '@jest/globals';
import {
  acceptanceKw,
  builtInNetwork,
  connectionAcceptance,
  connectionModeOf,
  localHour,
  networkFlowKgS,
  networkReturnC,
  requestedSupplyC,
} from '../../../simulators/model/district';
import { DEMO_PARAMS } from '../../../simulators/model/params';
import { CP_WATER } from '../../../simulators/model/physics';

describe('district-heating connection curves', () => {
  it('keeps the network return within 40–55 °C in any weather', () => {
    for (let t = -30; t <= 35; t += 5) {
      for (let h = 0; h < 24; h++) {
        const r = networkReturnC(t, h);
        expect(r).toBeGreaterThanOrEqual(40);
        expect(r).toBeLessThanOrEqual(55);
      }
    }
  });

  it('asks for hotter supply when colder, with a morning boost', () => {
    expect(requestedSupplyC(-20, 12)).toBeGreaterThan(requestedSupplyC(10, 12));
    expect(requestedSupplyC(0, 7)).toBe(requestedSupplyC(0, 12) + 2);
    expect(requestedSupplyC(30, 12)).toBe(65);
  });

  it('asks for no more than the heat pumps reach within the substation tolerance (85 °C, 87 with the boost)', () => {
    expect(requestedSupplyC(-30, 12)).toBe(85);
    expect(requestedSupplyC(-30, 7)).toBe(87);
  });

  it('takes less heat in summer and at night than on a winter day', () => {
    const limits = { maxAcceptanceKw: 3000, minAcceptanceKw: 400 };
    expect(acceptanceKw(-10, 12, limits)).toBe(3000);
    expect(acceptanceKw(20, 12, limits)).toBeLessThan(1000);
    expect(acceptanceKw(5, 3, limits)).toBeLessThan(acceptanceKw(5, 12, limits));
    expect(acceptanceKw(30, 3, limits)).toBeGreaterThanOrEqual(400);
  });

  it('computes the local hour with the plant offset', () => {
    expect(localHour(Date.UTC(2026, 0, 1, 22), 2)).toBe(0);
    expect(localHour(Date.UTC(2026, 0, 1, 0, 30), -1)).toBe(23.5);
  });
});

describe('district-heating connection: acceptance by temperature and mode', () => {
  const d = DEMO_PARAMS.district;
  const net = { supplyC: 110, returnC: 50, acceptanceKw: 3000 };
  const flow = 3000 / (CP_WATER * 60);

  it('derives the network flow from the heat it takes between its return and its request', () => {
    expect(networkFlowKgS(net)).toBeCloseTo(flow, 9);
    expect(builtInNetwork(-5, 12, d)).toEqual({
      supplyC: requestedSupplyC(-5, 12),
      returnC: networkReturnC(-5, 12),
      acceptanceKw: acceptanceKw(-5, 12, d),
    });
  });

  it('supply: flow × c_p × (our supply − return) within 2 K of the request, refused below', () => {
    expect(connectionAcceptance('supply', 110, net, d)).toEqual({
      acceptanceKw: expect.closeTo(3000, 6),
      returnAcceptanceKw: expect.closeTo(flow * CP_WATER * 15, 6),
      refused: false,
    });
    expect(connectionAcceptance('supply', 108, net, d).acceptanceKw).toBeCloseTo(
      flow * CP_WATER * 58,
      6,
    );
    expect(connectionAcceptance('supply', 108, net, d).refused).toBe(false);
    expect(connectionAcceptance('supply', 107.9, net, d).refused).toBe(true);
    expect(connectionAcceptance('supply', 85, net, d).refused).toBe(true);
    // Hotter than requested counts as requested: the network's demand does not grow.
    expect(connectionAcceptance('supply', 115, net, d).acceptanceKw).toBeCloseTo(3000, 6);
  });

  it('top-up: takes our heat at our temperature, never refused', () => {
    const a = connectionAcceptance('top-up', 85, net, d);
    expect(a.refused).toBe(false);
    expect(a.acceptanceKw).toBeCloseTo(flow * CP_WATER * 35, 6);
  });

  it('return: the return flow share × c_p × the allowed rise (≤ 15 K, to ≤ 70 °C); none: nothing', () => {
    expect(connectionAcceptance('return', 65, net, d).acceptanceKw).toBeCloseTo(
      flow * CP_WATER * 15,
      6,
    );
    const warm = { ...net, returnC: 62 };
    expect(connectionAcceptance('return', 70, warm, d).returnAcceptanceKw).toBeCloseTo(
      networkFlowKgS(warm) * CP_WATER * 8,
      6,
    );
    const half = { ...d, returnLine: { ...d.returnLine, flowShare: 0.5 } };
    expect(connectionAcceptance('return', 65, net, half).acceptanceKw).toBeCloseTo(
      flow * CP_WATER * 15 * 0.5,
      6,
    );
    expect(connectionAcceptance('return', 65, { ...net, returnC: 72 }, d).acceptanceKw).toBe(0);
    expect(connectionAcceptance('none', 110, net, d).acceptanceKw).toBe(0);
  });

  it('reads the register: 0 none, 1 supply, 2 return, 3 top-up, anything else supply', () => {
    expect([0, 1, 2, 3, 7].map(connectionModeOf)).toEqual([
      'none',
      'supply',
      'return',
      'top-up',
      'supply',
    ]);
  });
});
