import type { PointDef } from '../domain/point';
import { pointId, type PointId } from '../domain/point-id';
import type { Unit } from '../domain/units';

/** The value ledger's points (device `value`), published every `periodMs`. */
export const VALUE_POINTS = {
  revenue_rate: {
    unit: 'EUR/h',
    description: 'What the heat delivered now earns: delivered heat × heat price',
  },
  cost_rate: {
    unit: 'EUR/h',
    description:
      "What the heat pumps' electricity costs now: their electric power × electricity price",
  },
  net_rate: {
    unit: 'EUR/h',
    description: 'Net value now: revenue rate − cost rate',
  },
  net_today: {
    unit: 'EUR',
    description:
      "Net value of the site's day so far (priced hours only: an hour without a price counts its energy, not its value)",
  },
  net_month: {
    unit: 'EUR',
    description: "Net value of the site's month so far (priced hours only)",
  },
} as const satisfies Record<string, { unit: Unit; description: string }>;

export type ValuePoint = keyof typeof VALUE_POINTS;

export const VALUE_IDS = Object.fromEntries(
  Object.keys(VALUE_POINTS).map((name) => [name, pointId('value', name)]),
) as Record<ValuePoint, PointId>;

export function valuePointDefs(periodMs: number): PointDef[] {
  return Object.entries(VALUE_POINTS).map(([name, p]) => ({
    id: pointId('value', name),
    device: 'value',
    name,
    unit: p.unit,
    kind: 'derived',
    access: 'r',
    historian: { mode: 'every' },
    expectedPeriodMs: periodMs,
    staleAfterMs: 3 * periodMs,
    description: p.description,
  }));
}
