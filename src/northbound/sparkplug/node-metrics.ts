import type { KpiFigure, Kpis } from '../../api/kpi';
import type { NodeMetric } from './metrics';

/**
 * The edge node's own metrics besides bdSeq and the rebirth control: the site's id and name,
 * and its KPIs (`KPI/now/recoveredKw`, `KPI/today/erf`, …, as GET /api/kpis gives them).
 */
export function kpiMetrics(kpis: Kpis): NodeMetric[] {
  const out: NodeMetric[] = [];
  const sections = { now: kpis.now, today: kpis.today, sinceStart: kpis.sinceStart } as const;
  for (const [section, figures] of Object.entries(sections)) {
    for (const [key, fig] of Object.entries(figures as Record<string, unknown>)) {
      if (!isFigure(fig)) continue;
      out.push({ name: `KPI/${section}/${key}`, type: 'Double', value: fig.value, unit: fig.unit });
    }
  }
  return out;
}

function isFigure(v: unknown): v is KpiFigure {
  return typeof v === 'object' && v !== null && 'value' in v && 'unit' in v;
}

/** The metrics whose value differs from what was last sent (by name). */
export function changedNodeMetrics(
  metrics: readonly NodeMetric[],
  lastSent: Map<string, NodeMetric['value']>,
): NodeMetric[] {
  return metrics.filter((m) => lastSent.get(m.name) !== m.value);
}
