import { describe, expect, it } from '@jest/globals';
import {
  acceptanceKw,
  localHour,
  networkReturnC,
  requestedSupplyC,
} from '../../../simulators/model/district';

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
