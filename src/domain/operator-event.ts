import type { PointId } from './point-id';
import type { SampleValue } from './sample';
import type { Actor } from './write-command';

/** An operator's value for a point, replacing the controllers' output until it expires. */
export interface Override {
  id: PointId;
  value: SampleValue;
  reason: string;
  actor: Actor;
  since: number;
  expiresAt: number;
}

export type Mode = 'auto' | 'manual';

export type OperatorEvent =
  | { kind: 'override-set'; override: Override; replaced?: Override; at: number }
  | { kind: 'override-cancelled'; override: Override; by: Actor; reason: string; at: number }
  | { kind: 'override-expired'; override: Override; at: number }
  | {
      kind: 'mode-changed';
      device: string;
      from: Mode;
      to: Mode;
      by: Actor;
      reason: string;
      at: number;
    };
