import type { Observable, Subscription } from 'rxjs';
import { splitPointId } from '../domain/point-id';
import type { Sample } from '../domain/sample';

/** The energy integrals a day's KPIs are differences of (derived points, kWh). */
const ENERGIES = [
  'recovered_energy',
  'delivered_energy',
  'hp_electric_energy',
  'facility_energy',
] as const;
type Energy = (typeof ENERGIES)[number];

export interface Kpis {
  at: string;
  now: {
    recoveredKw: number | null;
    deliveredKw: number | null;
    hpElectricKw: number | null;
    cop: number | null;
    pue: number | null;
    recoverableKw: number | null;
  };
  /** Since local midnight (the site's time zone), or since HeatBridge started if that is later. */
  today: {
    since: string;
    recoveredKwh: number | null;
    deliveredKwh: number | null;
    hpElectricKwh: number | null;
    /** (recovered + electricity) / electricity. */
    cop: number | null;
    /** Recovered energy / facility energy. */
    erf: number | null;
  };
  /** Since HeatBridge started. */
  sinceStart: { recoveredKwh: number | null; copRunning: number | null; erf: number | null };
}

const round = (x: number | null, digits: number): number | null =>
  x === null || !Number.isFinite(x) ? null : Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Keeps the KPI tiles' figures from the derived points: the latest of each, and the energy
 * integrals at the start of the site's day, so "today" is a difference of integrals (not an
 * average of powers). HeatBridge's integrals start at zero with each run, so after a restart
 * "today" starts then, and says so.
 */
export class KpiTracker {
  private readonly latest = new Map<string, number>();
  private baseline: Partial<Record<Energy, number>> = {};
  private baselineAt = 0;
  private day = '';
  private readonly subscription: Subscription;
  private readonly dayOf: (t: number) => string;

  constructor(samples$: Observable<Sample>, timeZone: string) {
    const fmt = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    this.dayOf = (t) => fmt.format(t);
    this.subscription = samples$.subscribe((s) => this.onSample(s));
  }

  private onSample(s: Sample): void {
    const { device, point } = splitPointId(s.id);
    if (device !== 'derived' || typeof s.value !== 'number' || s.quality !== 'good') return;
    this.latest.set(point, s.value);
    const day = this.dayOf(s.ts);
    if (day !== this.day) {
      // A new day (or the first values): today's integrals start from their first value in it.
      this.day = day;
      this.baselineAt = s.ts;
      this.baseline = {};
    }
    if ((ENERGIES as readonly string[]).includes(point)) this.baseline[point as Energy] ??= s.value;
  }

  kpis(now: number): Kpis {
    const get = (name: string): number | null => this.latest.get(name) ?? null;
    const today = (e: Energy): number | null => {
      const v = get(e);
      const base = this.baseline[e];
      return v === null || base === undefined ? null : v - base;
    };
    const recovered = today('recovered_energy');
    const electric = today('hp_electric_energy');
    const facility = today('facility_energy');
    return {
      at: new Date(now).toISOString(),
      now: {
        recoveredKw: round(get('recovered_heat'), 1),
        deliveredKw: round(get('delivered_heat'), 1),
        hpElectricKw: round(get('hp_electric_power'), 1),
        cop: round(get('cop'), 2),
        pue: round(get('pue'), 3),
        recoverableKw: round(get('recoverable_heat'), 1),
      },
      today: {
        since: new Date(this.day ? this.baselineAt : now).toISOString(),
        recoveredKwh: round(recovered, 1),
        deliveredKwh: round(today('delivered_energy'), 1),
        hpElectricKwh: round(electric, 1),
        cop:
          recovered !== null && electric !== null && electric > 0
            ? round((recovered + electric) / electric, 2)
            : null,
        erf:
          recovered !== null && facility !== null && facility > 0
            ? round(recovered / facility, 3)
            : null,
      },
      sinceStart: {
        recoveredKwh: round(get('recovered_energy'), 1),
        copRunning: round(get('cop_running'), 2),
        erf: round(get('erf'), 3),
      },
    };
  }

  close(): void {
    this.subscription.unsubscribe();
  }
}
