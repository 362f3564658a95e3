import type { SiteConfig } from '../../config';
import { dashboardSchema, type Dashboard } from '../model';
import { SiteContext } from '../site-context';
import { alarmsAndEvents } from './alarms';
import { dataQuality } from './data-quality';
import { heatRecovery } from './energy';
import { heatPumps } from './heat-pumps';
import { plantOverview } from './overview';
import { temperatures } from './temperatures';
import { utilityDashboard } from './utility';

/**
 * The Grafana dashboards (six, and the utility's for a site with a `utility` section), built from a site config so that thresholds are the configured
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
    utilityDashboard(ctx),
  ]
    .filter((d) => d !== undefined)
    .map((d) => dashboardSchema.parse(d));
}
