import type { SiteConfig } from '../../config';
import { dashboardSchema, type Dashboard } from '../model';
import { SiteContext } from '../site-context';
import { alarmsAndEvents } from './alarms';
import { dataQuality } from './data-quality';
import { heatRecovery } from './energy';
import { heatPumps } from './heat-pumps';
import { plantOverview } from './overview';
import { temperatures } from './temperatures';

/**
 * The six Grafana dashboards, built from a site config so that thresholds are the configured
 * limits and queries name the configured points; each has its own module here, named like the
 * JSON file it becomes. `npm run docs` writes the demo site's into `grafana/dashboards/`;
 * `heatbridge grafana --config SITE --out DIR` writes a site's own.
 */
export function buildDashboards(site: SiteConfig): Dashboard[] {
  const ctx = new SiteContext(site);
  return [
    plantOverview(ctx),
    heatRecovery(ctx),
    heatPumps(ctx),
    temperatures(ctx),
    alarmsAndEvents(ctx),
    dataQuality(ctx),
  ].map((d) => dashboardSchema.parse(d));
}
