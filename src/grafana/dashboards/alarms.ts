import { dashboard, unit, variables } from '../frame';
import { select, stateOver } from '../influxql';
import type { Dashboard } from '../model';
import { Layout, stat, stateTimeline, table } from '../panels';
import type { SiteContext } from '../site-context';

/** Alarm history, operator actions and refused writes (from the alarm and audit measurements). */
export function alarmsAndEvents(ctx: SiteContext): Dashboard {
  const l = new Layout();
  l.add(
    stateTimeline(
      {
        title: 'Alarms active',
        description: 'When each alarm was active',
        unit: unit('bool'),
        h: 10,
      },
      [{ query: stateOver('alarm', [], ['alarm']), alias: '$tag_alarm' }],
      ['clear', 'active'],
    ),
  );
  l.newRow().add(
    stat(
      {
        title: 'Alarms raised',
        description: 'Alarms raised in the time range, by priority',
        unit: unit('count'),
        w: 8,
      },
      [
        {
          query: select('count("value")', 'alarm', [`"event" = 'raised'`], 'GROUP BY "priority"'),
          alias: '$tag_priority',
        },
      ],
    ),
    stat(
      {
        title: 'Writes refused or failed',
        description: 'Writes the write guard refused or the device did not take, by outcome',
        unit: unit('count'),
        w: 8,
        thresholds: [{ color: 'orange', value: 1 }],
      },
      [
        {
          query: select(
            'count("actor")',
            'audit',
            [`"event" = 'write'`, `"status" != 'written'`],
            'GROUP BY "status"',
          ),
          alias: '$tag_status',
        },
      ],
    ),
    stat(
      {
        title: 'Operator actions',
        description: 'Overrides, mode changes and operator writes in the time range',
        unit: unit('count'),
        w: 8,
      },
      [
        {
          query: select('count("actor")', 'audit', [
            `("event" != 'write' OR "actor_kind" = 'user')`,
          ]),
          alias: 'operator actions',
        },
      ],
    ),
  );
  l.newRow().add(
    table(
      {
        title: 'Alarm log',
        description:
          'Every alarm transition: raised, cleared, acknowledged, shelved, with who and why',
        unit: 'none',
      },
      [
        {
          query: select(
            '"alarm", "priority", "event", "state", "message", "actor", "reason"',
            'alarm',
            [],
            'ORDER BY time DESC LIMIT 1000',
          ),
        },
      ],
    ),
    table(
      {
        title: 'Operator actions',
        description: 'The audit trail of overrides, mode changes and operator writes',
        unit: 'none',
      },
      [
        {
          query: select(
            '"event", "device", "point", "actor", "reason", "value", "state", "expires_at", "status"',
            'audit',
            [`("event" != 'write' OR "actor_kind" = 'user')`],
            'ORDER BY time DESC LIMIT 1000',
          ),
        },
      ],
    ),
    table(
      {
        title: 'Writes refused or failed',
        description: 'Writes that did not reach the device: who asked, what, and why not',
        unit: 'none',
      },
      [
        {
          query: select(
            '"device", "point", "status", "code", "actor", "requested", "message"',
            'audit',
            [`"event" = 'write'`, `"status" != 'written'`],
            'ORDER BY time DESC LIMIT 1000',
          ),
        },
      ],
    ),
  );
  return dashboard(
    ctx,
    {
      uid: 'heatbridge-alarms',
      title: 'HeatBridge · Alarms & events',
      description: 'Alarm history, operator actions and refused writes',
      tags: ['alarms'],
    },
    l,
    variables(ctx, { rp: false }),
  );
}
