import { describe, expect, it } from '@jest/globals';
import { Subject } from 'rxjs';
import { KpiTracker } from '../../../src/api/kpi';
import type { PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';

const at = (iso: string) => Date.parse(iso);
function feed(s: Subject<Sample>, t: number, values: Record<string, number>): void {
  for (const [name, value] of Object.entries(values)) {
    s.next({ id: `derived/${name}` as PointId, value, ts: t, receivedAt: t, quality: 'good' });
  }
}

describe('KPI tracker', () => {
  it('computes today as differences of the energy integrals since the site’s local midnight', () => {
    const s = new Subject<Sample>();
    const k = new KpiTracker(s, 'Europe/Helsinki');
    // Started at 21:00 UTC = 23:00 in Helsinki.
    feed(s, at('2026-01-14T21:00:00Z'), {
      recovered_energy: 0,
      hp_electric_energy: 0,
      facility_energy: 0,
      delivered_energy: 0,
    });
    feed(s, at('2026-01-14T21:59:00Z'), {
      recovered_energy: 100,
      hp_electric_energy: 30,
      facility_energy: 2000,
      delivered_energy: 130,
    });
    expect(k.kpis(at('2026-01-14T21:59:00Z')).today).toMatchObject({
      since: '2026-01-14T21:00:00.000Z',
      recoveredKwh: 100,
    });
    // 22:00 UTC is midnight in Helsinki: a new day starts from the integrals there.
    feed(s, at('2026-01-14T22:00:00Z'), {
      recovered_energy: 102,
      hp_electric_energy: 31,
      facility_energy: 2040,
      delivered_energy: 133,
    });
    feed(s, at('2026-01-15T04:00:00Z'), {
      recovered_energy: 702,
      hp_electric_energy: 231,
      facility_energy: 14040,
      delivered_energy: 933,
      recovered_heat: 600,
      cop: 4,
    });
    const kpis = k.kpis(at('2026-01-15T04:00:00Z'));
    expect(kpis.today).toEqual({
      since: '2026-01-14T22:00:00.000Z',
      recoveredKwh: 600,
      deliveredKwh: 800,
      hpElectricKwh: 200,
      cop: 4,
      erf: 0.05,
    });
    expect(kpis.now).toMatchObject({ recoveredKw: 600, cop: 4, pue: null });
    expect(kpis.sinceStart.recoveredKwh).toBe(702);
  });

  it('ignores what is not good and what is not derived', () => {
    const s = new Subject<Sample>();
    const k = new KpiTracker(s, 'UTC');
    s.next({
      id: 'derived/recovered_heat' as PointId,
      value: 5,
      ts: 0,
      receivedAt: 0,
      quality: 'stale',
    });
    s.next({
      id: 'hp1/recovered_heat' as PointId,
      value: 7,
      ts: 0,
      receivedAt: 0,
      quality: 'good',
    });
    expect(k.kpis(0).now.recoveredKw).toBeNull();
  });
});
