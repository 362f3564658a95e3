import { dashboard, unit, variables } from '../frame';
import { select, stateOver } from '../influxql';
import type { Dashboard } from '../model';
import { Layout, stat, stateTimeline, table, type PanelSpec } from '../panels';
import type { SiteContext } from '../site-context';

/**
 * Audit entries an operator made: overrides and mode changes, and writes a user asked for (the
 * audit trail records every write, the controllers' and the system's too). The count and the
 * table use this one filter so that they agree.
 */
const OPERATOR_ACTION = [`("event" != 'write' OR "actor_kind" = 'user')`];
/** Audit entries of writes that did not reach the device (refused by the guard or failed). */
const REFUSED_WRITE = [`"event" = 'write'`, `"status" != 'written'`];

/** A log as a table: the newest rows first, as many as a table shows well. */
function logTable(
  c: { title: string; description: string },
  columns: string,
  measurement: string,
  where: string[],
): PanelSpec {
  return table({ ...c, unit: 'none' }, [
    { query: select(columns, measurement, where, 'ORDER BY time DESC LIMIT 1000') },
  ]);
}

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
          query: select('count("actor")', 'audit', REFUSED_WRITE, 'GROUP BY "status"'),
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
          query: select('count("actor")', 'audit', OPERATOR_ACTION),
          alias: 'operator actions',
        },
      ],
    ),
  );
  l.newRow().add(
    logTable(
      {
        title: 'Alarm log',
        description:
          'Every alarm transition: raised, cleared, acknowledged, shelved, with who and why',
      },
      '"alarm", "priority", "event", "state", "message", "actor", "reason"',
      'alarm',
      [],
    ),
    logTable(
      {
        title: 'Operator actions',
        description: 'The audit trail of overrides, mode changes and operator writes',
      },
      '"event", "device", "point", "actor", "reason", "value", "state", "expires_at", "status"',
      'audit',
      OPERATOR_ACTION,
    ),
    logTable(
      {
        title: 'Writes refused or failed',
        description: 'Writes that did not reach the device: who asked, what, and why not',
      },
      '"device", "point", "status", "code", "actor", "requested", "message"',
      'audit',
      REFUSED_WRITE,
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
