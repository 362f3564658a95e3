import type { RouteSpec } from '../route-spec';
import { alarmRoutes } from './alarms';
import { auditRoutes } from './audit';
import { modeRoutes } from './modes';
import { overrideRoutes } from './overrides';
import { plantRoutes } from './plant';
import { pointRoutes } from './points';
import { reportRoutes } from './reports';
import type { ApiDeps } from './shared';
import { signalRoutes } from './signals';
import { statusRoutes } from './status';
import { utilityRoutes } from './utility';
import { valueRoutes } from './value';

export type { ApiDeps } from './shared';
export { liveRoutes } from './live';

/**
 * The API's routes, by resource, in the order the OpenAPI document lists them. Each module
 * declares its routes (route-spec.ts: `get`, `post`, `put`, `del`, `resource`); mountRoutes
 * (../mount-routes.ts) puts every one behind authentication, validation and, for state changes,
 * the audit trail. The live stream and metrics need the server's hub and registry: liveRoutes.
 */
export function apiRoutes(deps: ApiDeps, startedAt: number): RouteSpec[] {
  return [
    ...statusRoutes(deps, startedAt),
    ...pointRoutes(deps),
    ...reportRoutes(deps),
    ...plantRoutes(deps),
    ...alarmRoutes(deps),
    ...overrideRoutes(deps),
    ...modeRoutes(deps),
    ...utilityRoutes(deps),
    ...valueRoutes(deps),
    ...signalRoutes(deps),
    ...auditRoutes(deps),
  ];
}
