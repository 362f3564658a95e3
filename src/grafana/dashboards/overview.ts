import { erfStat } from '../enefg';
import { dashboard, unit, variables, BY_DEVICE_POINT } from '../frame';
import { DEVICE, stateOver } from '../influxql';
import type { Dashboard } from '../model';
import { Layout, stat, stateTimeline, timeseries, type Query } from '../panels';
import type { SiteContext } from '../site-context';

/**
 * The home dashboard: the plant's heat now and where it goes, key temperatures and equipment
 * states.
 */
export function plantOverview(ctx: SiteContext): Dashboard {
  const l = new Layout();
  const derived = ctx.controller('derived');
  const safety = ctx.controller('cooling-safety');
  const supply = ctx.controller('supply-setpoint');
  const kw = unit('kW');
  if (derived) {
    l.add(
      stat({ title: 'IT load', description: 'Electricity of the IT equipment now', unit: kw }, [
        ctx.last(derived.itPower, 'IT load'),
      ]),
      stat(
        {
          title: 'Recovered heat',
          description: 'Heat the heat pumps take from the coolant now',
          unit: kw,
        },
        [ctx.last('derived/recovered_heat', 'recovered')],
      ),
    );
    if (derived.deliveredHeat)
      l.add(
        stat(
          {
            title: 'Delivered heat',
            description: 'Heat into the district network now (meter)',
            unit: kw,
          },
          [ctx.last(derived.deliveredHeat, 'delivered')],
        ),
      );
    if (derived.dryCoolerHeat)
      l.add(
        stat({ title: 'Dry coolers', description: 'Heat rejected to the air now', unit: kw }, [
          ctx.last(derived.dryCoolerHeat, 'dry coolers'),
        ]),
      );
    l.add(
      stat(
        {
          title: 'COP',
          description: 'Heat-pump COP now: condenser heat / electricity',
          unit: unit('ratio'),
          decimals: 2,
        },
        [ctx.last('derived/cop', 'COP')],
      ),
      erfStat(ctx, {
        description: 'Energy reuse factor since HeatBridge started (EN 50600-4-6)',
      }),
    );
  }
  l.newRow().add(
    timeseries(
      {
        title: 'Heat flows',
        description:
          'Where the data center’s heat goes: recovered by the heat pumps, delivered to the network, rejected by the dry coolers',
        unit: kw,
      },
      ctx.heatFlows(),
    ),
  );
  const temps: Query[] = [];
  for (const s of safety?.supplyTemps ?? []) temps.push(ctx.mean(s.point, s.point));
  if (supply?.measuredSupply) temps.push(ctx.mean(supply.measuredSupply, 'district supply'));
  if (supply) temps.push(ctx.mean(supply.outputs[0]!, 'supply setpoint'));
  if (temps.length)
    l.add(
      timeseries(
        {
          title: 'Key temperatures',
          description:
            'IT coolant supply (cooling comes first) and the district supply against its setpoint',
          unit: unit('degC'),
        },
        temps,
      ),
    );
  l.newRow().add(
    stateTimeline(
      {
        title: 'Equipment states',
        description:
          'On/off states the devices report (running, tripped, local mode, PLC safe state, faults) and whether cooling safety acts',
        unit: unit('bool'),
        h: 10,
      },
      [
        {
          query: stateOver('status', [DEVICE, `"unit" = 'bool'`], ['device', 'point']),
          alias: BY_DEVICE_POINT,
        },
      ],
      ['off', 'on'],
    ),
  );
  return dashboard(
    ctx,
    {
      uid: 'heatbridge-overview',
      title: 'HeatBridge · Plant overview',
      description: 'Heat flows, key temperatures and equipment states of the site',
      tags: ['overview'],
    },
    l,
    variables(ctx),
  );
}
