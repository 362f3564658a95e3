import { dashboard, unit, variables } from '../frame';
import { stateOver } from '../influxql';
import type { Dashboard } from '../model';
import { bars, Layout, stat, stateTimeline, timeseries, type Query } from '../panels';
import type { SiteContext } from '../site-context';

const CONNECTION_MODE = 'derived/connection_mode';

/**
 * The utility side (issue 22): what the day-ahead plan asked for against what HeatBridge
 * delivered, the connection mode, the heat and electricity prices, and the value. Only for a
 * site with a `utility` section; each panel only when its points exist.
 */
export function utilityDashboard(ctx: SiteContext): Dashboard | undefined {
  const utility = ctx.site.utility;
  if (!utility) return undefined;
  const l = new Layout();
  const supply = ctx.controller('supply-setpoint');
  const reach = supply?.connection?.reachC;
  const temps: Query[] = [ctx.mean('utility/plan_supply_temp', 'plan')];
  if (supply?.utilityRequest) temps.push(ctx.mean(supply.utilityRequest, 'utility request'));
  if (supply) temps.push(ctx.mean(supply.outputs[0]!, 'condenser setpoint'));
  if (supply?.measuredSupply) temps.push(ctx.mean(supply.measuredSupply, 'supply (measured)'));
  l.add(
    timeseries(
      {
        title: 'Supply temperature: plan vs actual',
        description: `The delivery temperature the day-ahead plan requests each hour against the condenser setpoint and the supply measured at the substation${reach !== undefined ? `; the dashed line is the heat pumps' reach (${reach} °C): above it the utility tops up or the heat goes to the return line` : ''}. No plan line: no plan covers those hours (the supply curve sets the temperature).`,
        unit: unit('degC'),
        w: 24,
        ...(reach !== undefined ? { thresholds: [{ color: 'orange', value: reach }] } : {}),
      },
      temps,
    ),
  );
  l.newRow();
  if (ctx.has(CONNECTION_MODE)) {
    const m = ctx.where(CONNECTION_MODE);
    l.add(
      stateTimeline(
        {
          title: 'Connection mode',
          description:
            'How the heat goes into the network: supply line, return line (pre-heating), supply topped up by the utility, or none (dry coolers). Every switch is also in the controller’s log and events.',
          unit: unit('count'),
          w: 12,
          h: 5,
        },
        [{ query: stateOver(m.measurement, m.where, []), alias: 'connection mode' }],
        ['none', 'supply', 'return', 'top-up'],
      ),
    );
  }
  const plan = ['utility/plan_active', 'utility/delivery_required'].map((id) => ctx.where(id));
  l.add(
    stateTimeline(
      {
        title: 'Plan and contract',
        description:
          'Whether a day-ahead plan covers the hour (else the controller runs on its supply curve) and whether the hour is on-demand (delivery required) or spot',
        unit: unit('bool'),
        w: 12,
        h: 5,
      },
      [
        {
          query: stateOver(plan[0]!.measurement, plan[0]!.where, []),
          alias: 'plan covers the hour',
        },
        { query: stateOver(plan[1]!.measurement, plan[1]!.where, []), alias: 'delivery required' },
      ],
      ['no', 'yes'],
    ),
  );
  l.newRow().add(
    timeseries(
      {
        title: 'Prices',
        description:
          'What the utility pays for heat (the plan’s price, else the price model’s, times the connection mode’s share) and the electricity spot price of the heat pumps',
        unit: unit('EUR/MWh'),
      },
      [
        ctx.mean('utility/heat_price', 'heat (paid)'),
        ctx.mean('utility/electricity_price', 'electricity (spot)'),
      ],
    ),
  );
  const delivered = utility.value?.deliveredHeat ?? ctx.controller('derived')?.deliveredHeat;
  l.add(
    timeseries(
      {
        title: 'Requested capacity vs delivered',
        description: 'The capacity the plan requests each hour against the heat delivered',
        unit: unit('kW'),
      },
      [
        ctx.mean('utility/plan_capacity', 'requested'),
        ...(delivered ? [ctx.mean(delivered, 'delivered')] : []),
      ],
    ),
  );
  if (utility.value) {
    l.newRow().add(
      timeseries(
        {
          title: 'Value now',
          description:
            'Heat revenue (delivered heat × heat price), heat-pump electricity cost (electric power × spot price) and the net, per hour at the current rate',
          unit: unit('EUR/h'),
        },
        [
          ctx.mean('value/revenue_rate', 'revenue'),
          ctx.mean('value/cost_rate', 'electricity cost'),
          ctx.mean('value/net_rate', 'net'),
        ],
      ),
      bars(
        {
          title: 'Net value per day',
          description:
            'The net rate integrated per local day (priced hours only; GET /api/value and the energy report give the ledger’s books)',
          unit: unit('EUR'),
        },
        [
          ctx.energy(
            'value/net_rate',
            'net',
            `GROUP BY time(1d) fill(0) tz('${ctx.site.site.timezone}')`,
          ),
        ],
      ),
    );
    l.newRow().add(
      stat(
        {
          title: 'Net value today',
          description: 'The ledger’s net value of the site’s day so far',
          unit: unit('EUR'),
          w: 8,
        },
        [ctx.last('value/net_today', 'today')],
      ),
      stat(
        {
          title: 'Net value this month',
          description: 'The ledger’s net value of the site’s month so far',
          unit: unit('EUR'),
          w: 8,
        },
        [ctx.last('value/net_month', 'this month')],
      ),
      stat(
        {
          title: 'Net value over the range',
          description: 'The net rate integrated over the dashboard’s time range',
          unit: unit('EUR'),
          w: 8,
        },
        [ctx.energy('value/net_rate', 'net')],
      ),
    );
  }
  return dashboard(
    ctx,
    {
      uid: 'heatbridge-utility',
      title: 'HeatBridge · Utility & value',
      description:
        'The day-ahead plan against what was delivered, the connection mode, heat and electricity prices, and the value (revenue, cost, net)',
      tags: ['utility'],
    },
    l,
    variables(ctx),
  );
}
