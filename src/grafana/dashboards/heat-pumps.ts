import { splitPointId } from '../../domain/point-id';
import { dashboard, unit, variables, BY_DEVICE_POINT } from '../frame';
import { DEVICE, GOOD, meanOver, select, stateOver, tagIs } from '../influxql';
import type { Dashboard } from '../model';
import { Layout, stat, stateTimeline, timeseries, xy, type Query } from '../panels';
import type { Of, SiteContext } from '../site-context';

/** Picks one point of a dispatched heat pump (its heat output, running state, …). */
type PickPoint = (h: Of<'heat-pump-dispatch'>['heatPumps'][number]) => string;

/** Each heat pump's load, heat and electricity, COP against lift, starts and run hours. */
export function heatPumps(ctx: SiteContext): Dashboard {
  const l = new Layout();
  const devices = ctx.heatPumpDevices();
  const dispatch = ctx.controller('heat-pump-dispatch');
  /** The names of the point `pick` picks on each dispatched heat pump (a `point` tag each). */
  const names = (pick: PickPoint): string[] =>
    (dispatch?.heatPumps ?? []).map((h) => splitPointId(pick(h) as never).point);
  /** One curve per heat pump: the mean of the point `pick` names on each. */
  const perDevice = (measurement: string, pick: PickPoint): Query => ({
    query: meanOver(measurement, [DEVICE, tagIs('point', names(pick)), GOOD], ['device']),
    alias: '$tag_device',
  });
  if (dispatch) {
    l.add(
      timeseries(
        {
          title: 'Load setpoint',
          description: 'Load HeatBridge asks of each heat pump (minimum load, ramp limited)',
          unit: unit('%'),
          min: 0,
          max: 100,
        },
        [perDevice('setpoint', (h) => h.loadSetpoint)],
      ),
      timeseries(
        { title: 'Heat output', description: 'Condenser heat of each heat pump', unit: unit('kW') },
        [perDevice('measurement', (h) => h.heatOutput)],
      ),
      timeseries(
        { title: 'Electricity', description: 'Electric power of each heat pump', unit: unit('kW') },
        [perDevice('measurement', (h) => h.electricPower)],
      ),
      timeseries(
        {
          title: 'Condenser outlet',
          description: 'Condenser outlet temperature of each heat pump (trip above 90 °C)',
          unit: unit('degC'),
        },
        [perDevice('measurement', (h) => h.condenserOut)],
      ),
    );
  }
  if (
    ctx.hasDerived('lift') &&
    ctx.controller('derived')?.heatPumps.every((h) => h.condenserOut && h.evaporatorOut)
  )
    l.add(
      xy(
        {
          title: 'COP vs temperature lift',
          description:
            'Each point one interval: the COP of the heat pumps against their heat-weighted lift (condenser − evaporator outlet)',
          unit: unit('ratio'),
          decimals: 2,
        },
        [ctx.mean('derived/lift', 'lift'), ctx.mean('derived/cop', 'COP')],
        'lift',
        'COP',
      ),
    );
  l.newRow();
  const startPoints = [
    ...new Set(
      [...ctx.defs.values()]
        .filter((d) => devices.includes(d.device) && d.unit === 'count' && /start/.test(d.name))
        .map((d) => d.name),
    ),
  ];
  if (startPoints.length)
    l.add(
      stat(
        {
          title: 'Starts',
          description: 'Compressor starts in the time range (the start counter’s spread)',
          unit: unit('count'),
          w: 6,
        },
        [
          {
            query: select(
              'spread("value")',
              'status',
              [DEVICE, tagIs('point', startPoints), GOOD],
              'GROUP BY "device"',
            ),
            alias: '$tag_device',
          },
        ],
        'lastNotNull',
      ),
    );
  if (dispatch) {
    l.add(
      stat(
        {
          title: 'Run hours',
          description: 'Hours each heat pump ran in the time range (the running state integrated)',
          unit: 'h',
          decimals: 1,
          w: 6,
        },
        [
          {
            query: select(
              'integral("value", 1h)',
              'status',
              [
                DEVICE,
                tagIs(
                  'point',
                  names((h) => h.running),
                ),
              ],
              'GROUP BY "device"',
            ),
            alias: '$tag_device',
          },
        ],
      ),
      stateTimeline(
        {
          title: 'Running and tripped',
          description: 'Running and tripped states of each heat pump',
          unit: unit('bool'),
          w: 12,
        },
        [
          {
            query: stateOver(
              'status',
              [DEVICE, tagIs('point', [...names((h) => h.running), ...names((h) => h.tripped)])],
              ['device', 'point'],
            ),
            alias: BY_DEVICE_POINT,
          },
        ],
        ['no', 'yes'],
      ),
    );
  }
  return dashboard(
    ctx,
    {
      uid: 'heatbridge-heat-pumps',
      title: 'HeatBridge · Heat pumps',
      description: 'Load, heat and electricity, COP against temperature lift, starts and run hours',
      tags: ['heat-pumps'],
    },
    l,
    variables(ctx, { devices }),
  );
}
