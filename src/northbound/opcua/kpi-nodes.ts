import {
  DataType,
  StatusCodes,
  Variant,
  type Namespace,
  type UAObject,
  type UAVariable,
} from 'node-opcua';
import type { KpiFigure, Kpis } from '../../api/kpi';
import { addFolder, addAnalog, addInfo } from './nodes';
import { STATUS_OF_QUALITY } from './values';

/** The KPI groups as the API names them, and their folders' browse names. */
const GROUPS = { now: 'Now', today: 'Today', sinceStart: 'SinceStart' } as const;
type Group = keyof typeof GROUPS;

const isFigure = (v: unknown): v is KpiFigure =>
  typeof v === 'object' && v !== null && 'unit' in v && 'quality' in v;

/**
 * Objects/HeatBridge/KPIs/{Now,Today,SinceStart}/<figure>: the site's key figures as GET
 * /api/kpis gives them (recovered heat, COP, ERF, PUE…), analog variables with EngineeringUnits,
 * the figure's quality as the status and the time of its newest input as the source time; each
 * group's `Since` (start of the day, of the counters). The figures are taken from the first
 * result; refreshed every `refreshMs`.
 */
export class KpiNodes {
  private readonly figures = new Map<string, UAVariable>();
  private readonly since = new Map<Group, UAVariable>();

  constructor(
    private readonly ns: Namespace,
    root: UAObject,
    first: Kpis,
    minimumSamplingInterval: number,
  ) {
    const folder = addFolder(ns, root, {
      browseName: 'KPIs',
      nodeId: 's=KPIs',
      description: 'Key figures of the site (as GET /api/kpis gives them)',
    });
    for (const [group, browseName] of Object.entries(GROUPS) as [Group, string][]) {
      const g = ns.addObject({ organizedBy: folder, browseName, nodeId: `s=KPIs/${group}` });
      for (const [name, v] of Object.entries(first[group])) {
        if (name === 'since') {
          this.since.set(
            group,
            addInfo(ns, {
              parent: g,
              as: 'property',
              browseName: 'Since',
              nodeId: `s=KPIs/${group}.Since`,
              dataType: 'DateTime',
              minimumSamplingInterval,
            }),
          );
        } else if (isFigure(v)) {
          this.figures.set(
            `${group}.${name}`,
            addAnalog(ns, {
              parent: g,
              browseName: name,
              nodeId: `s=KPIs/${group}/${name}`,
              unit: v.unit,
              minimumSamplingInterval,
            }),
          );
        }
      }
    }
  }

  update(kpis: Kpis): void {
    for (const group of Object.keys(GROUPS) as Group[]) {
      const values = kpis[group] as Record<string, unknown>;
      for (const [name, v] of Object.entries(values)) {
        if (name === 'since' && typeof v === 'string') {
          this.since
            .get(group)
            ?.setValueFromSource(new Variant({ dataType: DataType.DateTime, value: new Date(v) }));
          continue;
        }
        const variable = this.figures.get(`${group}.${name}`);
        if (!variable || !isFigure(v)) continue;
        variable.setValueFromSource(
          v.value === null
            ? new Variant({ dataType: DataType.Null })
            : new Variant({ dataType: DataType.Double, value: v.value }),
          v.value === null && v.quality === 'good'
            ? StatusCodes.GoodNoData
            : STATUS_OF_QUALITY[v.quality],
          v.at ? new Date(v.at) : new Date(kpis.at),
        );
      }
    }
  }
}
