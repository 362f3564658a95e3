import type { z } from 'zod';
import type { acceptanceTrimSchema } from '../config/controllers';
import { clamp } from './controller';

export type AcceptanceTrimConfig = z.output<typeof acceptanceTrimSchema>;

/** The share of the network's acceptance the heat pumps may make, and when it was last trimmed. */
export interface TrimState {
  share: number;
  at: number | null;
  /** The acceptance at the last cut: a cut relaxes only once the acceptance has moved from it. */
  cutAtKw?: number;
}

export interface TrimInputs {
  now: number;
  /** What the network takes now, kW (for the mode). */
  acceptanceKw: number;
  /** Heat delivered at the meter and heat the units make (Σ heat output), kW. */
  deliveredKw?: number;
  producedKw?: number;
  /** The hottest running unit's condenser outlet, and the setpoint it holds. */
  condenserOutC?: number;
  setpointC?: number;
  /** The network limits the target now (not the heat, the units or the plan). */
  capBinding: boolean;
}

export interface TrimResult {
  state: TrimState;
  capKw: number;
  /** What the trim did, for the status text. */
  note: string;
}

/** Below this the units make too little to judge the balance by. */
const MIN_PRODUCED_KW = 20;
/**
 * Raised only while the heat not taken is within this part of the tolerance: between it and the
 * tolerance the share is held (a dead band), so it settles instead of hunting across the edge.
 */
const RAISE_WITHIN = 1 / 3;
/** The longest step integrated: after a gap the trim does not jump. */
const MAX_STEP_MS = 60_000;

/**
 * The acceptance trim (docs/control.md, "Acceptance trim"): instead of a fixed share of what the
 * network says it accepts, the share is trimmed on what the meter shows it takes.
 *
 * - **Cut** (`cutPctPerMin`) while heat is not taken: with the condenser header at its setpoint
 *   (not still warming up after a start) the meter shows less than the units make beyond the
 *   tolerance; or the meter shows more than the acceptance beyond it (the network takes it only
 *   by running hotter); or a condenser outlet runs `overshootK` above the setpoint (the heat has
 *   nowhere to go: the units would unload, then trip) and the meter does not show the network
 *   taking all they make.
 * - **Raise** (`raisePctPerMin`) while the network limits the target and takes all we make (the
 *   meter within a third of the tolerance of the units' heat): heat the network would take is
 *   not sent to the dry coolers. Between that and the tolerance the share is held.
 * - **Relax** back up to the initial share (at `raisePctPerMin`) while the units make nothing
 *   and the acceptance has moved from the one of the last cut: a cut learned in other conditions
 *   does not keep them from starting for hours.
 * - Otherwise (heat-limited, values unknown, warming up) the share is held: it is learned where
 *   it matters, and does not wind up while the network does not limit.
 *
 * Within [minShare, maxShare]. Pure.
 */
export function trimAcceptance(
  prev: TrimState | undefined,
  inp: TrimInputs,
  cfg: AcceptanceTrimConfig,
  initialShare: number,
): TrimResult {
  const share0 = clamp(prev?.share ?? initialShare, cfg.minShare, cfg.maxShare);
  const dtMin =
    prev?.at === null || prev?.at === undefined
      ? 0
      : clamp(inp.now - prev.at, 0, MAX_STEP_MS) / 60_000;
  const tol = cfg.overshootTolerancePct / 100;
  const { deliveredKw: delivered, producedKw: produced, condenserOutC: cond } = inp;
  const sp = inp.setpointC;
  const making = produced !== undefined && produced > MIN_PRODUCED_KW;
  const headerAtSetpoint = cond === undefined || sp === undefined || cond >= sp;
  const allTaken = making && delivered !== undefined && produced - delivered <= tol * produced;

  let why: string | undefined;
  // A hot outlet while the meter shows the network taking all we make is the header cooling
  // after the setpoint fell, not heat with nowhere to go: cutting then stopped the units on every
  // lower plan temperature in summer (the cut share then kept them off for hours).
  if (cond !== undefined && sp !== undefined && cond > sp + cfg.overshootK && !allTaken)
    why = `condenser outlet ${cond.toFixed(1)} °C above the setpoint ${sp} °C`;
  else if (
    making &&
    delivered !== undefined &&
    headerAtSetpoint &&
    produced - delivered > tol * produced
  )
    why = `the network takes ${Math.round(delivered)} of ${Math.round(produced)} kW`;
  else if (
    making &&
    delivered !== undefined &&
    inp.acceptanceKw > 0 &&
    delivered > inp.acceptanceKw * (1 + tol)
  )
    why = `${Math.round(delivered)} kW delivered above the ${Math.round(inp.acceptanceKw)} kW accepted`;

  let share = share0;
  let note: string;
  if (why !== undefined) {
    share = share0 - (cfg.cutPctPerMin / 100) * dtMin;
    note = `cutting: ${why}`;
  } else if (
    inp.capBinding &&
    making &&
    delivered !== undefined &&
    produced - delivered <= RAISE_WITHIN * tol * produced
  ) {
    share = share0 + (cfg.raisePctPerMin / 100) * dtMin;
    note = 'raising: the network takes all we make';
  } else if (
    produced !== undefined &&
    !making &&
    share0 < initialShare &&
    (prev?.cutAtKw === undefined ||
      Math.abs(inp.acceptanceKw - prev.cutAtKw) > tol * Math.max(prev.cutAtKw, 1))
  ) {
    // Nothing is made, so nothing is learned: a cut made in other conditions (a hotter plan, a
    // network taking less) relaxes back to the initial share, instead of keeping the units from
    // starting on an acceptance they could serve. Only once the acceptance has moved from the
    // one it was cut at: a network that keeps announcing more than it takes would otherwise see
    // the units start, be cut below their minimum and stop, some three times an hour.
    share = Math.min(share0 + (cfg.raisePctPerMin / 100) * dtMin, initialShare);
    note = 'relaxing while the units are off';
  } else {
    note = 'holding';
  }
  share = clamp(share, cfg.minShare, cfg.maxShare);
  const cutAtKw = why !== undefined ? inp.acceptanceKw : prev?.cutAtKw;
  return {
    state: { share, at: inp.now, ...(cutAtKw !== undefined ? { cutAtKw } : {}) },
    capKw: inp.acceptanceKw * share,
    note: `acceptance trim ${(share * 100).toFixed(1)} % (${note})`,
  };
}
