import { dashboard, unit, variables } from '../frame';
import { DEVICE, meanOver, pointIs, select, stateOver } from '../influxql';
import type { Dashboard } from '../model';
import { Layout, stat, stateTimeline, table, timeseries, type Query } from '../panels';
import type { SiteContext } from '../site-context';

/**
 * Samples recorded stale, bad or uncertain, counted per `groupBy`. Raw only: counted in the
 * downsampled series they would be minutes or hours, not samples.
 */
const notGoodCount = (groupBy: string): string =>
  select(
    'count("value")',
    ['measurement', 'setpoint', 'status'],
    [DEVICE, `"quality" != 'good'`],
    groupBy,
    true,
  );

/** The highest value per interval of one of HeatBridge's own status points (historian, control). */
const statusMax = (id: string, alias: string): Query => ({
  query: meanOver('status', [pointIs(id)], [], 'max("value")'),
  alias,
});

/** Samples not good, field adapters, the historian's backlog and losses, control timing. */
export function dataQuality(ctx: SiteContext): Dashboard {
  const l = new Layout();
  l.add(
    timeseries(
      {
        title: 'Samples not good',
        description: 'Samples recorded stale, bad or uncertain per interval, by quality',
        unit: unit('count'),
      },
      [
        {
          query: notGoodCount('GROUP BY time($__interval), "quality" fill(0)'),
          alias: '$tag_quality',
        },
      ],
    ),
    table(
      {
        title: 'Points with samples not good',
        description: 'Which points were stale, bad or uncertain in the time range, and how often',
        unit: unit('count'),
        w: 12,
      },
      [{ query: notGoodCount('GROUP BY "device", "point", "quality"') }],
    ),
  );
  l.newRow().add(
    stateTimeline(
      {
        title: 'Field connections',
        description: 'Whether each field adapter is connected (recorded every 10 s)',
        unit: unit('bool'),
        interval: '10s',
        w: 12,
      },
      [
        {
          query: stateOver('adapter', [], ['adapter'], 'connected'),
          alias: '$tag_adapter',
        },
      ],
      ['down', 'up'],
    ),
    timeseries(
      {
        title: 'Adapter errors',
        description:
          'Timeouts, exception replies and lost connections per interval, per field adapter',
        unit: unit('count'),
        interval: '10s',
        thresholds: [{ color: 'orange', value: 1 }],
      },
      [
        {
          query: select(
            'non_negative_difference(max("errors"))',
            'adapter',
            [],
            'GROUP BY time($__interval), "adapter" fill(none)',
          ),
          alias: '$tag_adapter',
        },
      ],
    ),
  );
  const historianPoint = (p: string): Query => statusMax(`historian/${p}`, p);
  const backlogAlarm = ctx.limits('historian/backlog_lines').high;
  l.newRow().add(
    timeseries(
      {
        title: 'Historian backlog',
        description: 'Lines waiting in the spool for the database',
        unit: unit('count'),
        ...(backlogAlarm !== undefined
          ? { thresholds: [{ color: 'orange', value: backlogAlarm }] }
          : {}),
      },
      [historianPoint('backlog_lines')],
    ),
    timeseries(
      {
        title: 'Historian losses',
        description:
          'Lines dropped (spool full), refused by the database, rejected before spooling: counters since start',
        unit: unit('count'),
        thresholds: [{ color: 'red', value: 1 }],
      },
      [
        historianPoint('dropped_lines'),
        historianPoint('refused_lines'),
        historianPoint('rejected_lines'),
      ],
    ),
    timeseries(
      {
        title: 'Control cycle',
        description:
          'How long each control cycle took, writes included (the cycle period is the ceiling)',
        unit: unit('s'),
      },
      [statusMax('control/cycle_duration', 'cycle duration')],
    ),
    stat(
      {
        title: 'Skipped control ticks',
        description: 'Ticks skipped because a cycle was still running (a counter since start)',
        unit: unit('count'),
        thresholds: [{ color: 'orange', value: 1 }],
      },
      [
        {
          query: select('last("value")', 'status', [pointIs('control/skipped_cycles')]),
          alias: 'skipped',
        },
      ],
    ),
  );
  return dashboard(
    ctx,
    {
      uid: 'heatbridge-data-quality',
      title: 'HeatBridge · Data quality',
      description:
        'Stale and bad points, field adapter errors, the historian backlog and control timing',
      tags: ['data-quality'],
    },
    l,
    variables(ctx, { rp: false }),
  );
}
