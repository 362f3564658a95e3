import { CONTRACT_MODES, HOUR_MS, PLAN_LIMITS, type ContractMode, type PlanHour } from './plan';
import {
  csvRecords,
  formatOfText,
  inFileOrder,
  issuedOf,
  jsonRecords,
  rangeProblem,
  readStart,
  reported,
  type FieldReader,
  type Parsed,
  type TableProblem,
} from './table-text';

/**
 * The two formats a day-ahead plan arrives in. CSV, one line per hour:
 *
 *     start,price_eur_per_mwh,supply_temp_c,capacity_kw,mode
 *     2026-01-15T00:00:00+01:00,42.5,95,1800,on-demand
 *
 * and JSON, `{ "issued": ISO, "hours": [{ "start", "priceEurPerMWh", "supplyTempC",
 * "capacityKw", "mode" }] }`. Price, temperature and capacity may be empty (CSV) or absent / null
 * (JSON). Every problem is reported, each with its line or index and field, so a utility fixes a
 * file in one go.
 */

export interface PlanContent {
  issuedAt?: number;
  hours: PlanHour[];
}

export type PlanFormat = 'csv' | 'json';

/** Reads a plan in either format (JSON when the text starts with `{`, if the format is not given). */
export function parsePlan(text: string, format?: PlanFormat): Parsed<PlanContent> {
  return formatOfText(text, format) === 'json' ? parsePlanJson(text) : parsePlanCsv(text);
}

const CSV_REQUIRED = ['start', 'mode'] as const;
const CSV_OPTIONAL = ['price_eur_per_mwh', 'supply_temp_c', 'capacity_kw'] as const;

export function parsePlanCsv(text: string): Parsed<PlanContent> {
  const { records, problems } = csvRecords(text, CSV_REQUIRED, CSV_OPTIONAL);
  return planOf(records, CSV_NAMES, undefined, problems);
}

const JSON_HOUR_KEYS = ['start', 'priceEurPerMWh', 'supplyTempC', 'capacityKw', 'mode'];

export function parsePlanJson(text: string): Parsed<PlanContent> {
  const r = jsonRecords(text, 'hours', ['issued'], JSON_HOUR_KEYS);
  if ('ok' in r) return r;
  const { doc, records, problems } = r;
  const issuedAt = issuedOf(doc, problems);
  return planOf(records, JSON_NAMES, issuedAt, problems);
}

function planOf(
  records: readonly FieldReader[],
  names: FieldNames,
  issuedAt: number | undefined,
  problems: TableProblem[],
): Parsed<PlanContent> {
  const hours: PlanHour[] = [];
  const seen = new Map<number, string>();
  for (const rec of records) {
    const hour = checkHour(rec, names, seen, problems);
    if (hour) hours.push(hour);
  }
  return finish(hours, issuedAt, problems);
}

interface FieldNames {
  start: string;
  priceEurPerMWh: string;
  supplyTempC: string;
  capacityKw: string;
  mode: string;
}
const CSV_NAMES: FieldNames = {
  start: 'start',
  priceEurPerMWh: 'price_eur_per_mwh',
  supplyTempC: 'supply_temp_c',
  capacityKw: 'capacity_kw',
  mode: 'mode',
};
const JSON_NAMES: FieldNames = {
  start: 'start',
  priceEurPerMWh: 'priceEurPerMWh',
  supplyTempC: 'supplyTempC',
  capacityKw: 'capacityKw',
  mode: 'mode',
};

/** One hour checked the same way whichever format it came in; problems are added, not thrown. */
function checkHour(
  rec: FieldReader,
  names: FieldNames,
  seen: Map<number, string>,
  problems: TableProblem[],
): PlanHour | undefined {
  const { at } = rec;
  const before = problems.length;
  const values = {
    priceEurPerMWh: rec.num(names.priceEurPerMWh),
    supplyTempC: rec.num(names.supplyTempC),
    capacityKw: rec.num(names.capacityKw),
  };
  const start = readStart(
    rec,
    names.start,
    { ms: HOUR_MS, what: 'an hour', noun: 'hour' },
    seen,
    problems,
  );
  const units = { priceEurPerMWh: 'EUR/MWh', supplyTempC: '°C', capacityKw: 'kW' } as const;
  for (const key of Object.keys(units) as (keyof typeof units)[]) {
    const v = values[key];
    const problem = v === undefined ? undefined : rangeProblem(v, PLAN_LIMITS[key], units[key]);
    if (problem) problems.push({ at, field: names[key], message: problem });
  }
  const mode = rec.text(names.mode);
  if (mode === undefined) {
    if (!reported(problems, at, names.mode))
      problems.push({
        at,
        field: names.mode,
        message: `missing: expected ${CONTRACT_MODES.join(' or ')}`,
      });
  } else if (!(CONTRACT_MODES as readonly string[]).includes(mode))
    problems.push({
      at,
      field: names.mode,
      message: `expected ${CONTRACT_MODES.join(' or ')}, found ${JSON.stringify(mode)}`,
    });
  if (problems.length > before || start === undefined) return undefined;
  return {
    start,
    ...(values.priceEurPerMWh !== undefined ? { priceEurPerMWh: values.priceEurPerMWh } : {}),
    ...(values.supplyTempC !== undefined ? { supplyTempC: values.supplyTempC } : {}),
    ...(values.capacityKw !== undefined ? { capacityKw: values.capacityKw } : {}),
    mode: mode as ContractMode,
  };
}

function finish(
  hours: PlanHour[],
  issuedAt: number | undefined,
  problems: TableProblem[],
): Parsed<PlanContent> {
  if (problems.length === 0 && hours.length === 0)
    problems.push({ at: 'document', message: 'the plan has no hours' });
  if (hours.length > PLAN_LIMITS.maxHours)
    problems.push({
      at: 'document',
      message: `${hours.length} hours: a plan may cover at most ${PLAN_LIMITS.maxHours} (31 days)`,
    });
  if (problems.length > 0) return { ok: false, problems: inFileOrder(problems) };
  hours.sort((a, b) => a.start - b.start);
  return { ok: true, value: { ...(issuedAt !== undefined ? { issuedAt } : {}), hours } };
}
