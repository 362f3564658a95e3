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
  const contract: [string, string][] = [
    ['utility/plan_active', 'plan covers the hour'],
    ['utility/delivery_required', 'delivery required'],
  ];
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
      contract.map(([id, alias]) => {
        const p = ctx.where(id);
        return { query: stateOver(p.measurement, p.where, []), alias };
      }),
      ['no', 'yes'],
    ),
  );
  /** A panel of a few points' means, one line each. */
  const lines = (
    title: string,
    description: string,
    u: Parameters<typeof unit>[0],
    series: [id: string | undefined, alias: string][],
  ) =>
    timeseries(
      { title, description, unit: unit(u) },
      series.flatMap(([id, alias]) => (id ? [ctx.mean(id, alias)] : [])),
    );
  l.newRow().add(
    lines(
      'Prices',
      'What the utility pays for heat (the plan’s price, else the price model’s, times the connection mode’s share) and the electricity spot price of the heat pumps',
      'EUR/MWh',
      [
        ['utility/heat_price', 'heat (paid)'],
        ['utility/electricity_price', 'electricity (spot)'],
      ],
    ),
    lines(
      'Requested capacity vs delivered',
      'The capacity the plan requests each hour against the heat delivered',
      'kW',
      [
        ['utility/plan_capacity', 'requested'],
        [utility.value?.deliveredHeat ?? ctx.controller('derived')?.deliveredHeat, 'delivered'],
      ],
    ),
  );
  if (utility.value) {
    l.newRow().add(
      lines(
        'Value now',
        'Heat revenue (delivered heat × heat price), heat-pump electricity cost (electric power × spot price) and the net, per hour at the current rate',
        'EUR/h',
        [
          ['value/revenue_rate', 'revenue'],
          ['value/cost_rate', 'electricity cost'],
          ['value/net_rate', 'net'],
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
    const totals: [title: string, description: string, query: Query][] = [
      [
        'Net value today',
        'The ledger’s net value of the site’s day so far',
        ctx.last('value/net_today', 'today'),
      ],
      [
        'Net value this month',
        'The ledger’s net value of the site’s month so far',
        ctx.last('value/net_month', 'this month'),
      ],
      [
        'Net value over the range',
        'The net rate integrated over the dashboard’s time range',
        ctx.energy('value/net_rate', 'net'),
      ],
    ];
    l.newRow().add(
      ...totals.map(([title, description, query]) =>
        stat({ title, description, unit: unit('EUR'), w: 8 }, [query]),
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
