import type { SIGNAL_POINT_UNITS } from '../config/heat-signal';
import type { PointDef } from '../domain/point';
import { pointId, type PointId } from '../domain/point-id';

/**
 * The points of the in-process `signal` device: the heat signal's current hour, published at each
 * recompute so the historian, the page and Grafana show what schedulers were advised, and alarms
 * can watch it (a neutral signal for hours, say).
 */
export const SIGNAL_POINTS = {
  recommended_flex_kw: {
    unit: 'kW',
    description: 'The flexible IT power recommended this hour (neutral: the baseline)',
  },
  signal: {
    unit: 'ratio',
    description:
      'How much more (+) or less (−) flexible IT load this hour, normalised to −1…1 (0: neutral)',
  },
  signal_kw: {
    unit: 'kW',
    description: 'Recommended − baseline flexible power this hour',
  },
  headroom_kw: {
    unit: 'kW',
    description:
      'IT heat that could be used (+) or would be dumped (−) this hour (bad: not modelled, neutral)',
  },
  dumped_kw: {
    unit: 'kW',
    description:
      'Heat expected to go to the dry coolers this hour at the baseline load (bad: neutral)',
  },
  delivered_kw: {
    unit: 'kW',
    description: 'Heat expected to be delivered to the network this hour (bad: neutral)',
  },
  status: {
    unit: 'text',
    description: 'ok, or neutral (the reason is in GET /api/signals/heat and the log)',
  },
} as const satisfies {
  // The units the site's cross-check declares them with (src/config/heat-signal.ts).
  [K in keyof typeof SIGNAL_POINT_UNITS]: {
    unit: (typeof SIGNAL_POINT_UNITS)[K];
    description: string;
  };
};

export type SignalPointName = keyof typeof SIGNAL_POINTS;

export const SIGNAL_DEVICE = 'signal';

export function signalPointId(name: SignalPointName): PointId {
  return pointId(SIGNAL_DEVICE, name);
}

/** The `signal` device's definitions: derived, published every `periodMs` (the recompute). */
export function signalPointDefs(periodMs: number): PointDef[] {
  return Object.entries(SIGNAL_POINTS).map(([name, p]) => ({
    id: pointId(SIGNAL_DEVICE, name),
    device: SIGNAL_DEVICE,
    name,
    unit: p.unit,
    kind: 'derived',
    access: 'r',
    historian: { mode: 'on-change', deadband: 0 },
    expectedPeriodMs: periodMs,
    staleAfterMs: 3 * periodMs,
    description: p.description,
  }));
}
