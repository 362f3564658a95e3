import { beforeAll, describe, expect, it } from '@jest/globals';
import { KpiTracker } from '../../../src/api/kpi';
import { plantView, type PlantView } from '../../../src/api/plant-view';
import { buildPointDefs, loadSiteConfig, type SiteConfig } from '../../../src/config';
import { controlPointDefs } from '../../../src/control/control-points';
import { demoConfigPath } from '../../../src/cli/commands';
import type { PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';

let site: SiteConfig;
beforeAll(async () => {
  const loaded = await loadSiteConfig(demoConfigPath(), {});
  if (!loaded.ok) throw new Error('demo config invalid');
  site = loaded.config;
});

const NOW = Date.UTC(2026, 0, 15, 6);
const sample = (id: string, value: Sample['value'], age = 0): Sample => ({
  id: id as PointId,
  value,
  ts: NOW - age,
  receivedAt: NOW - age,
  quality: 'good',
});

/** The plant view of the demo site with these samples, its flows judged as the key figures. */
function viewOf(
  samples: Sample[],
  mode: (d: string) => 'auto' | 'manual' = () => 'auto',
): PlantView {
  const defs = buildPointDefs(site);
  for (const d of controlPointDefs(site.control)) defs.set(d.id, d);
  const values = new Map<string, Sample>(samples.map((s) => [s.id, s]));
  const latest = (id: PointId) => values.get(id);
  const kpi = new KpiTracker({ site, defs, latest: { get: latest }, startedAt: NOW });
  return plantView({ site, defs, latest, mode, now: NOW, kpis: kpi.kpis(NOW) });
}

describe('plant view', () => {
  it('gives every flow its quality and age, as the key figures do: an old figure is not current (issue 21)', () => {
    const view = viewOf([
      // The substation went offline ten minutes ago: its meter and the delivered heat are old.
      sample('dh/power', 1523.4, 600_000),
      sample('derived/delivered_heat', 1523.4, 600_000),
      // Recoverable heat, fresh from fresh inputs.
      sample('plant/source_flow', 144),
      sample('plant/source_supply_temp', 38.4),
      sample('plant/source_return_temp', 30),
      sample('derived/recoverable_heat', 1300.000000000002),
      // Recovered heat not computed for ten minutes.
      sample('derived/recovered_heat', 900, 600_000),
      // A float sum: shown at the point's resolution (°C: 0.1).
      sample('dh/supply_temp', 80.30000000000001, 0),
    ]);
    expect(view.flows.deliveredKw).toMatchObject({
      value: 1523.4,
      unit: 'kW',
      quality: 'stale',
      at: '2026-01-15T07:50:00+02:00',
    });
    expect(view.flows.recoverableKw).toMatchObject({ value: 1300, quality: 'good' });
    expect(view.flows.recoveredKw.quality).not.toBe('good');
    // recoverable − recovered: as good as the worse of the two, as old as the older.
    expect(view.flows.toDryCoolersKw).toMatchObject({
      value: 400,
      unit: 'kW',
      quality: view.flows.recoveredKw.quality,
      at: '2026-01-15T07:50:00+02:00',
    });
    expect(view.network.supplyTemp).toMatchObject({
      value: 80.3,
      ts: '2026-01-15T08:00:00+02:00',
    });
    expect(view.site.timezone).toBe('Europe/Helsinki');
    expect(view.at).toBe('2026-01-15T08:00:00+02:00');
  });

  it('is assembled from the controllers’ configuration: every role of every point', () => {
    const view = viewOf(
      [
        sample('hall1/cdu_supply_temp', 40),
        sample('hall1/air_supply_temp', 22, 600_000), // ten minutes old: stale
        sample('hp1/running', true),
        sample('hp1/heat_output', 800),
        sample('hp1/electric_power', 200),
        sample('derived/recoverable_heat', 1300),
        sample('derived/recovered_heat', 900),
        sample('dh/supply_temp', 84.6),
      ],
      (d) => (d === 'hp2' ? 'manual' : 'auto'),
    );
    expect(
      view.hall.supplyTemps.map((t) => [t.value.id, t.value.value, t.value.quality, t.limit]),
    ).toEqual([
      ['hall1/cdu_supply_temp', 40, 'good', 45],
      ['hall1/air_supply_temp', 22, 'stale', 27],
    ]);
    expect(view.heatPumps.map((h) => [h.name, h.device, h.mode, h.running.value, h.cop])).toEqual([
      ['hp1', 'hp1', 'auto', true, 4],
      ['hp2', 'hp2', 'manual', null, null],
    ]);
    // A point never received is shown as such, not as a zero.
    expect(view.heatPumps[1]!.heatOutput).toEqual({
      id: 'hp2/heat_output',
      value: null,
      unit: 'kW',
      quality: 'bad',
      ts: null,
    });
    expect(view.flows).toMatchObject({
      recoverableKw: { value: 1300 },
      recoveredKw: { value: 900 },
      toDryCoolersKw: { value: 400 },
      // Never received: no number, and said so.
      deliveredKw: { value: null, quality: 'bad', at: null },
    });
    expect(view.network.supplyTemp?.value).toBe(84.6);
    expect(view.network.supplySetpoints.map((p) => p.id)).toEqual([
      'hp1/condenser_out_setpoint',
      'hp2/condenser_out_setpoint',
    ]);
    expect(view.valve.position?.id).toBe('plant/valve_position');
    expect(view.plc.safeState?.id).toBe('plant/safe_state');
    expect(view.modes).toMatchObject({ hp1: 'auto', hp2: 'manual' });
  });
});
