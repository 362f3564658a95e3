import type { z } from 'zod';
import { atResolution } from '../../domain/resolution';
import type { Unit } from '../../domain/units';
import { parseReportTime } from '../../reporting/time';
import { isoInZone } from '../../util/site-time';
import { ApiError } from '../api-error';
import { get, resource } from '../route-spec';
import * as U from '../utility-schemas';
import type { ValueBucket } from '../../utility/value-book';
import type { BucketSize } from '../../utility/value';
import type { ValueDeps } from '../utility-view';
import { partOf, type ApiDeps } from './shared';

const DAY_MS = 86_400_000;

/** How far back a query reaches by default, and at most, per bucket size. */
const SPAN: Record<BucketSize, { defaultMs: number; maxMs: number; max: string }> = {
  hour: { defaultMs: 2 * DAY_MS, maxMs: 31 * DAY_MS, max: '31 days' },
  day: { defaultMs: 31 * DAY_MS, maxMs: 400 * DAY_MS, max: '400 days' },
  month: { defaultMs: 366 * DAY_MS, maxMs: 3660 * DAY_MS, max: '10 years' },
};

/** What a bucket gives, each at its resolution: energies to the kWh, money to the cent. */
const FIGURES = {
  heatMWh: 'MWh',
  electricityMWh: 'MWh',
  revenueEur: 'EUR',
  costEur: 'EUR',
  netEur: 'EUR',
  unpricedHours: 'ratio',
  gapHours: 'ratio',
} as const satisfies Partial<Record<keyof ValueBucket, Unit>>;
type Figures = Record<keyof typeof FIGURES, number>;
const NAMES = Object.keys(FIGURES) as (keyof typeof FIGURES)[];

function atResolutions(b: Figures): Figures {
  return Object.fromEntries(
    NAMES.map((k) => [k, atResolution(b[k], { unit: FIGURES[k] })]),
  ) as Figures;
}

const valueOf = (deps: Pick<ApiDeps, 'value'>): ValueDeps =>
  partOf(deps.value, 'value is not kept by this HeatBridge (configure utility.value)');

/** A time the query gave: a date (local midnight) or an ISO time; 400 naming it otherwise. */
function boundary(text: string | undefined, tz: string, name: string): number | undefined {
  if (text === undefined) return undefined;
  const t = parseReportTime(text, tz);
  if (t === undefined)
    throw new ApiError(400, 'invalid_request', `${name}: expected YYYY-MM-DD or an ISO 8601 time`, [
      { path: `query.${name}`, message: 'expected YYYY-MM-DD or an ISO 8601 time' },
    ]);
  return t;
}

/** What the heat earned and the heat pumps' electricity cost, per hour, day or month. */
export const valueRoutes = resource('utility', (deps: ApiDeps) => {
  const { site, now } = deps;
  const tz = site.site.timezone;
  return [
    get('/api/value', 'read', {
      summary: 'Heat revenue, electricity cost and net value per hour, day or month',
      description:
        'From the value ledger, in the site’s time zone (days and months start at local midnight). Heat at the utility’s meter valued at the plan’s price (or the price model’s), the heat pumps’ electricity at the spot price; an hour without a price counts its energy but not its value (`unpricedHours`). At most 31 days by hour, 400 days by day, 10 years by month.',
      query: U.valueQuery,
      response: U.valueSchema,
      handle: ({ query }): z.infer<typeof U.valueSchema> => {
        const ledger = valueOf(deps);
        const by = (query.by ?? 'day') as BucketSize;
        const span = SPAN[by];
        const to = boundary(query.to, tz, 'to') ?? now();
        const from = boundary(query.from, tz, 'from') ?? to - span.defaultMs;
        if (!(from < to) || to - from > span.maxMs)
          throw new ApiError(
            400,
            'invalid_request',
            `from and to: from before to, at most ${span.max} apart by ${by}`,
            [{ path: 'query.from', message: 'invalid range' }],
          );
        const buckets = ledger.buckets(by, from, to);
        const totals = Object.fromEntries(
          NAMES.map((k) => [k, buckets.reduce((sum, b) => sum + b[k], 0)]),
        ) as Figures;
        return {
          by,
          from: isoInZone(from, tz),
          to: isoInZone(to, tz),
          currency: 'EUR',
          buckets: buckets.map((b) => ({ start: isoInZone(b.startMs, tz), ...atResolutions(b) })),
          totals: atResolutions(totals),
        };
      },
    }),
  ];
});
