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
}

export interface ProfileResult {
  kw: number[];
  /** What could not be placed within the bounds, per window, kWh (0 when the energy fits). */
  unplacedKwh: number[];
}

/** Below this a gain is no reason to move anything (floating-point noise). */
const MIN_GAIN = 1e-9;
const EPS = 1e-6;

export function recommendProfile(
  hours: readonly ProfileHour[],
  windowEnergyKwh: readonly number[],
  rampKwPerH: number,
  startKw: number,
  /** The steps energy moves in, coarse to fine, kW. */
  quantaKw: readonly number[],
  /** The least gain per kWh moved that is worth a move (the gains' unit per kWh). */
  minGainPerKwh = 0,
): ProfileResult {
  const n = hours.length;
  const lo = hours.map((h) => (h.frozen ? h.baseline : Math.min(h.lo, h.hi)));
  const hi = hours.map((h) => (h.frozen ? h.baseline : h.hi));
  const kw = hours.map((h, i) =>
    clamp(h.frozen ? h.baseline : (h.initial ?? h.baseline), lo[i]!, hi[i]!),
  );
  const unplacedKwh = windowEnergyKwh.map(() => 0);
  const byWindow = windowEnergyKwh.map((_, w) =>
    hours.map((h, i) => (h.window === w ? i : -1)).filter((i) => i >= 0),
  );
  // Start from the baseline, scaled to each window's energy within the bounds.
  byWindow.forEach((idx, w) => {
    const target = windowEnergyKwh[w]!;
    let delta = target - idx.reduce((s, i) => s + kw[i]!, 0);
    for (let pass = 0; pass < 3 && Math.abs(delta) > EPS; pass++) {
      const room = idx.map((i) => (delta > 0 ? hi[i]! - kw[i]! : kw[i]! - lo[i]!));
      const total = room.reduce((s, r) => s + r, 0);
      if (total <= EPS) break;
      const take = Math.min(Math.abs(delta), total);
      idx.forEach((i, k) => {
        kw[i] = kw[i]! + (Math.sign(delta) * (take * room[k]!)) / total;
      });
      delta -= Math.sign(delta) * take;
    }
    unplacedKwh[w] = Math.abs(delta) > EPS ? delta : 0;
  });

  const up = (i: number, q: number): number => {
    const h = hours[i]!;
    return h.slope * (Math.min(kw[i]! + q, h.kinkKw) - Math.min(kw[i]!, h.kinkKw));
  };
  const down = (i: number, q: number): number => {
    const h = hours[i]!;
    return h.slope * (Math.min(kw[i]!, h.kinkKw) - Math.min(kw[i]! - q, h.kinkKw));
  };
  const at = (i: number): number => (i < 0 ? startKw : kw[i]!);
  // How far the ramps around hours a and b are broken now (0 within the limit).
  const edge = (i: number): number =>
    i >= 0 && i < n ? Math.max(Math.abs(at(i) - at(i - 1)) - rampKwPerH, 0) : 0;
  const excess = (a: number, b: number): number =>
    edge(a) +
    edge(a + 1) +
    (b !== a && b !== a + 1 ? edge(b) : 0) +
    (b + 1 !== a ? edge(b + 1) : 0);
  const rampOk = (a: number, b: number, q: number): boolean => {
    const before = excess(a, b);
    kw[a] = kw[a]! - q;
    kw[b] = kw[b]! + q;
    const after = excess(a, b);
    kw[a] = kw[a] + q;
    kw[b] = kw[b] - q;
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
  for (const q of quantaKw) {
    for (let iter = 0; iter < 20 * n && totalExcess() > EPS; iter++) {
      let best: { a: number; b: number; mend: number } | undefined;
      for (const idx of movable)
        for (const a of idx) {
          if (kw[a]! - q < lo[a]! - EPS) continue;
          for (const b of idx) {
            if (a === b || kw[b]! + q > hi[b]! + EPS) continue;
            const before = excess(a, b);
            if (before <= EPS) continue;
            kw[a] = kw[a]! - q;
            kw[b] = kw[b]! + q;
            const mend = before - excess(a, b);
            kw[a] = kw[a] + q;
            kw[b] = kw[b] - q;
            if (mend > (best?.mend ?? EPS)) best = { a, b, mend };
          }
        }
      if (!best) break;
      kw[best.a] = kw[best.a]! - q;
      kw[best.b] = kw[best.b]! + q;
    }
  }
  for (const q of quantaKw) {
    const minGain = Math.max(minGainPerKwh * q, MIN_GAIN);
    for (let iter = 0; iter < 20 * n * 8; iter++) {
      let best: { a: number; b: number; gain: number } | undefined;
      for (const idx of movable) {
        const ups = idx
          .filter((i) => kw[i]! + q <= hi[i]! + EPS)
          .map((i) => ({ i, g: up(i, q) }))
          // Among hours worth the same, the least loaded first: the work spreads evenly.
          .sort((x, y) => y.g - x.g || kw[x.i]! - kw[y.i]!);
        const downs = idx
          .filter((i) => kw[i]! - q >= lo[i]! - EPS)
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
      kw[best.a] = kw[best.a]! - q;
      kw[best.b] = kw[best.b]! + q;
    }
  }
  return { kw, unplacedKwh };
}

function clamp(v: number, a: number, b: number): number {
  return Math.min(Math.max(v, a), b);
}
