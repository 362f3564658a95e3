import { auditEntryInZone, type AuditAction } from '../audit-log';
import { get, resource } from '../route-spec';
import * as S from '../schemas';
import type { ApiDeps } from './shared';

/** Reading the audit log (written by the route wrapper and the audit trail, never here). */
export const auditRoutes = resource('audit', (deps: ApiDeps) => {
  return [
    get('/api/audit', 'read', {
      summary: 'The audit log, newest first',
      description:
        'Filters combine: `actor` (`user:olli`, or a bare name for `user:<name>`; `controller:dispatch`, `system:heatbridge`), `action` (exact), `target` (a point, device or alarm key exactly, or a device prefix ending in `/`, e.g. `hp1/`, for its points and the device itself), `from`/`to`, `limit` (default 100). Times are ISO 8601 with the site’s offset.',
      query: S.auditQuery,
      response: S.auditEntrySchema.array(),
      handle: ({ query }) =>
        deps.audit
          .query({
            ...(query.from !== undefined ? { from: S.parseTime(query.from) } : {}),
            ...(query.to !== undefined ? { to: S.parseTime(query.to) } : {}),
            ...(query.actor !== undefined ? { actor: query.actor } : {}),
            ...(query.action !== undefined ? { action: query.action as AuditAction } : {}),
            ...(query.target !== undefined ? { target: query.target } : {}),
            limit: query.limit !== undefined ? Number(query.limit) : 100,
          })
          .map((e) => auditEntryInZone(e, deps.site.site.timezone)),
    }),
  ];
});
