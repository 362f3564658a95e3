import { enefg11Check } from '../reporting/regulatory';
import { stat, type PanelSpec, type Threshold } from './panels';
import type { SiteContext } from './site-context';

// The EnEfG §11 (German Energy Efficiency Act) targets for data centers, as panel thresholds.

/** ERF against the EnEfG §11 target for the site's start of operation (red below it). */
function erfThresholds(ctx: SiteContext): {
  thresholds?: Threshold[];
  thresholdBase?: string;
} {
  const target = enefg11Check(ctx.site.reporting.startOfOperation, null, null, 0).erfTarget;
  return target === null
    ? {}
    : { thresholdBase: 'red', thresholds: [{ color: 'green', value: target }] };
}

/** PUE against the stricter EnEfG §11 target for the site's start of operation (red above it). */
export function pueThresholds(ctx: SiteContext): Threshold[] {
  const start = ctx.site.reporting.startOfOperation;
  // New sites: 1.2; older ones: 1.5 from July 2027 and 1.3 from July 2030 (the stricter shown).
  const target = start && start >= '2026-07-01' ? 1.2 : 1.3;
  return [{ color: 'red', value: target }];
}

/**
 * The ERF now (`derived/erf`, a fraction shown in percent), green from the EnEfG target: the
 * overview and the energy dashboard show the same figure, each with its own description.
 */
export function erfStat(ctx: SiteContext, c: { description: string; w?: number }): PanelSpec {
  return stat(
    {
      title: 'ERF',
      description: c.description,
      unit: 'percentunit',
      decimals: 1,
      w: c.w,
      ...erfThresholds(ctx),
    },
    [ctx.last('derived/erf', 'ERF')],
  );
}
