import { isoInZone, isoInZoneOrNull } from '../../util/site-time';
import { HOUR_MS } from '../../utility/plan';
import { parsePlan, type PlanContent } from '../../utility/plan-format';
import { formatProblems, type TableProblem } from '../../utility/table-text';
import { ApiError } from '../api-error';
import { changed, get, put, resource } from '../route-spec';
import * as U from '../utility-schemas';
import { statusInZone, utilityView, type UtilityDeps } from '../utility-view';
import { actorOf, partOf, type ApiDeps } from './shared';

/** The utility's plans, or 503 on a HeatBridge without them. */
const utilityOf = (deps: Pick<ApiDeps, 'utility'>): UtilityDeps =>
  partOf(deps.utility, 'day-ahead plans are not part of this HeatBridge (no utility section)');

/** A plan that does not parse: 400 with every problem, each named by its line or index. */
function invalidPlan(problems: readonly TableProblem[]): ApiError {
  return new ApiError(
    400,
    'invalid_request',
    `the plan is not valid (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${formatProblems(problems, 20).split('\n').join('; ')}`,
    problems.map((p) => ({
      path: `body: ${p.at}${p.field ? `, ${p.field}` : ''}`,
      message: p.message,
    })),
  );
}

/** The district-heating utility: its day-ahead plans, the connection mode and prices now. */
export const utilityRoutes = resource('utility', (deps: ApiDeps) => {
  const { site, now } = deps;
  const tz = site.site.timezone;
  return [
    get('/api/utility', 'read', {
      summary: 'The day-ahead plan around now, its status, connection mode and prices',
      description:
        'The plan’s hours from 24 h ago to 24 h ahead (the current one marked), the plan’s status and, when no plan covers now, why the controller falls back to its supply curve; the connection mode, the plan’s requested temperature and capacity, the heat and electricity prices now and the net value today and this month (each a point value with its quality).',
      response: U.utilitySchema,
      handle: () =>
        utilityView({
          utility: utilityOf(deps),
          defs: deps.defs,
          latest: (id) => deps.latest.get(id),
          now: now(),
          timeZone: tz,
        }),
    }),
    put('/api/utility/plan', 'utility', {
      summary: 'Publish a day-ahead plan (the utility’s role, or an engineer)',
      description:
        'CSV (`start,price_eur_per_mwh,supply_temp_c,capacity_kw,mode`, one line per hour) or JSON (`{ issued, hours: [{ start, priceEurPerMWh, supplyTempC, capacityKw, mode }] }`), at most api.maxBodyBytes. Checked whole: a plan with any problem is refused (400) with every problem, each naming its line (CSV) or index (JSON) and field; nothing is taken. Accepted, it replaces the hours it covers of earlier plans, is kept across restarts and is followed by the controller from the next cycle. Audited, naming the hours covered.',
      document: {
        types: ['text/csv', 'application/json'],
        schema: U.planJsonSchema,
        description: 'The plan, CSV or JSON (see docs/utility.md)',
      },
      response: U.planAcceptedSchema,
      audit: { action: 'plan-published', target: () => 'utility/plan' },
      handle: ({ body, req, principal }) => {
        const store = utilityOf(deps).plans;
        const format = req.is('application/json') ? 'json' : 'csv';
        const parsed = parsePlan(typeof body === 'string' ? body : '', format);
        if (!parsed.ok) throw invalidPlan(parsed.problems);
        const plan: PlanContent = parsed.value;
        const first = plan.hours[0]!.start;
        const last = plan.hours.at(-1)!.start + HOUR_MS;
        const t = now();
        const source = `api:${actorOf(principal).name}`;
        const change = store.accept({
          source,
          receivedAt: t,
          ...(plan.issuedAt !== undefined ? { issuedAt: plan.issuedAt } : {}),
          hours: plan.hours,
        });
        const span = `${isoInZone(first, tz)} – ${isoInZone(last, tz)}`;
        const hours = `${plan.hours.length} hour${plan.hours.length === 1 ? '' : 's'}`;
        return changed(
          {
            source,
            receivedAt: isoInZone(t, tz),
            issuedAt: isoInZoneOrNull(plan.issuedAt, tz),
            hours: plan.hours.length,
            from: isoInZone(first, tz),
            to: isoInZone(last, tz),
            accepted: change.accepted,
            keptNewer: change.keptNewer,
            outside: change.outside,
            status: statusInZone(store.status(t), tz),
          },
          {
            old: null,
            new: `${hours}, ${span}`,
            reason: `day-ahead plan (${format}${plan.issuedAt !== undefined ? `, issued ${isoInZone(plan.issuedAt, tz)}` : ''})`,
            // Hours a plan issued later already covers stay as they are: said, not hidden.
            ...(change.keptNewer > 0 || change.outside > 0
              ? {
                  result: `ok (${[
                    change.keptNewer > 0
                      ? `${change.keptNewer} of the hours kept from a plan issued later`
                      : '',
                    change.outside > 0
                      ? `${change.outside} of the hours not taken: more than 7 days past or 31 days ahead`
                      : '',
                  ]
                    .filter(Boolean)
                    .join('; ')})`,
                }
              : {}),
          },
        );
      },
    }),
  ];
});
