import { describe, expect, it } from '@jest/globals';
import { controlSchema, derivedSchema } from '../../../../src/config/controllers';
import { controlPointDefs } from '../../../../src/control/control-points';
import { derived } from '../../../../src/control/controllers/derived';
import { ProcessImage } from '../../../../src/control/process-image';
import type { PointId } from '../../../../src/domain/point-id';

const derivedIds = (control: unknown): string[] =>
  controlPointDefs(controlSchema.parse(control))
    .filter((d) => d.device === 'derived')
    .map((d) => d.name)
    .sort();

/** Only the heat pumps and the IT load: no meter, no facility power, no coolant loops. */
const minimal = derivedSchema.parse({
  type: 'derived',
  name: 'kpis',
  heatPumps: [{ heatOutput: 'hp1/heat', electricPower: 'hp1/power' }],
  itPower: 'hall/it',
});

describe('the derived points a site has (issue 21)', () => {
  it('lists none in a site without a derived controller', () => {
    expect(derivedIds({ controllers: [] })).toEqual([]);
  });

  it('lists only what the derived controller’s config can compute', () => {
    expect(derivedIds({ controllers: [minimal] })).toEqual([
      'cop',
      'cop_running',
      'hp_electric_energy',
      'hp_electric_power',
      'recovered_energy',
      'recovered_heat',
    ]);
    const full = {
      ...minimal,
      heatPumps: [{ ...minimal.heatPumps[0], condenserOut: 'hp1/cond', evaporatorOut: 'hp1/evap' }],
      deliveredHeat: 'dh/power',
      facilityPower: 'hall/facility',
      dryCoolerHeat: 'plant/dc',
      sources: [{ flow: 'plant/flow', supplyTemp: 'plant/supply', returnTemp: 'plant/return' }],
    };
    expect(derivedIds({ controllers: [full] })).toHaveLength(14);
  });

  it('emits nothing its site does not list (no delivered energy without a meter)', () => {
    const image = ProcessImage.of({ 'hp1/heat': 400, 'hp1/power': 100, 'hall/it': 1000 }, 0);
    let state = derived.init(minimal);
    let names: string[] = [];
    for (const t of [0, 5000]) {
      const out = derived.step({ image, now: t, safetyActive: false }, state, minimal);
      state = out.state;
      names = (out.derived ?? []).map((d) => d.id.replace('derived/', ''));
    }
    expect(names.sort()).toEqual(derivedIds({ controllers: [minimal] }));
  });
});

describe('energy counters across a restart (issue 21)', () => {
  const cfg = derivedSchema.parse({
    ...minimal,
    deliveredHeat: 'dh/power',
    facilityPower: 'hall/facility',
  });
  const plant = { 'hp1/heat': 400, 'hp1/power': 100, 'dh/power': 380, 'hall/facility': 1200 };

  it('goes on from the counters’ last values in the image, however old they are', () => {
    // The previous run's last values, restored before control starts: a day old, so stale.
    const restored = {
      'derived/recovered_energy': 3000,
      'derived/hp_electric_energy': 1000,
      'derived/delivered_energy': 3800,
      'derived/facility_energy': 12000,
      'derived/cop_running': 4,
    };
    const day = 86_400_000;
    const defs = new Map(
      controlPointDefs(controlSchema.parse({ controllers: [cfg] })).map((d) => [d.id, d]),
    );
    const image = (t: number): ProcessImage =>
      ProcessImage.build(
        [
          ...Object.entries(plant).map(([id, value]) => ({
            id: id as PointId,
            value,
            ts: t,
            receivedAt: t,
            quality: 'good' as const,
          })),
          ...Object.entries(restored).map(([id, value]) => ({
            id: id as PointId,
            value,
            ts: t - day,
            receivedAt: t - day,
            quality: 'good' as const,
          })),
        ],
        defs,
        t,
      );
    let state = derived.init(cfg);
    let out = derived.step({ image: image(day), now: day, safetyActive: false }, state, cfg);
    state = out.state;
    // One hour of 5 s cycles after the restart.
    for (let t = day + 5000; t <= day + 3_600_000; t += 5000) {
      out = derived.step({ image: image(t), now: t, safetyActive: false }, state, cfg);
      state = out.state;
    }
    const v = Object.fromEntries((out.derived ?? []).map((d) => [d.id, d.value]));
    expect(v['derived/recovered_energy']).toBeCloseTo(3300, 6);
    expect(v['derived/hp_electric_energy']).toBeCloseTo(1100, 6);
    expect(v['derived/delivered_energy']).toBeCloseTo(4180, 6);
    expect(v['derived/facility_energy']).toBeCloseTo(13200, 6);
    // COP since the counters began: (4 × 1000 + 400) / 1100.
    expect(v['derived/cop_running']).toBeCloseTo(4400 / 1100, 9);
    expect(v['derived/erf']).toBeCloseTo(3300 / 13200, 9);
  });

  it('starts from zero when the image has no counters, or nonsense in them', () => {
    const image = ProcessImage.of({ ...plant, 'derived/recovered_energy': -5 }, 0);
    const out = derived.step({ image, now: 0, safetyActive: false }, derived.init(cfg), cfg);
    expect(out.state.recoveredKwh).toBe(0);
    expect(out.state.electricKwh).toBe(0);
  });
});
