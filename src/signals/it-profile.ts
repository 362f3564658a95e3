import { siteHour } from '../util/site-time';

/**
 * The site's IT heat by hour of the (site-time) day, learned from the measured IT power: an
 * exponential average per hour, so a shift in the load's shape shows within days and one odd day
 * does not. IT load follows the working day and the batch schedules, which repeat daily; that is
 * the forecast the heat signal needs, not more.
 */
export class ItProfile {
  /** kW per hour of day; NaN: nothing learned for that hour yet. */
  private readonly kw: number[] = new Array<number>(24).fill(NaN);
  /** Samples seen per hour (capped), so the first ones are averaged, not just weighted. */
  private readonly seen: number[] = new Array<number>(24).fill(0);
  private readonly weight: number;

  /**
   * @param opts.samplesPerHour how many samples an hour brings (default 720: a 5 s cycle); one
   *   sample weighs 1/that once the hour has enough, so a day's samples of an hour make up about
   *   two thirds of its average, whatever the cycle
   */
  constructor(
    private readonly timeZone: string,
    opts: { samplesPerHour?: number } = {},
  ) {
    this.weight = 1 / Math.max(opts.samplesPerHour ?? 720, 1);
  }

  add(t: number, kw: number): void {
    if (!Number.isFinite(kw)) return;
    const h = siteHour(t, this.timeZone);
    const seen = this.seen[h]!;
    const w = Math.max(1 / (seen + 1), this.weight);
    const prev = this.kw[h]!;
    this.kw[h] = Number.isNaN(prev) ? kw : prev + w * (kw - prev);
    this.seen[h] = Math.min(seen + 1, 1e9);
  }

  /** The expected IT heat at `t`, kW; undefined while nothing is learned for that hour. */
  forecast(t: number): number | undefined {
    const v = this.kw[siteHour(t, this.timeZone)]!;
    return Number.isNaN(v) ? undefined : v;
  }

  /** How many of the day's 24 hours have been learned. */
  learnedHours(): number {
    return this.kw.filter((v) => !Number.isNaN(v)).length;
  }

  toJSON(): { kw: (number | null)[]; seen: number[] } {
    return { kw: this.kw.map((v) => (Number.isNaN(v) ? null : v)), seen: [...this.seen] };
  }

  /** A profile from `toJSON`'s shape; anything else (a damaged file) gives an empty one. */
  static fromJSON(timeZone: string, v: unknown, opts: { samplesPerHour?: number } = {}): ItProfile {
    const p = new ItProfile(timeZone, opts);
    const o = v as { kw?: unknown; seen?: unknown } | null;
    if (!o || !Array.isArray(o.kw) || !Array.isArray(o.seen)) return p;
    if (o.kw.length !== 24 || o.seen.length !== 24) return p;
    for (let h = 0; h < 24; h++) {
      const k: unknown = o.kw[h];
      const s: unknown = o.seen[h];
      if (typeof k === 'number' && Number.isFinite(k) && k >= 0) p.kw[h] = k;
      if (typeof s === 'number' && Number.isFinite(s) && s >= 0) p.seen[h] = Math.floor(s);
    }
    return p;
  }
}
