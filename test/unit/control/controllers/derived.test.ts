import { describe, expect, it } from '@jest/globals';
import { derivedSchema } from '../../../../src/config/controllers';
import {
  derived,
  derivedPointDefs,
  DERIVED_POINTS,
  type DerivedState,
} from '../../../../src/control/controllers/derived';
import { ProcessImage } from '../../../../src/control/process-image';

const cfg = derivedSchema.parse({
  type: 'derived',
  name: 'kpis',
  heatPumps: [
    { heatOutput: 'hp1/heat', electricPower: 'hp1/power' },
    { heatOutput: 'hp2/heat', electricPower: 'hp2/power' },
  ],
  deliveredHeat: 'dh/power',
  itPower: 'hall/it',
  facilityPower: 'hall/facility',
  sources: [{ flow: 'plant/flow', supplyTemp: 'plant/supply', returnTemp: 'plant/return' }],
});

const plant = {
  'hp1/heat': 800,
  'hp1/power': 200,
  'hp2/heat': 400,
  'hp2/power': 100,
  'dh/power': 1150,
  'hall/it': 2000,
  'hall/facility': 2500,
  'plant/flow': 100, // m³/h
  'plant/supply': 40,
  'plant/return': 32,
};

const byName = (out: { derived?: { id: string; value: number }[] }) =>
  Object.fromEntries((out.derived ?? []).map((d) => [d.id.replace('derived/', ''), d.value]));

describe('derived points', () => {
  it('computes the instantaneous values from one cycle', () => {
    const out = derived.step(
      { image: ProcessImage.of(plant, 0), now: 0, safetyActive: false },
      derived.init(cfg),
      cfg,
    );
    const v = byName(out);
    expect(v.recovered_heat).toBe(900); // condenser heat − electricity
    expect(v.hp_electric_power).toBe(300);
    expect(v.cop).toBe(4);
    expect(v.delivered_heat).toBe(1150);
    expect(v.pue).toBe(1.25);
    expect(v.recoverable_heat).toBeCloseTo((100 / 3.6) * 4.186 * 8, 6); // ṁ·c_p·ΔT
    // Nothing integrated yet on the first cycle.
    expect(v.recovered_energy).toBe(0);
    expect(v.cop_running).toBeUndefined();
    expect(v.erf).toBeUndefined();
    expect(out.status).toBe('ok');
  });

  it('integrates energies cycle by cycle in virtual time, and COP and ERF from them', () => {
    let state: DerivedState = derived.init(cfg);
    let last: ReturnType<typeof derived.step> | undefined;
    // One hour of 5 s cycles.
    for (let t = 0; t <= 3600_000; t += 5000) {
      last = derived.step(
        { image: ProcessImage.of(plant, t), now: t, safetyActive: false },
        state,
        cfg,
      );
      state = last.state;
    }
    const v = byName(last!);
    expect(v.recovered_energy).toBeCloseTo(900, 6); // kWh in one hour
    expect(v.hp_electric_energy).toBeCloseTo(300, 6);
    expect(v.delivered_energy).toBeCloseTo(1150, 6);
    expect(v.cop_running).toBeCloseTo(4, 9);
    expect(v.erf).toBeCloseTo(900 / 2500, 9);
  });

  it('does not integrate across a gap longer than a minute (a stalled process invents nothing)', () => {
    let state = derived.step(
      { image: ProcessImage.of(plant, 0), now: 0, safetyActive: false },
      derived.init(cfg),
      cfg,
    ).state;
    state = derived.step(
      { image: ProcessImage.of(plant, 3600_000), now: 3600_000, safetyActive: false },
      state,
      cfg,
    ).state;
    expect(state.recoveredKwh).toBe(0); // not an hour's worth, nor a minute's
    // A gap of exactly a minute is still integrated.
    state = derived.step(
      { image: ProcessImage.of(plant, 3660_000), now: 3660_000, safetyActive: false },
      state,
      cfg,
    ).state;
    expect(state.recoveredKwh).toBeCloseTo(900 / 60, 9);
  });

  it('integrates heat-pump energy only from complete readings (a missing meter overstates nothing)', () => {
    const { 'hp2/power': _gone, ...partial } = plant;
    let state = derived.init(cfg);
    for (let t = 0; t <= 600_000; t += 5000) {
      state = derived.step(
        { image: ProcessImage.of(partial, t), now: t, safetyActive: false },
        state,
        cfg,
      ).state;
    }
    expect(state.recoveredKwh).toBe(0);
    expect(state.deliveredKwh).toBeCloseTo(1150 / 6, 6); // the meter was there all along
  });

  it('leaves out what it cannot know and says it is degraded', () => {
    const { 'hp2/power': _gone, ...partial } = plant;
    const out = derived.step(
      { image: ProcessImage.of(partial, 0), now: 0, safetyActive: false },
      derived.init(cfg),
      cfg,
    );
    const v = byName(out);
    expect(v.recovered_heat).toBeUndefined();
    expect(v.cop).toBeUndefined();
    expect(v.pue).toBe(1.25);
    expect(out.status).toBe('degraded');
  });

  it('declares a point for every value it computes, in the right units', () => {
    const defs = derivedPointDefs(5000);
    expect(defs.map((d) => d.name).sort()).toEqual(Object.keys(DERIVED_POINTS).sort());
    expect(defs.find((d) => d.name === 'recovered_energy')).toMatchObject({
      unit: 'kWh',
      kind: 'derived',
      access: 'r',
      staleAfterMs: 15000,
    });
    const out = derived.step(
      { image: ProcessImage.of(plant, 0), now: 0, safetyActive: false },
      { ...derived.init(cfg), lastAt: -5000, electricKwh: 1, facilityKwh: 1 },
      cfg,
    );
    for (const d of out.derived!)
      expect(Object.keys(DERIVED_POINTS)).toContain(d.id.replace('derived/', ''));
  });

  it('weights the lift by heat output, skips stopped units, and computes the dry-cooler share', () => {
    const withTemps = derivedSchema.parse({
      ...cfg,
      heatPumps: [
        {
          heatOutput: 'hp1/heat',
          electricPower: 'hp1/power',
          condenserOut: 'hp1/cond',
          evaporatorOut: 'hp1/evap',
        },
        {
          heatOutput: 'hp2/heat',
          electricPower: 'hp2/power',
          condenserOut: 'hp2/cond',
          evaporatorOut: 'hp2/evap',
        },
      ],
      dryCoolerHeat: 'plant/dry',
    });
    const step = (values: Record<string, number>) =>
      byName(
        derived.step(
          { image: ProcessImage.of(values, 0), now: 0, safetyActive: false },
          derived.init(withTemps),
          withTemps,
        ),
      );
    const temps = { 'hp1/cond': 75, 'hp1/evap': 25, 'hp2/cond': 70, 'hp2/evap': 30 };
    const both = step({ ...plant, ...temps, 'plant/dry': 300 });
    // (50 K · 800 kW + 40 K · 400 kW) / 1200 kW
    expect(both.lift).toBeCloseTo((50 * 800 + 40 * 400) / 1200, 9);
    // Recovered 900 kW, the dry coolers 300 kW: a quarter thrown away.
    expect(both.drycooler_share).toBeCloseTo(25, 9);
    // hp2 stopped: its temperatures say nothing about the COP.
    const one = step({ ...plant, ...temps, 'hp2/heat': 0, 'hp2/power': 0, 'plant/dry': 300 });
    expect(one.lift).toBe(50);
    // Nothing running: no lift at all, and everything goes to the dry coolers.
    const none = step({
      ...plant,
      ...temps,
      'hp1/heat': 0,
      'hp1/power': 0,
      'hp2/heat': 0,
      'hp2/power': 0,
      'plant/dry': 1000,
    });
    expect(none.lift).toBeUndefined();
    expect(none.drycooler_share).toBe(100);
    // A running unit's unknown temperature: no lift rather than a wrong one.
    const { 'hp1/cond': _gone, ...missing } = temps;
    void _gone;
    expect(step({ ...plant, ...missing, 'plant/dry': 300 }).lift).toBeUndefined();
    // Without the optional points configured, neither value is produced.
    const plain = step({ ...plant, ...temps });
    expect(plain.drycooler_share).toBeUndefined();
  });
});
