import { resolve } from 'node:path';
import { buildPointDefs, type SiteConfig } from '../config';
import type { HistorianBackend } from '../historian/backend';
import { FileBackend } from '../historian/backends/file';
import { historianPointDefs } from '../historian/historian';
import { databaseBackend } from '../historian/backends/database';
import { measurementOfKind } from '../historian/schema';
import { isPointId, splitPointId } from '../domain/point-id';
import type { Logger } from '../log';
import { valuePointDefs } from '../utility/value-points';
import type { PointHistory } from './energy-report';

/** Raw point history from the site's historian (the file historian's folder, or the database). */
export function historyFromBackend(
  site: SiteConfig,
  backend: Pick<HistorianBackend, 'query'>,
): PointHistory {
  const defs = buildPointDefs(site);
  for (const d of historianPointDefs()) defs.set(d.id, d);
  // The value ledger's rates, which the report's value section integrates.
  if (site.utility?.value) for (const d of valuePointDefs(site.control.cycleMs)) defs.set(d.id, d);
  return (id, from, to) => {
    const def = isPointId(id) ? defs.get(id) : undefined;
    if (!def) return Promise.reject(new Error(`no point ${id} in the site config`));
    const { device, point } = splitPointId(def.id);
    return backend.query({
      measurement: measurementOfKind(def.kind),
      site: site.site.id,
      device,
      point,
      from,
      to,
    });
  };
}

/** A read-only backend for the report command (no database or folder is created). */
export function reportBackend(site: SiteConfig, log: Logger): HistorianBackend {
  const h = site.historian;
  if (h.type === 'file')
    return new FileBackend({
      dir: resolve(h.dir),
      rotateBytes: h.rotateBytes,
      maxFiles: h.maxFiles,
      log,
    });
  return databaseBackend(h, log);
}
