import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SiteConfig } from '../config';
import { buildDashboards } from './dashboards';
import type { Dashboard } from './model';

/** `heatbridge-heat-pumps` → `heat-pumps.json`. */
export function dashboardFileName(d: Dashboard): string {
  return `${d.uid.replace(/^heatbridge-/, '')}.json`;
}

/** Writes the site's dashboards into `dir` (what Grafana's dashboard provider reads). */
export async function writeDashboards(site: SiteConfig, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const d of buildDashboards(site)) {
    const file = join(dir, dashboardFileName(d));
    await writeFile(file, `${JSON.stringify(d, null, 2)}\n`);
    written.push(file);
  }
  return written;
}
