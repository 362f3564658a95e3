import { erfStat, pueThresholds } from '../enefg';
import { dashboard, unit, variables } from '../frame';
import type { Dashboard } from '../model';
import { bars, Layout, stat, timeseries, type Query } from '../panels';
import type { SiteContext } from '../site-context';

/** Heat recovered and delivered, energy over the range and per day, COP, ERF and PUE. */
export function heatRecovery(ctx: SiteContext): Dashboard {
  const l = new Layout();
  const derived = ctx.controller('derived');
  const tz = `tz('${ctx.site.site.timezone}')`;
  l.add(
    timeseries(
      {
        title: 'Heat flows',
        description:
          'Recoverable heat in the coolant, what the heat pumps recover, what the network takes and may take, and what the dry coolers reject',
        unit: unit('kW'),
        w: 24,
      },
      ctx.heatFlows(),
    ),
  );
  const energies: Query[] = [];
  if (derived) {
    energies.push(ctx.energy('derived/recovered_heat', 'recovered'));
    if (derived.deliveredHeat) energies.push(ctx.energy(derived.deliveredHeat, 'delivered'));
    energies.push(ctx.energy('derived/hp_electric_power', 'heat-pump electricity'));
    if (derived.dryCoolerHeat)
      energies.push(ctx.energy(derived.dryCoolerHeat, 'rejected by dry coolers'));
  }
  l.newRow();
  for (const e of energies)
    l.add(
      stat(
        {
          title: `Energy ${e.alias}`,
          description: `Integral of the power over the dashboard's time range`,
          unit: unit('kWh'),
          w: 6,
        },
        [e],
      ),
    );
  l.newRow();
  if (derived?.deliveredHeat)
    l.add(
      bars(
        {
          title: 'Heat delivered per day',
          description: 'Daily heat into the district network, local days',
          unit: unit('kWh'),
        },
        [ctx.energy(derived.deliveredHeat, 'delivered', `GROUP BY time(1d) fill(0) ${tz}`)],
      ),
    );
  if (ctx.hasDerived('drycooler_share') && derived?.dryCoolerHeat)
    l.add(
      timeseries(
        {
          title: 'Dry-cooler share',
          description:
            'Share of the heat leaving the coolant that the dry coolers reject (the rest is recovered)',
          unit: unit('%'),
          min: 0,
          max: 100,
        },
        [ctx.mean('derived/drycooler_share', 'dry-cooler share')],
      ),
    );
  l.newRow().add(
    timeseries(
      {
        title: 'COP',
        description: 'Heat-pump COP now and since start (seasonal)',
        unit: unit('ratio'),
        decimals: 2,
      },
      [ctx.mean('derived/cop', 'COP now'), ctx.mean('derived/cop_running', 'COP since start')],
    ),
    timeseries(
      {
        title: 'ERF and PUE',
        description: 'Energy reuse factor since start (a fraction) and PUE now',
        unit: unit('ratio'),
        decimals: 2,
      },
      [ctx.mean('derived/erf', 'ERF'), ctx.mean('derived/pue', 'PUE')],
    ),
  );
  l.newRow().add(
    erfStat(ctx, {
      description:
        'Energy reuse factor since start; green from the EnEfG §11 target for the site’s start of operation',
      w: 12,
    }),
    stat(
      {
        title: 'PUE',
        description: 'Facility / IT power now; red above the EnEfG §11 target',
        unit: unit('ratio'),
        decimals: 2,
        w: 12,
        thresholds: pueThresholds(ctx),
      },
      [ctx.last('derived/pue', 'PUE')],
    ),
  );
  return dashboard(
    ctx,
    {
      uid: 'heatbridge-energy',
      title: 'HeatBridge · Heat recovery & energy',
      description:
        'Recovered and delivered heat (kW, MWh), network acceptance, dry-cooler share, COP, ERF and PUE',
      tags: ['energy'],
    },
    l,
    variables(ctx),
  );
}
