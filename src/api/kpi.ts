import type { ControlConfig } from '../config/controllers';
import { DERIVED_POINTS } from '../control/controllers/derived';
import { derivedConfigs, derivedInputs } from '../control/controllers/derived-figures';
import { COUNTER_POINTS, type DayStart } from '../control/energy-counters';
import type { PointDef } from '../domain/point';
import { pointId, type PointId } from '../domain/point-id';
import { worstQuality, type Quality } from '../domain/quality';
import { atResolution } from '../domain/resolution';
import type { Sample } from '../domain/sample';
import { qualityAt } from '../domain/stale';
import type { Unit } from '../domain/units';
import { isoInZone, siteTimeText } from '../util/site-time';
import { deliveryNote } from './kpi-notes';

/**
 * One key figure, as every value the page shows: with its quality and age (issue 21). `at` is
 * the source time of the newest input it was computed from; `value` is null only when it was
 * never known (an old value stays, marked by its quality). `note` says why, when a person would
 * ask: what input is bad, or why delivery is zero.
 */
export interface KpiFigure {
  value: number | null;
  unit: Unit;
  quality: Quality;
  at: string | null;
  note?: string;
}

export interface Kpis {
  at: string;
  now: {
    recoveredKw: KpiFigure;
    deliveredKw: KpiFigure;
    hpElectricKw: KpiFigure;
    cop: KpiFigure;
    pue: KpiFigure;
    recoverableKw: KpiFigure;
  };
  /** Since local midnight (the site's time zone), or since the counters' first value today. */
  today: {
    since: string;
    recoveredKwh: KpiFigure;
    deliveredKwh: KpiFigure;
    hpElectricKwh: KpiFigure;
    /** (recovered + electricity) / electricity. */
    cop: KpiFigure;
    /** Recovered energy / facility energy. */
    erf: KpiFigure;
  };
  /** Since the energy counters began (kept across restarts: `since`). */
  sinceStart: { since: string; recoveredKwh: KpiFigure; copRunning: KpiFigure; erf: KpiFigure };
}

export interface KpiSources {
  site: { site: { timezone: string }; control: ControlConfig };
  defs: ReadonlyMap<PointId, PointDef>;
  latest: { get(id: PointId): Sample | undefined };
  /** The energy counters kept across restarts; absent without a derived controller. */
  counters?: { since: number | undefined; dayStart(): DayStart | undefined };
  /** When HeatBridge started: "since start" without counters. */
  startedAt: number;
}

/** A figure judged at request time, before presentation. */
interface Judged {
  value: number | null;
  quality: Quality;
  at: number | null;
  note?: string;
}

const COUNTERS: ReadonlySet<string> = new Set(COUNTER_POINTS);

/** Why a figure has no value while everything it is computed from is good. */
const UNDEFINED_NOW: Record<string, string> = {
  cop: 'no heat pump running',
  pue: 'no IT load',
  lift: 'no heat pump delivering heat',
  drycooler_share: 'no heat leaving the coolant',
};
const NEVER: Judged = { value: null, quality: 'bad', at: null };

/**
 * The KPI tiles' figures, judged when asked, as /api/plant judges its values: each derived
 * point's latest sample aged by its stale window, and the inputs it is computed from by theirs.
 * A figure whose inputs are bad or stale is bad or stale itself, however fresh its last value
 * looks (a power the derived controller could not compute this cycle is not computed, so its
 * last value ages and goes stale). An energy counter goes on counting what it can, so a bad
 * input makes it `uncertain` (incomplete), not bad. "Today" is a difference of the counters and
 * their values at the start of the site's day, which the energy counters keep across restarts.
 */
export class KpiTracker {
  private readonly inputs = new Map<string, PointId[]>();
  private readonly tz: string;

  constructor(private readonly src: KpiSources) {
    this.tz = src.site.site.timezone;
    for (const cfg of derivedConfigs(src.site.control.controllers))
      for (const [name, ids] of derivedInputs(cfg)) this.inputs.set(name, ids);
  }

  kpis(now: number): Kpis {
    const figure = (name: string): Judged => this.judge(name, now);
    const day = this.src.counters?.dayStart();
    const today = (name: string): Judged => {
      const f = figure(name);
      const base = day?.values[name];
      return f.value === null || base === undefined
        ? { ...f, value: null }
        : { ...f, value: f.value - base };
    };
    const recovered = today('recovered_energy');
    const electric = today('hp_electric_energy');
    const facility = today('facility_energy');
    const ratio = (a: Judged, b: Judged, value: number | null): Judged => ({
      value,
      quality: worstQuality([a.quality, b.quality]),
      at: a.at === null || b.at === null ? null : Math.min(a.at, b.at),
      ...(a.note || b.note ? { note: a.note ?? b.note } : {}),
    });
    const delivered = figure('delivered_heat');
    const note =
      delivered.value !== null && delivered.quality === 'good'
        ? deliveryNote(
            { control: this.src.site.control, defs: this.src.defs, latest: this.src.latest },
            delivered.value,
            now,
          )
        : undefined;
    return {
      at: isoInZone(now, this.tz),
      now: {
        recoveredKw: this.show(figure('recovered_heat'), 'recovered_heat'),
        deliveredKw: this.show(note ? { ...delivered, note } : delivered, 'delivered_heat'),
        hpElectricKw: this.show(figure('hp_electric_power'), 'hp_electric_power'),
        cop: this.show(figure('cop'), 'cop'),
        pue: this.show(figure('pue'), 'pue'),
        recoverableKw: this.show(figure('recoverable_heat'), 'recoverable_heat'),
      },
      today: {
        since: isoInZone(day?.at ?? now, this.tz),
        recoveredKwh: this.show(recovered, 'recovered_energy'),
        deliveredKwh: this.show(today('delivered_energy'), 'delivered_energy'),
        hpElectricKwh: this.show(electric, 'hp_electric_energy'),
        cop: this.show(
          ratio(
            recovered,
            electric,
            recovered.value !== null && electric.value !== null && electric.value > 0
              ? (recovered.value + electric.value) / electric.value
              : null,
          ),
          'cop',
        ),
        erf: this.show(
          ratio(
            recovered,
            facility,
            recovered.value !== null && facility.value !== null && facility.value > 0
              ? recovered.value / facility.value
              : null,
          ),
          'erf',
        ),
      },
      sinceStart: {
        since: isoInZone(this.src.counters?.since ?? this.src.startedAt, this.tz),
        recoveredKwh: this.show(figure('recovered_energy'), 'recovered_energy'),
        copRunning: this.show(figure('cop_running'), 'cop_running'),
        erf: this.show(figure('erf'), 'erf'),
      },
    };
  }

  /** A derived point's figure now: its own age and its inputs' quality. */
  private judge(name: string, now: number): Judged {
    const id = pointId('derived', name);
    const def = this.src.defs.get(id);
    if (!def)
      return {
        ...NEVER,
        note: 'not computed at this site (the derived controller’s config does not name its inputs)',
      };
    let inputs: Quality = 'good';
    let culprit: PointId | undefined;
    let newest: number | undefined;
    for (const input of this.inputs.get(name) ?? []) {
      const s = this.src.latest.get(input);
      const windowMs = this.src.defs.get(input)?.staleAfterMs ?? Infinity;
      const q = s ? qualityAt(s, windowMs, now) : 'bad';
      if (worstQuality([inputs, q]) !== inputs) {
        inputs = q;
        culprit = input;
      }
      if (s) newest = Math.max(newest ?? s.ts, s.ts);
    }
    const why = culprit
      ? `${culprit} is ${inputs === 'bad' && !this.src.latest.get(culprit) ? 'unknown' : inputs}`
      : undefined;
    const s = this.src.latest.get(id);
    const own = s ? qualityAt(s, def.staleAfterMs, now) : 'bad';
    // Inputs good and the loop computing, yet no value now: the figure has no value at this
    // moment (a COP with no heat pump running). Not a fault to show in red, nor an old COP to
    // show as if current: nothing, plainly, and why.
    if (inputs === 'good' && own !== 'good' && !COUNTERS.has(name) && this.computing(now))
      return {
        value: null,
        quality: 'good',
        at: newest ?? null,
        note: UNDEFINED_NOW[name] ?? 'not defined now',
      };
    if (!s || typeof s.value !== 'number') return { ...NEVER, note: why ?? 'not computed yet' };
    // A counter counts what it can: an input missing now makes it incomplete, not wrong.
    const fromInputs = COUNTERS.has(name) && inputs !== 'good' ? 'uncertain' : inputs;
    const quality = worstQuality([own, fromInputs]);
    const notes = [
      ...(why ? [COUNTERS.has(name) ? `${why}: not counted meanwhile` : why] : []),
      ...(own !== 'good' ? [`last computed ${siteTimeText(s.ts, this.tz)}`] : []),
    ];
    return {
      value: s.value,
      quality,
      at: newest === undefined ? s.ts : Math.min(s.ts, newest),
      ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
    };
  }

  /** Is the derived controller computing now? Its energy counters are written every cycle. */
  private computing(now: number): boolean {
    return COUNTER_POINTS.some((name) => {
      const id = pointId('derived', name);
      const def = this.src.defs.get(id);
      const s = this.src.latest.get(id);
      return def !== undefined && s !== undefined && qualityAt(s, def.staleAfterMs, now) === 'good';
    });
  }

  private show(j: Judged, name: string): KpiFigure {
    const unit = DERIVED_POINTS[name]!.unit;
    const def = this.src.defs.get(pointId('derived', name)) ?? { unit };
    return {
      value: j.value === null || !Number.isFinite(j.value) ? null : atResolution(j.value, def),
      unit,
      quality: j.quality,
      at: j.at === null ? null : isoInZone(j.at, this.tz),
      ...(j.note ? { note: j.note } : {}),
    };
  }
}
