import { describe, expect, it } from '@jest/globals';
import { copAt, DEMO_PARAMS, unitsCapacityAt } from '../../../simulators';
import {
  plantUnits,
  upperBound,
  type Bound,
  type BoundSetup,
  type BoundUnits,
} from '../../../src/simulation/upper-bound';

/** Units with a COP of 4 and 2,000 kW whatever the lift, unless told otherwise. */
const units = (over: Partial<BoundUnits> = {}): BoundUnits => ({
  cop: () => 4,
  capacityKw: () => 2000,
  returnFlowShare: 1,
  ...over,
});
const setup = (over: Partial<BoundSetup> = {}): BoundSetup => ({
  modes: ['supply', 'top-up', 'return'],
  reachC: 85,
  minUsefulCop: 2,
  returnLine: { maxRiseK: 15, maxC: 70 },
  ...over,
});
const bound = (): Bound => ({ kw: NaN, mode: 'none', aboveReach: false, belowMinimum: false });
const CP = 4.186;

describe('the upper bound per step', () => {
  it('is the least of coolant heat × COP/(COP−1), acceptance and capacity, each limiting in turn', () => {
    const n = { supplyC: 80, returnC: 45, acceptanceKw: 3000 };
    // Coolant: 1,200 kW × 4/3 = 1,600 kW.
    expect(upperBound(bound(), 1200, 42, n, setup(), units()).kw).toBeCloseTo(1600, 6);
    // Acceptance.
    const low = { ...n, acceptanceKw: 900 };
    expect(upperBound(bound(), 1200, 42, low, setup(), units())).toEqual({
      kw: 900,
      mode: 'supply',
      aboveReach: false,
      belowMinimum: false,
    });
    // Capacity.
    expect(
      upperBound(bound(), 1200, 42, n, setup(), units({ capacityKw: () => 1000 })).kw,
    ).toBeCloseTo(1000, 6);
  });

  it('above the reach leaves supply out and takes top-up at the reach, acceptance by the network flow', () => {
    const n = { supplyC: 115, returnC: 50, acceptanceKw: 2000 };
    const b = upperBound(bound(), 5000, 42, n, setup(), units({ capacityKw: () => 1e6 }));
    const flow = 2000 / (CP * 65);
    expect(b.aboveReach).toBe(true);
    expect(b.mode).toBe('top-up');
    expect(b.kw).toBeCloseTo(flow * CP * (85 - 50), 6);
    // Without top-up in the contract, the return line: raised by 15 K to 65 °C.
    const r = upperBound(bound(), 5000, 42, n, setup({ modes: ['supply', 'return'] }), units());
    expect(r.mode).toBe('return');
    expect(r.kw).toBeCloseTo(flow * CP * 15, 6);
    // Supply alone: nothing.
    expect(upperBound(bound(), 5000, 42, n, setup({ modes: ['supply'] }), units())).toEqual({
      kw: 0,
      mode: 'none',
      aboveReach: true,
      belowMinimum: false,
    });
  });

  it('the return line stops at its maximum temperature and takes the flow share', () => {
    const n = { supplyC: 115, returnC: 62, acceptanceKw: 2000 };
    const u = units({ returnFlowShare: 0.5, capacityKw: () => 1e6 });
    const b = upperBound(bound(), 5000, 42, n, setup({ modes: ['return'] }), u);
    expect(b.kw).toBeCloseTo((2000 / (CP * 53)) * 0.5 * CP * 8, 6);
  });

  it("flags a bound below one unit's minimum output, at the best mode's lift", () => {
    const n = { supplyC: 80, returnC: 45, acceptanceKw: 250 };
    const seen: number[] = [];
    const minOutputKw = (condC: number): number => {
      seen.push(condC);
      return 300;
    };
    const b = upperBound(bound(), 1200, 42, n, setup(), units({ minOutputKw }));
    expect(b).toMatchObject({ kw: 250, mode: 'supply', belowMinimum: true });
    // Each mode judged at its own lift: supply and top-up at 80 °C, the return line at 60 °C.
    expect(seen).toEqual([80, 80, 60]);
    // A mode that reaches its own (lower) minimum keeps the step reachable.
    const byLift = (condC: number): number => (condC < 70 ? 50 : 300);
    expect(
      upperBound(bound(), 1200, 42, n, setup(), units({ minOutputKw: byLift })).belowMinimum,
    ).toBe(false);
    const above = upperBound(
      bound(),
      1200,
      42,
      { ...n, acceptanceKw: 400 },
      setup(),
      units({ minOutputKw }),
    );
    expect(above.belowMinimum).toBe(false);
    // The plant model's: a quarter of one unit's capacity at that lift.
    const u = plantUnits(DEMO_PARAMS);
    expect(u.minOutputKw!(80, 40)).toBeCloseTo(
      DEMO_PARAMS.heatPumps[0]!.minLoad * unitsCapacityAt([DEMO_PARAMS.heatPumps[0]!], 80, 40),
      6,
    );
  });

  it('leaves out a mode whose COP at its lift is below the least useful', () => {
    const n = { supplyC: 80, returnC: 45, acceptanceKw: 3000 };
    const cop = (condC: number): number => (condC > 75 ? 1.8 : 4);
    const b = upperBound(bound(), 1200, 42, n, setup(), units({ cop }));
    expect(b.mode).toBe('return');
  });

  it("uses the plant model's full-load COP and the units' summed capacity", () => {
    const u = plantUnits(DEMO_PARAMS);
    const hp = DEMO_PARAMS.heatPumps[0]!;
    const flow = DEMO_PARAMS.loop.flowKgS / DEMO_PARAMS.heatPumps.length;
    expect(u.cop(85, 42)).toBe(copAt(hp, 85, 42, flow));
    // A cached value stands only for (nearly) the same temperatures.
    expect(u.cop(85.01, 42)).toBe(copAt(hp, 85, 42, flow));
    expect(u.cop(70, 42)).toBe(copAt(hp, 70, 42, flow));
    expect(u.cop(70, 42)).toBeGreaterThan(u.cop(85, 42));
    expect(u.capacityKw(85, 42)).toBe(unitsCapacityAt(DEMO_PARAMS.heatPumps, 85, 42));
  });
});
