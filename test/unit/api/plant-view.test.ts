import { beforeAll, describe, expect, it } from '@jest/globals';
import { plantView } from '../../../src/api/plant-view';
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

describe('plant view', () => {
  it('gives every flow its quality and age: an old figure is stale, not current (issue 21)', () => {
    const defs = buildPointDefs(site);
    for (const d of controlPointDefs(site.control)) defs.set(d.id, d);
    const values = new Map<string, Sample>(
      [
        // The substation went offline ten minutes ago: its last delivered heat is old.
        sample('derived/delivered_heat', 1523.4, 600_000),
        sample('derived/recoverable_heat', 1300.000000000002),
        sample('derived/recovered_heat', 900, 600_000),
        // A float sum: shown at the point's resolution (°C: 0.1).
        sample('dh/supply_temp', 80.30000000000001),
      ].map((s) => [s.id, s]),
    );
    const view = plantView({
      site,
      defs,
      latest: (id) => values.get(id),
      mode: () => 'auto',
      now: NOW,
    });
    expect(view.flows.deliveredKw).toEqual({
      value: 1523.4,
      unit: 'kW',
      quality: 'stale',
      at: '2026-01-15T07:50:00+02:00',
    });
    expect(view.flows.recoverableKw.value).toBe(1300);
    // recoverable − recovered is as old as its older input, and stale with it.
    expect(view.flows.toDryCoolersKw).toEqual({
      value: 400,
      unit: 'kW',
      quality: 'stale',
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
    const defs = buildPointDefs(site);
    for (const d of controlPointDefs(site.control)) defs.set(d.id, d);
    const values = new Map<string, Sample>(
      [
        sample('hall1/cdu_supply_temp', 40),
        sample('hall1/air_supply_temp', 22, 600_000), // ten minutes old: stale
        sample('hp1/running', true),
        sample('hp1/heat_output', 800),
        sample('hp1/electric_power', 200),
        sample('derived/recoverable_heat', 1300),
        sample('derived/recovered_heat', 900),
        sample('dh/supply_temp', 84.6),
      ].map((s) => [s.id, s]),
    );
    const view = plantView({
      site,
      defs,
      latest: (id) => values.get(id),
      mode: (d) => (d === 'hp2' ? 'manual' : 'auto'),
      now: NOW,
    });
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
      recoverableKw: { value: 1300, unit: 'kW', quality: 'good', at: '2026-01-15T08:00:00+02:00' },
      recoveredKw: { value: 900, quality: 'good' },
      toDryCoolersKw: { value: 400, quality: 'good' },
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
