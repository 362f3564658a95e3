import type { PointId } from './point-id';
import type { Unit } from './units';

/** `derived`: computed by HeatBridge (recovered heat, COP, ERF), never read from a device. */
export const POINT_KINDS = ['measurement', 'setpoint', 'status', 'command', 'derived'] as const;
export type PointKind = (typeof POINT_KINDS)[number];

export const ACCESS_MODES = ['r', 'w', 'rw'] as const;
export type Access = (typeof ACCESS_MODES)[number];

/** Limits every write to a point must respect; required for writable points. */
export interface PointBounds {
  min: number;
  max: number;
  /** Largest change per minute the write guard lets through (absolute, in the point's unit). */
  maxRatePerMin?: number;
}

/** How the historian records a point: every sample, or only when it changes by more than a deadband. */
export type HistorianPolicy = { mode: 'every' } | { mode: 'on-change'; deadband: number };

/** A point as the core sees it, independent of the protocol that carries it. */
export interface PointDef {
  id: PointId;
  device: string;
  name: string;
  unit: Unit;
  kind: PointKind;
  access: Access;
  bounds?: PointBounds;
  historian: HistorianPolicy;
  /** How often a fresh value is expected (poll or sampling interval). */
  expectedPeriodMs: number;
  /** Age after which the value counts as stale; defaults to 3 × expectedPeriodMs. */
  staleAfterMs: number;
  description?: string;
  /** The step the value is shown at; the unit's default when absent (see resolution.ts). */
  resolution?: number;
}

export function isWritable(def: Pick<PointDef, 'access'>): boolean {
  return def.access === 'w' || def.access === 'rw';
}

export function isReadable(def: Pick<PointDef, 'access'>): boolean {
  return def.access === 'r' || def.access === 'rw';
}
