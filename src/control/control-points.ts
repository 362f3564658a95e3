import type { ControlConfig } from '../config/controllers';
import type { PointDef } from '../domain/point';
import { pointId } from '../domain/point-id';
import { derivedPointDefs } from './controllers/derived';
import { derivedConfigs } from './controllers/derived-figures';
import { CONNECTION_MODE_POINT } from './controllers/supply-setpoint';

/** The loop's own status points (device `control`), beside one text point per controller. */
export const LOOP_POINTS = {
  safety_active: {
    unit: 'bool',
    description: 'Cooling safety is acting: heat recovery stands down',
  },
  cycle_duration: {
    unit: 's',
    description: 'How long the last control cycle took, writes included',
  },
  skipped_cycles: { unit: 'count', description: 'Ticks skipped because a cycle was still running' },
} as const;

export function controlPointDefs(control: ControlConfig): PointDef[] {
  const period = control.cycleMs;
  const def = (name: string, unit: PointDef['unit'], description: string): PointDef => ({
    id: pointId('control', name),
    device: 'control',
    name,
    unit,
    kind: 'status',
    access: 'r',
    historian: { mode: 'on-change', deadband: 0 },
    expectedPeriodMs: period,
    staleAfterMs: 3 * period,
    description,
  });
  return [
    ...control.controllers.map((c) =>
      def(c.name, 'text', `Status of controller ${c.name} (${c.type})`),
    ),
    ...Object.entries(LOOP_POINTS).map(([name, p]) => def(name, p.unit, p.description)),
    // Only what the site's derived controllers compute: none without one (issue 21).
    ...derivedPointDefs(period, derivedConfigs(control.controllers)),
    // The connection mode, recorded by a supply-setpoint controller that decides one.
    ...(control.controllers.some((c) => c.type === 'supply-setpoint' && c.connection)
      ? [
          {
            id: CONNECTION_MODE_POINT,
            device: 'derived',
            name: 'connection_mode',
            unit: 'count',
            kind: 'derived',
            access: 'r',
            historian: { mode: 'on-change', deadband: 0 },
            expectedPeriodMs: period,
            staleAfterMs: 3 * period,
            description: 'Connection mode: 0 none, 1 supply, 2 return, 3 top-up',
          } satisfies PointDef,
        ]
      : []),
  ];
}
