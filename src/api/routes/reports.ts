import { isPointId } from '../../domain/point-id';
import { energyReport } from '../../reporting/energy-report';
import { formatReport } from '../../reporting/format';
import { parseReportTime } from '../../reporting/time';
import { ApiError } from '../api-error';
import { get, resource } from '../route-spec';
import * as S from '../schemas';
import { historianOf, MAX_HISTORY_SPAN_MS, type ApiDeps } from './shared';

/** Reports made from the historian, as `heatbridge report` makes them. */
export const reportRoutes = resource('reports', (deps: ApiDeps) => {
  const { defs, site, now } = deps;
  return [
    get('/api/reports/energy', 'read', {
      summary: 'The energy-reuse report for a period (as `heatbridge report`)',
      description:
        'Heat delivered (from meter counters), heat-pump and dry-cooler electricity, SCOP, ERF, PUE (and the EnEfG variant), ERE, per day and for the period, with data coverage, gaps and resets; the EU (2024/1364) figures and the EnEfG §11/§17 sections. At most 400 days; format json (default), md or csv.',
      query: S.reportQuery,
      raw: { contentType: 'application/json' },
      handle: async ({ query, res }) => {
        const historian = historianOf(deps);
        const tz = site.site.timezone;
        const from = parseReportTime(query.from!, tz);
        const to = parseReportTime(query.to!, tz);
        if (
          from === undefined ||
          to === undefined ||
          !(from < to) ||
          to - from > MAX_HISTORY_SPAN_MS
        )
          throw new ApiError(
            400,
            'invalid_request',
            'from and to: dates (YYYY-MM-DD) or ISO times, from before to, at most 400 days apart',
            [{ path: 'query.from', message: 'invalid range' }],
          );
        let report;
        try {
          report = await energyReport(
            site,
            (id, a, b) => {
              const def = isPointId(id) ? defs.get(id) : undefined;
              if (!def) return Promise.reject(new Error(`no point ${id}`));
              return historian.query(def, a, b);
            },
            from,
            to,
            { now: now() },
          );
        } catch (err) {
          throw new ApiError(
            503,
            'unavailable',
            'the report could not be made from the historian; see the HeatBridge log',
            undefined,
            (err as Error).message,
          );
        }
        const format = (query.format ?? 'json') as 'json' | 'md' | 'csv';
        res.type(
          format === 'json' ? 'application/json' : format === 'md' ? 'text/markdown' : 'text/csv',
        );
        res.send(formatReport(report, format));
      },
    }),
  ];
});
