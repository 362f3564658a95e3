import { CONTRACT_MODES, PLAN_LIMITS, type ContractMode, type PlanHour } from './plan';
import {
  checkColumns,
  parseCellNumber,
  parseInstant,
  rangeProblem,
  readCsv,
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
  const f =
    format ??
    (text
      .replace(/^\uFEFF/, '')
      .trimStart()
      .startsWith('{')
      ? 'json'
      : 'csv');
  return f === 'json' ? parsePlanJson(text) : parsePlanCsv(text);
}

const CSV_REQUIRED = ['start', 'mode'] as const;
const CSV_OPTIONAL = ['price_eur_per_mwh', 'supply_temp_c', 'capacity_kw'] as const;

export function parsePlanCsv(text: string): Parsed<PlanContent> {
  const { table, problems } = readCsv(text);
  problems.push(...checkColumns(table.columns, CSV_REQUIRED, CSV_OPTIONAL));
  const hours: PlanHour[] = [];
  const seen = new Map<number, string>();
  for (const row of table.rows) {
    const at = `line ${row.line}`;
    const cell = (c: string): string => row.cells.get(c) ?? '';
    const num = (c: string): number | undefined => {
      const v = parseCellNumber(cell(c), table.decimalComma);
      if (typeof v === 'string') {
        problems.push({ at, field: c, message: v });
        return undefined;
      }
      return v;
    };
    const hour = checkHour(
      {
        start: cell('start'),
        priceEurPerMWh: num('price_eur_per_mwh'),
        supplyTempC: num('supply_temp_c'),
        capacityKw: num('capacity_kw'),
        mode: cell('mode') === '' ? undefined : cell('mode'),
      },
      at,
      CSV_NAMES,
      seen,
      problems,
    );
    if (hour) hours.push(hour);
  }
  return finish(hours, undefined, problems);
}

const JSON_HOUR_KEYS = ['start', 'priceEurPerMWh', 'supplyTempC', 'capacityKw', 'mode'];

export function parsePlanJson(text: string): Parsed<PlanContent> {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    return {
      ok: false,
      problems: [{ at: 'document', message: `not valid JSON: ${(err as Error).message}` }],
    };
  }
  const problems: TableProblem[] = [];
  if (!isRecord(doc) || !Array.isArray(doc.hours)) {
    return {
      ok: false,
      problems: [{ at: 'document', message: 'expected an object { "issued": …, "hours": [ … ] }' }],
    };
  }
  for (const key of Object.keys(doc))
    if (key !== 'issued' && key !== 'hours')
      problems.push({
        at: 'document',
        field: key,
        message: 'unknown field (expected issued, hours)',
      });
  let issuedAt: number | undefined;
  if (doc.issued !== undefined && doc.issued !== null) {
    const t =
      typeof doc.issued === 'string' ? parseInstant(doc.issued) : 'expected an ISO 8601 time';
    if (typeof t === 'string') problems.push({ at: 'document', field: 'issued', message: t });
    else issuedAt = t;
  }
  const hours: PlanHour[] = [];
  const seen = new Map<number, string>();
  doc.hours.forEach((h: unknown, i: number) => {
    const at = `hours[${i}]`;
    if (!isRecord(h)) {
      problems.push({ at, message: 'expected an object { "start": …, "mode": …, … }' });
      return;
    }
    for (const key of Object.keys(h))
      if (!JSON_HOUR_KEYS.includes(key))
        problems.push({
          at,
          field: key,
          message: `unknown field (expected ${JSON_HOUR_KEYS.join(', ')})`,
        });
    const num = (key: string): number | undefined => {
      const v = h[key];
      if (v === undefined || v === null) return undefined;
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      problems.push({ at, field: key, message: `expected a number, found ${JSON.stringify(v)}` });
      return undefined;
    };
    const hour = checkHour(
      {
        start: h.start,
        priceEurPerMWh: num('priceEurPerMWh'),
        supplyTempC: num('supplyTempC'),
        capacityKw: num('capacityKw'),
        mode: h.mode ?? undefined,
      },
      at,
      JSON_NAMES,
      seen,
      problems,
    );
    if (hour) hours.push(hour);
  });
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

interface RawHour {
  start: unknown;
  priceEurPerMWh: number | undefined;
  supplyTempC: number | undefined;
  capacityKw: number | undefined;
  mode: unknown;
}

/** One hour checked the same way whichever format it came in; problems are added, not thrown. */
function checkHour(
  raw: RawHour,
  at: string,
  names: FieldNames,
  seen: Map<number, string>,
  problems: TableProblem[],
): PlanHour | undefined {
  const before = problems.length;
  let start: number | undefined;
  if (typeof raw.start !== 'string' || raw.start.trim() === '') {
    problems.push({ at, field: names.start, message: 'missing: expected the hour’s start time' });
  } else {
    const t = parseInstant(raw.start);
    if (typeof t === 'string') problems.push({ at, field: names.start, message: t });
    else if (t % 3_600_000 !== 0)
      problems.push({
        at,
        field: names.start,
        message: `${raw.start} is not the start of an hour`,
      });
    else if (seen.has(t))
      problems.push({
        at,
        field: names.start,
        message: `this hour is already given at ${seen.get(t)}`,
      });
    else {
      seen.set(t, at);
      start = t;
    }
  }
  const ranged = (key: 'priceEurPerMWh' | 'supplyTempC' | 'capacityKw', unit: string): void => {
    const v = raw[key];
    const problem = v === undefined ? undefined : rangeProblem(v, PLAN_LIMITS[key], unit);
    if (problem) problems.push({ at, field: names[key], message: problem });
  };
  ranged('priceEurPerMWh', 'EUR/MWh');
  ranged('supplyTempC', '°C');
  ranged('capacityKw', 'kW');
  const mode = raw.mode;
  if (mode === undefined || mode === '')
    problems.push({
      at,
      field: names.mode,
      message: `missing: expected ${CONTRACT_MODES.join(' or ')}`,
    });
  else if (!(CONTRACT_MODES as readonly unknown[]).includes(mode))
    problems.push({
      at,
      field: names.mode,
      message: `expected ${CONTRACT_MODES.join(' or ')}, found ${JSON.stringify(mode)}`,
    });
  if (problems.length > before || start === undefined) return undefined;
  return {
    start,
    ...(raw.priceEurPerMWh !== undefined ? { priceEurPerMWh: raw.priceEurPerMWh } : {}),
    ...(raw.supplyTempC !== undefined ? { supplyTempC: raw.supplyTempC } : {}),
    ...(raw.capacityKw !== undefined ? { capacityKw: raw.capacityKw } : {}),
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
  if (problems.length > 0) return { ok: false, problems };
  hours.sort((a, b) => a.start - b.start);
  return { ok: true, value: { ...(issuedAt !== undefined ? { issuedAt } : {}), hours } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
