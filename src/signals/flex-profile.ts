import { clamp } from '../control/controller';

/**
 * The recommended flexible-load profile (issue 23 item 2): moves the flexible work's energy
 * between the hours of each deadline window to where its heat is worth most, within each hour's
 * bounds (the configured minimum and maximum, and the dry coolers' limit) and the ramp limit, and
 * keeps every window's energy exactly. Pure.
 *
 * Each hour's gain is concave in its flexible power: IT heat is worth `slope` per kW up to the
 * `kinkKw` where the heat pumps' usable heat is used up, nothing above (it goes to the dry
 * coolers). Moving energy in small quanta from the hour that loses least to the hour that gains
 * most, while a move gains anything, finds the optimum of such a sum without ramp limits; with
 * them it is a good feasible profile, which is all advice needs.
 */

export interface ProfileHour {
  /** Gain of one kW of flexible load this hour below the kink (any unit, compared across hours). */
  slope: number;
  /** Flexible power at which the hour's usable heat is used up, kW. */
  kinkKw: number;
  /** This hour's bounds on the flexible power, kW (the dry coolers' limit already in `hi`). */
  lo: number;
  hi: number;
  /** Flexible power if nobody follows the signal, kW. */
  baseline: number;
  /** Where the search starts, kW (default the baseline): the last recommendation, for stable advice. */
  initial?: number;
  /** The deadline window the hour belongs to (index into the energies). */
  window: number;
  /** Not to be moved (no forecast for it): stays at its baseline. */
  frozen: boolean;
  /** How much of the hour is left to plan, h (the current hour: from now; default 1). */
  hours?: number;
}

export interface ProfileResult {
  kw: number[];
  /** What could not be placed within the bounds, per window, kWh (0 when the energy fits). */
  unplacedKwh: number[];
  /** Hours whose step from the one before is beyond the ramp limit (best effort: 0 mostly). */
  rampBrokenHours: number;
}

/** Below this a gain is no reason to move anything (floating-point noise). */
const MIN_GAIN = 1e-9;
const EPS = 1e-6;

export function recommendProfile(
  hours: readonly ProfileHour[],
  windowEnergyKwh: readonly number[],
  rampKwPerH: number,
  startKw: number,
  /** The steps energy moves in, coarse to fine, kWh. */
  quantaKwh: readonly number[],
  /** The least gain per kWh moved that is worth a move (the gains' unit per kWh). */
  minGainPerKwh = 0,
): ProfileResult {
  const n = hours.length;
  // Energy is power × the hour's length left: the current hour counts from now only.
  const dur = hours.map((h) => Math.max(h.hours ?? 1, 1 / 60));
  const lo = hours.map((h) => (h.frozen ? h.baseline : Math.min(h.lo, h.hi)));
  const hi = hours.map((h) => (h.frozen ? h.baseline : h.hi));
  const kw = hours.map((h, i) =>
    clamp(h.frozen ? h.baseline : (h.initial ?? h.baseline), lo[i]!, hi[i]!),
  );
  const unplacedKwh = windowEnergyKwh.map(() => 0);
  const byWindow = windowEnergyKwh.map((_, w) =>
    hours.map((h, i) => (h.window === w ? i : -1)).filter((i) => i >= 0),
  );
  // Start from the baseline (or the last advice), scaled to each window's energy within bounds.
  byWindow.forEach((idx, w) => {
    const target = windowEnergyKwh[w]!;
    let delta = target - idx.reduce((s, i) => s + kw[i]! * dur[i]!, 0);
    for (let pass = 0; pass < 3 && Math.abs(delta) > EPS; pass++) {
      const room = idx.map((i) => (delta > 0 ? hi[i]! - kw[i]! : kw[i]! - lo[i]!) * dur[i]!);
      const total = room.reduce((s, r) => s + r, 0);
      if (total <= EPS) break;
      const take = Math.min(Math.abs(delta), total);
      idx.forEach((i, k) => {
        kw[i] = kw[i]! + (Math.sign(delta) * take * room[k]!) / total / dur[i]!;
      });
      delta -= Math.sign(delta) * take;
    }
    unplacedKwh[w] = Math.abs(delta) > EPS ? delta : 0;
  });

  // Gains of moving q kWh into or out of hour i (its power changes by q / its length).
  const up = (i: number, q: number): number => {
    const h = hours[i]!;
    const d = dur[i]!;
    return h.slope * d * (Math.min(kw[i]! + q / d, h.kinkKw) - Math.min(kw[i]!, h.kinkKw));
  };
  const down = (i: number, q: number): number => {
    const h = hours[i]!;
    const d = dur[i]!;
    return h.slope * d * (Math.min(kw[i]!, h.kinkKw) - Math.min(kw[i]! - q / d, h.kinkKw));
  };
  const canGive = (i: number, q: number): boolean => kw[i]! - q / dur[i]! >= lo[i]! - EPS;
  const canTake = (i: number, q: number): boolean => kw[i]! + q / dur[i]! <= hi[i]! + EPS;
  const move = (a: number, b: number, q: number): void => {
    kw[a] = kw[a]! - q / dur[a]!;
    kw[b] = kw[b]! + q / dur[b]!;
  };
  const at = (i: number): number => (i < 0 ? startKw : kw[i]!);
  const edge = (i: number): number =>
    i >= 0 && i < n ? Math.max(Math.abs(at(i) - at(i - 1)) - rampKwPerH, 0) : 0;
  // How far the ramps around hours a and b are broken now (0 within the limit).
  const excess = (a: number, b: number): number =>
    edge(a) +
    edge(a + 1) +
    (b !== a && b !== a + 1 ? edge(b) : 0) +
    (b + 1 !== a && b + 1 !== a + 1 ? edge(b + 1) : 0);
  const rampOk = (a: number, b: number, q: number): boolean => {
    const before = excess(a, b);
    move(a, b, q);
    const after = excess(a, b);
    move(b, a, q);
    return after <= Math.max(before, 0) + EPS;
  };

  const movable = byWindow.map((idx) => idx.filter((i) => !hours[i]!.frozen));
  // First mend the ramps the start breaks (the last advice scaled to a changed energy, or a
  // current power far from it): the move that mends most, whatever it gains.
  const totalExcess = (): number => {
    let e = 0;
    for (let i = 0; i < n; i++) e += edge(i);
    return e;
  };
  for (const q of quantaKwh) {
    for (let iter = 0; iter < 20 * n && totalExcess() > EPS; iter++) {
      let best: { a: number; b: number; mend: number } | undefined;
      for (const idx of movable)
        for (const a of idx) {
          if (!canGive(a, q)) continue;
          for (const b of idx) {
            if (a === b || !canTake(b, q)) continue;
            const before = excess(a, b);
            if (before <= EPS) continue;
            move(a, b, q);
            const mend = before - excess(a, b);
            move(b, a, q);
            if (mend > (best?.mend ?? EPS)) best = { a, b, mend };
          }
        }
      if (!best) break;
      move(best.a, best.b, q);
    }
  }
  for (const q of quantaKwh) {
    const minGain = Math.max(minGainPerKwh * q, MIN_GAIN);
    for (let iter = 0; iter < 20 * n * 8; iter++) {
      let best: { a: number; b: number; gain: number } | undefined;
      for (const idx of movable) {
        const ups = idx
          .filter((i) => canTake(i, q))
          .map((i) => ({ i, g: up(i, q) }))
          // Among hours worth the same, the least loaded first: the work spreads evenly.
          .sort((x, y) => y.g - x.g || kw[x.i]! - kw[y.i]!);
        const downs = idx
          .filter((i) => canGive(i, q))
          .map((i) => ({ i, g: down(i, q) }))
          .sort((x, y) => x.g - y.g || kw[y.i]! - kw[x.i]!);
        if (downs.length === 0) continue;
        for (const u of ups) {
          if (u.g - downs[0]!.g <= (best?.gain ?? minGain)) break;
          for (const d of downs) {
            const gain = u.g - d.g;
            if (gain <= (best?.gain ?? minGain)) break;
            if (d.i === u.i || !rampOk(d.i, u.i, q)) continue;
            best = { a: d.i, b: u.i, gain };
            break;
          }
        }
      }
      if (!best) break;
      move(best.a, best.b, q);
    }
  }
  const rampBrokenHours = Array.from({ length: n }, (_, i) => edge(i)).filter(
    (e) => e > EPS,
  ).length;
  return { kw, unplacedKwh, rampBrokenHours };
}
