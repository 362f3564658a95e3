import { describe, expect, it } from '@jest/globals';
import { HEAT_PRICE_DEFAULTS } from '../../../src/config/utility';
import {
  deliveryModeOfCode,
  heatPriceEurPerMWh,
  modelPriceEurPerMWh,
} from '../../../src/utility/heat-price';

const model = { ...HEAT_PRICE_DEFAULTS };

describe('the heat price', () => {
  it('is the model base at the reference temperatures', () => {
    expect(modelPriceEurPerMWh(0, 75, model)).toBe(30);
  });

  it('pays more for hotter delivery and colder weather, less for cooler and milder', () => {
    expect(modelPriceEurPerMWh(0, 85, model)).toBeCloseTo(34, 9); // +10 K × 0.4
    expect(modelPriceEurPerMWh(-10, 75, model)).toBeCloseTo(33, 9); // 10 K colder × 0.3
    expect(modelPriceEurPerMWh(-10, 115, model)).toBeCloseTo(49, 9);
    expect(modelPriceEurPerMWh(20, 65, model)).toBeCloseTo(20, 9); // −4 − 6
  });

  it('is never below zero from the model', () => {
    expect(modelPriceEurPerMWh(40, 20, model)).toBe(0);
  });

  it("takes the plan's price over the model", () => {
    expect(heatPriceEurPerMWh({ planPrice: 61, outdoorC: -20, supplyC: 110 }, model)).toBe(61);
    // A plan's price may be negative (heat the utility does not want); it still wins.
    expect(heatPriceEurPerMWh({ planPrice: -5, outdoorC: 0, supplyC: 75 }, model)).toBe(-5);
  });

  it('pays a share for return-line feed-in and topped-up supply, of the plan or the model', () => {
    expect(heatPriceEurPerMWh({ planPrice: 60, mode: 'return' }, model)).toBe(30);
    expect(heatPriceEurPerMWh({ planPrice: 60, mode: 'top-up' }, model)).toBe(48);
    expect(heatPriceEurPerMWh({ planPrice: 60, mode: 'supply' }, model)).toBe(60);
    expect(heatPriceEurPerMWh({ outdoorC: 0, supplyC: 75, mode: 'return' }, model)).toBe(15);
    expect(heatPriceEurPerMWh({ outdoorC: 0, supplyC: 75, mode: 'top-up' }, model)).toBe(24);
  });

  it('is unknown without a plan price and with a temperature the model needs missing', () => {
    expect(heatPriceEurPerMWh({ supplyC: 75 }, model)).toBeUndefined();
    expect(heatPriceEurPerMWh({ outdoorC: 0, supplyC: Number.NaN }, model)).toBeUndefined();
  });

  it('reads the connection mode point (0 none, 1 supply, 2 return, 3 top-up)', () => {
    expect([0, 1, 2, 3].map(deliveryModeOfCode)).toEqual(['none', 'supply', 'return', 'top-up']);
    expect(deliveryModeOfCode(4)).toBeUndefined();
    expect(deliveryModeOfCode(1.5)).toBeUndefined();
    expect(deliveryModeOfCode(undefined)).toBeUndefined();
  });
});
