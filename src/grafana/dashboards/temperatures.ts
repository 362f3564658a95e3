import { splitPointId } from '../../domain/point-id';
import { dashboard, unit, variables, BY_DEVICE_POINT } from '../frame';
import { DEVICE, GOOD, meanOver } from '../influxql';
import type { Dashboard } from '../model';
import { Layout, timeseries, type Query, type Threshold } from '../panels';
import type { SiteContext } from '../site-context';

/** Cooling-safety limits of a supply temperature as thresholds: alarm and action orange, limit red. */
function coolingThresholds(
  ctx: SiteContext,
  s: { point: string; limit: number; margin: number },
): Threshold[] {
  const warn = new Set([s.limit - s.margin]);
  const high = ctx.limits(s.point).high;
  if (high !== undefined && high < s.limit) warn.add(high);
  return [
    ...[...warn].map((value) => ({ color: 'orange', value })),
    { color: 'red', value: s.limit },
  ];
}

/** Coolant loops against their limits, the district supply against its setpoint. */
export function temperatures(ctx: SiteContext): Dashboard {
  const l = new Layout();
  const safety = ctx.controller('cooling-safety');
  const supply = ctx.controller('supply-setpoint');
  for (const s of safety?.supplyTemps ?? []) {
    const { device } = splitPointId(s.point);
    const returns = [...ctx.defs.values()].filter(
      (d) =>
        d.device === device && d.unit === 'degC' && d.id !== s.point && d.kind === 'measurement',
    );
    l.add(
      timeseries(
        {
          title: `${s.point} against its limit`,
          description: `Limit ${s.limit} °C (red); cooling safety acts from ${s.limit - s.margin} °C and the alarm is orange`,
          unit: unit('degC'),
          thresholds: coolingThresholds(ctx, s),
        },
        [ctx.mean(s.point, 'supply'), ...returns.slice(0, 3).map((d) => ctx.mean(d.id, d.name))],
      ),
    );
  }
  l.newRow();
  if (supply) {
    const low = supply.measuredSupply ? ctx.limits(supply.measuredSupply).low : undefined;
    const q: Query[] = [];
    if (supply.measuredSupply) q.push(ctx.mean(supply.measuredSupply, 'supply'));
    q.push(ctx.mean(supply.outputs[0]!, 'setpoint'));
    if (supply.utilityRequest) q.push(ctx.mean(supply.utilityRequest, 'utility request'));
    if (supply.measuredReturn) q.push(ctx.mean(supply.measuredReturn, 'return'));
    l.add(
      timeseries(
        {
          title: 'District supply vs setpoint',
          description: `Supply temperature to the network against HeatBridge's setpoint (the request clamped to ${supply.min}–${supply.max} °C${supply.connection ? `, the condenser setpoint at most ${supply.connection.reachC} °C, the heat pumps' reach` : ''}) and the utility's request${low !== undefined ? `; red below the ${low} °C alarm` : ''}`,
          unit: unit('degC'),
          ...(low !== undefined
            ? { thresholdBase: 'red', thresholds: [{ color: 'green', value: low }] }
            : {}),
        },
        q,
      ),
      timeseries(
        {
          title: 'Outdoor temperature',
          description: 'What the supply curve follows when the utility sends no request',
          unit: unit('degC'),
        },
        [ctx.mean(supply.outdoorTemp, 'outdoor')],
      ),
    );
  }
  l.newRow().add(
    timeseries(
      {
        title: 'All temperatures',
        description: 'Every temperature of the selected devices',
        unit: unit('degC'),
        w: 24,
        h: 10,
      },
      [
        {
          query: meanOver('measurement', [DEVICE, `"unit" = 'degC'`, GOOD], ['device', 'point']),
          alias: BY_DEVICE_POINT,
        },
      ],
    ),
  );
  return dashboard(
    ctx,
    {
      uid: 'heatbridge-temperatures',
      title: 'HeatBridge · Temperatures',
      description: 'Coolant loops against their limits, district supply against its setpoint',
      tags: ['temperatures'],
    },
    l,
    variables(ctx),
  );
}
