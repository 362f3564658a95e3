import type { AuditAction } from '../audit-log';
import { get, resource } from '../route-spec';
import * as S from '../schemas';
import type { ApiDeps } from './shared';

/** Reading the audit log (written by the route wrapper and the audit trail, never here). */
export const auditRoutes = resource('audit', (deps: ApiDeps) => {
  return [
    get('/api/audit', 'read', {
      summary: 'The audit log, newest first',
      query: S.auditQuery,
      response: S.auditEntrySchema.array(),
      handle: ({ query }) =>
        deps.audit.query({
          ...(query.from !== undefined ? { from: S.parseTime(query.from) } : {}),
          ...(query.to !== undefined ? { to: S.parseTime(query.to) } : {}),
          ...(query.actor !== undefined ? { actor: query.actor } : {}),
          ...(query.action !== undefined ? { action: query.action as AuditAction } : {}),
          ...(query.target !== undefined ? { target: query.target } : {}),
          limit: query.limit !== undefined ? Number(query.limit) : 100,
        }),
    }),
  ];
});
