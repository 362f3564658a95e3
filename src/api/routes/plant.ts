import { get, resource } from '../route-spec';
import { plantView } from '../plant-view';
import * as S from '../schemas';
import type { ApiDeps } from './shared';

/** The plant as operators see it, and its key figures. */
export const plantRoutes = resource('plant', (deps: ApiDeps) => {
  const { site, defs, now } = deps;
  return [
    get('/api/plant', 'read', {
      summary: 'The plant: hall, coolant, heat pumps, valve, dry coolers, network, PLC, control',
      response: S.plantSchema,
      handle: () => {
        const t = now();
        const view = plantView({
          site,
          defs,
          latest: (id) => deps.latest.get(id),
          mode: (device) => deps.control?.operator.mode(device) ?? 'auto',
          now: t,
          kpis: deps.kpi.kpis(t),
        });
        const d = deps.control?.details() as
          { safetyActive?: boolean; heartbeat?: string; controllers?: unknown[] } | undefined;
        return {
          ...view,
          control: {
            safetyActive: d?.safetyActive ?? false,
            heartbeat: d?.heartbeat ?? 'none',
            controllers: (d?.controllers ?? []) as {
              name: string;
              type: string;
              status: string;
              message?: string;
            }[],
          },
        };
      },
    }),
    get('/api/kpi', 'read', {
      summary: 'Recovered heat, COP, ERF and PUE: now, today and since start',
      response: S.kpiSchema,
      handle: () => deps.kpi.kpis(now()),
    }),
  ];
});
