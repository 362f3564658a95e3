import type { ComponentHealth } from '../../runtime/component';
import { heatbridgeVersion } from '../../util/project-root';
import { isoInZone } from '../../util/site-time';
import { get, resource } from '../route-spec';
import * as S from '../schemas';
import type { ApiDeps } from './shared';

/** Is HeatBridge up, and who is asking: open to anyone (load balancers, the page's login). */
export const statusRoutes = resource('status', (deps: ApiDeps, startedAt: number) => {
  const { site, now } = deps;
  return [
    get('/api/health', 'public', {
      summary: 'Overall status and every component’s state',
      description:
        '200 while ok or degraded, 503 otherwise (for load balancers and orchestrators). The components (addresses, messages, live figures) only for those who may read.',
      handle: ({ res, principal }) => {
        const report = deps.health();
        const code = report.status === 'ok' || report.status === 'degraded' ? 200 : 503;
        res.status(code);
        const status = { status: report.status, site: { id: site.site.id, name: site.site.name } };
        // Device addresses and process values are for readers, not for any port scanner.
        if (!principal && !site.api.openReads) return status;
        return {
          ...status,
          version: heatbridgeVersion(),
          uptimeS: Math.round((now() - startedAt) / 1000),
          components: report.components.map((c) => inZone(c, site.site.timezone)),
        };
      },
    }),
    get('/api/session', 'public', {
      summary: 'Who the token belongs to',
      description: 'Checks a bearer token (a wrong one answers 401 and counts as a failed login).',
      response: S.sessionSchema,
      handle: ({ principal }) => ({
        authenticated: principal !== undefined,
        ...(principal ? { name: principal.name, role: principal.role } : {}),
        openReads: site.api.openReads,
      }),
    }),
  ];
});

const UTC_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * A component's health with its times in the site's zone (C5): the supervisor and the components
 * keep UTC; the API presents. Details are the components' own facts, so any UTC time in them is
 * converted too, however deep.
 */
function inZone(c: ComponentHealth, tz: string): ComponentHealth {
  const convert = (v: unknown): unknown => {
    if (typeof v === 'string') return UTC_ISO.test(v) ? isoInZone(Date.parse(v), tz) : v;
    if (Array.isArray(v)) return v.map(convert);
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, convert(x)]));
    return v;
  };
  return {
    ...c,
    since: isoInZone(Date.parse(c.since), tz),
    ...(c.details ? { details: convert(c.details) as Record<string, unknown> } : {}),
  };
}
