import { describe, expect, it } from '@jest/globals';
import {
  capacityAt,
  capacityKw,
  copAt,
  MAX_COP,
  thermodynamics,
  unitsCapacityAt,
} from '../../../simulators/model/heat-pump';
import { DEMO_PARAMS } from '../../../simulators/model/params';
import { carnotCop } from '../../../simulators/model/physics';

/** The model's COP and capacity at a lift, as `simulate`'s upper bound uses them. */
describe('heat pump: COP and capacity at a lift', () => {
  const p = DEMO_PARAMS.heatPumps[0]!;

  it('copAt with an evaporator flow is the full-load COP the model runs the unit at', () => {
    const th = thermodynamics(p, 1, 48, 20, 85, 85);
    expect(copAt(p, 85, 48, 20)).toBe(th.cop);
  });

  it('copAt without a flow is the best COP at that lift: refrigerant temperatures ± 2 K, η 0.5', () => {
    const tc = 85 + 2 + 273.15;
    const te = 48 - 2 + 273.15;
    expect(copAt(p, 85, 48)).toBeCloseTo((0.5 * tc) / (tc - te), 9);
    expect(copAt(p, 85, 48)).toBeGreaterThan(copAt(p, 85, 48, 20));
    expect(copAt(p, 85, 48)).toBeLessThan(carnotCop(85, 48));
    // Less with more lift; capped for a small one.
    expect(copAt(p, 110, 48)).toBeLessThan(copAt(p, 70, 48));
    expect(copAt(p, 50, 48)).toBe(MAX_COP);
  });

  it('capacityAt is the unit capacity at that lift; unitsCapacityAt sums the units', () => {
    expect(capacityAt(p, 85, 48)).toBe(capacityKw(p, 48, 85));
    expect(capacityAt(p, 85, 48)).toBeLessThan(capacityAt(p, 70, 48));
    expect(unitsCapacityAt(DEMO_PARAMS.heatPumps, 85, 48)).toBeCloseTo(
      2 * capacityAt(p, 85, 48),
      9,
    );
  });
});
