import type { z } from 'zod';
import type { CONNECTION_MODES, connectionSchema } from '../config/controllers';
import { estimatedCop } from './cop';

export type ConnectionConfig = z.output<typeof connectionSchema>;

/** How our heat enters the network; `none`: it does not (the dry coolers take it all). */
export type ConnectionMode = 'none' | (typeof CONNECTION_MODES)[number];

/** The substation's register and the `derived/connection_mode` point. */
export const CONNECTION_MODE_CODES: Record<ConnectionMode, number> = {
  none: 0,
  supply: 1,
  return: 2,
  'top-up': 3,
};

/** The connection now, as dispatch sees it (`CycleContext.connection`). */
export interface Connection {
  mode: ConnectionMode;
  /** The condenser outlet setpoint: never above `reachC`. */
  setpointC: number;
  /** The network's requested supply temperature (plan, utility or curve). */
  requestedC: number;
  reachC: number;
  /** When this mode was chosen. */
  since: number;
}

export interface ConnectionState extends Connection {
  /** Start of the hour the mode was decided for (decided again in the next). */
  hour: number;
  /** Modes found impossible this hour: not chosen again before the next. */
  blocked: ConnectionMode[];
  /** Since when the current mode's acceptance has been nil (the network refusing it). */
  refusedSince: number | null;
  /** Why this mode, for the status text and the log. */
  why: string;
}

/** What the decision sees in a cycle; anything unknown is left out. */
export interface ConnectionInputs {
  now: number;
  requestedC: number;
  evaporatorInC?: number;
  networkReturnC?: number;
  /** The hottest condenser outlet of the units. */
  condenserOutC?: number;
  /** What the network takes now on the supply line (supply, top-up) and on the return line. */
  acceptanceKw?: number;
  returnAcceptanceKw?: number;
}

export interface ConnectionDecision {
  state: ConnectionState;
  /** Set when the mode changed in this cycle (the first decision too). */
  switched?: { from: ConnectionMode | null; to: ConnectionMode; why: string };
}

export const HOUR_MS = 3_600_000;
/** An acceptance below this is the network taking nothing. */
const REFUSED_BELOW_KW = 1;
/** Nearing trip by default: reach + 3 K (the units unload by themselves above trip − 3 K). */
const NEAR_TRIP_ABOVE_REACH_K = 3;
/** … judged only once a mode has run this long (the header cools after a switch to a cooler one). */
const NEAR_TRIP_GRACE_MS = 5 * 60_000;

/** Half-kelvin steps, rounded down: a cap at reach stays at or below it. */
export const halfDown = (c: number): number => Math.floor(c * 2 + 1e-9) / 2;

interface Candidate {
  ok: boolean;
  setpointC: number;
  why: string;
}

/** Can `mode` run now, at what condenser setpoint, and why (not)? */
function candidate(
  mode: ConnectionMode,
  inp: ConnectionInputs,
  cfg: ConnectionConfig,
  prev: ConnectionState | undefined,
): Candidate {
  const { requestedC, networkReturnC } = inp;
  const reach = cfg.reachC;
  let setpointC: number;
  let why: string;
  switch (mode) {
    case 'none':
      return { ok: true, setpointC: halfDown(Math.min(requestedC, reach)), why: 'none' };
    case 'supply':
      setpointC = requestedC;
      if (requestedC > reach)
        return {
          ok: false,
          setpointC,
          why: `supply: request ${requestedC} °C above reach ${reach} °C`,
        };
      why = `supply at the requested ${requestedC} °C`;
      break;
    case 'top-up':
      setpointC = halfDown(Math.min(requestedC, reach));
      why =
        setpointC < requestedC
          ? `top-up: we deliver ${setpointC} °C, the utility raises it to ${requestedC} °C`
          : `top-up at ${setpointC} °C`;
      break;
    case 'return': {
      const held = prev?.mode === 'return' ? prev.setpointC : undefined;
      if (networkReturnC === undefined && held === undefined)
        return { ok: false, setpointC: reach, why: 'return: network return temperature unknown' };
      setpointC =
        networkReturnC === undefined
          ? held!
          : halfDown(
              Math.min(networkReturnC + cfg.returnLine.maxRiseK, cfg.returnLine.maxC, reach),
            );
      if (
        inp.returnAcceptanceKw !== undefined &&
        inp.returnAcceptanceKw < REFUSED_BELOW_KW &&
        prev?.mode !== 'return'
      )
        return { ok: false, setpointC, why: 'return: the return line takes nothing' };
      why =
        networkReturnC === undefined
          ? `return line at ${setpointC} °C (return temperature unknown: held)`
          : `return line at ${setpointC} °C (return ${networkReturnC.toFixed(1)} °C)`;
      break;
    }
  }
  if (inp.evaporatorInC !== undefined) {
    const cop = estimatedCop(setpointC, inp.evaporatorInC);
    // The running mode keeps going down to minUsefulCop; another needs a little more to be
    // chosen, so a COP at the edge does not flip the mode every hour.
    const need = cfg.minUsefulCop + (prev?.mode === mode ? 0 : cfg.copHysteresis);
    if (cop < need)
      return {
        ok: false,
        setpointC,
        why: `${mode}: COP ${cop.toFixed(1)} at ${setpointC} °C below ${need.toFixed(1)}`,
      };
  }
  return { ok: true, setpointC, why };
}

/** Why the current mode cannot go on (and which modes are blocked with it), if it cannot. */
function impossibility(
  prev: ConnectionState,
  inp: ConnectionInputs,
  cfg: ConnectionConfig,
  refusedSince: number | null,
): { why: string; block: ConnectionMode[] } | undefined {
  if (prev.mode === 'none') return undefined;
  if (prev.mode === 'supply' && inp.requestedC > cfg.reachC)
    return {
      why: `request ${inp.requestedC} °C above reach ${cfg.reachC} °C`,
      block: ['supply'],
    };
  const nearTrip = cfg.nearTripC ?? cfg.reachC + NEAR_TRIP_ABOVE_REACH_K;
  // A mode just chosen is given time: the header is still as hot as the mode before left it.
  if (
    inp.condenserOutC !== undefined &&
    inp.condenserOutC > nearTrip &&
    inp.now - prev.since >= NEAR_TRIP_GRACE_MS
  ) {
    // A mode as hot as this one would trip the units the same way: blocked with it.
    const block = cfg.modes.filter(
      (m) => m === prev.mode || candidate(m, inp, cfg, prev).setpointC >= prev.setpointC - 0.5,
    );
    return {
      why: `condenser outlet ${inp.condenserOutC.toFixed(1)} °C nearing the units' trip (above ${nearTrip} °C)`,
      block,
    };
  }
  if (refusedSince !== null && inp.now - refusedSince >= cfg.refusedAfterMs)
    return {
      why: `the network has taken nothing for ${Math.round((inp.now - refusedSince) / 1000)} s`,
      block: [prev.mode],
    };
  return undefined;
}

/**
 * The connection mode (docs/control.md, "Connection modes"): decided once per hour from the
 * contract's modes in order of preference — the first that can run: `supply` only with the
 * request within reach, every mode only at a useful COP, `return` only while the return line
 * takes heat — else `none`. Within the hour the mode is held (the setpoint follows the request),
 * except that it is decided again at once, without it, when it becomes impossible: the request
 * above reach in supply mode, a condenser outlet nearing the trip, the network refusing it for
 * `refusedAfterMs`. Pure.
 */
export function decideConnection(
  prev: ConnectionState | undefined,
  inp: ConnectionInputs,
  cfg: ConnectionConfig,
): ConnectionDecision {
  const { now } = inp;
  const hour = Math.floor(now / HOUR_MS) * HOUR_MS;
  const sameHour = prev !== undefined && prev.hour === hour;
  let refusedSince: number | null = null;
  if (prev && prev.mode !== 'none') {
    const taken = prev.mode === 'return' ? inp.returnAcceptanceKw : inp.acceptanceKw;
    // Unknown is not a refusal: a failed poll must not switch the mode.
    if (taken !== undefined && taken < REFUSED_BELOW_KW) refusedSince = prev.refusedSince ?? now;
  }
  const impossible = prev && sameHour ? impossibility(prev, inp, cfg, refusedSince) : undefined;

  if (prev && sameHour && !impossible) {
    const now_ = candidate(prev.mode, inp, cfg, prev);
    return {
      state: {
        ...prev,
        // Within the mode the setpoint follows the request (never above reach).
        setpointC: Math.min(now_.setpointC, cfg.reachC),
        requestedC: inp.requestedC,
        refusedSince,
      },
    };
  }

  const blocked = sameHour ? [...prev.blocked, ...(impossible?.block ?? [])] : [];
  const reasons: string[] = impossible ? [`${prev!.mode}: ${impossible.why}`] : [];
  let chosen: { mode: ConnectionMode; c: Candidate } | undefined;
  for (const mode of cfg.modes) {
    if (blocked.includes(mode)) {
      if (!impossible?.block.includes(mode)) reasons.push(`${mode}: impossible earlier this hour`);
      continue;
    }
    const c = candidate(mode, inp, cfg, prev);
    if (c.ok) {
      chosen = { mode, c };
      break;
    }
    reasons.push(c.why);
  }
  chosen ??= {
    mode: 'none',
    c: {
      ...candidate('none', inp, cfg, prev),
      why: `none: ${reasons.join('; ') || 'no mode allowed'}`,
    },
  };
  const { mode, c } = chosen;
  const changed = prev?.mode !== mode;
  // The modes passed over say why this one (the contract preferred them).
  const why = mode !== 'none' && reasons.length > 0 ? `${c.why} (${reasons.join('; ')})` : c.why;
  const state: ConnectionState = {
    mode,
    setpointC: Math.min(c.setpointC, cfg.reachC),
    requestedC: inp.requestedC,
    reachC: cfg.reachC,
    since: changed || !prev ? now : prev.since,
    hour,
    blocked,
    refusedSince: changed ? null : refusedSince,
    why,
  };
  return changed ? { state, switched: { from: prev?.mode ?? null, to: mode, why } } : { state };
}
