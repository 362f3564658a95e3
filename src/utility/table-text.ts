/**
 * Reading the text a utility or a market exports: CSV as spreadsheets and utility systems write
 * it (a byte-order mark, Windows line endings, `;` as the separator with a decimal comma, as
 * European exports often do), ISO 8601 times with an offset, and problems that say where.
 * Shared by the plan and the price formats so both read the same files the same way.
 */

/** One problem in a file: where (`line 4`, `hours[2]`, `header`), which field, what is wrong. */
export interface TableProblem {
  at: string;
  field?: string;
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: TableProblem[] };

/** In file order: the document and its header first, then by line or index (stable within one). */
export function inFileOrder(problems: readonly TableProblem[]): TableProblem[] {
  const rank = (p: TableProblem): number => {
    const m = /(\d+)\]?$/.exec(p.at);
    return m ? Number(m[1]) : -1;
  };
  return [...problems].sort((a, b) => rank(a) - rank(b));
}

/** `line 4, supply_temp_c: expected …` — one line per problem, the first `max` of them. */
export function formatProblems(problems: readonly TableProblem[], max = 50): string {
  const lines = problems
    .slice(0, max)
    .map((p) => `${p.at}${p.field ? `, ${p.field}` : ''}: ${p.message}`);
  if (problems.length > max) lines.push(`… and ${problems.length - max} more`);
  return lines.join('\n');
}

export interface CsvRow {
  /** 1-based line number in the file, for messages. */
  line: number;
  /** Cell text by (lower-cased) column name, trimmed. */
  cells: Map<string, string>;
}

export interface CsvTable {
  columns: string[];
  rows: CsvRow[];
  /** `;`-separated files write numbers with a decimal comma. */
  decimalComma: boolean;
}

/**
 * Splits CSV text into rows keyed by the header's column names. Blank lines and lines starting
 * with `#` are skipped. Quoted cells (`"…"`, `""` for a quote) are read; a cell never spans
 * lines (no export of these formats needs that). The separator is `,` unless the header has `;`
 * and no `,`.
 */
export function readCsv(text: string): { table: CsvTable; problems: TableProblem[] } {
  const problems: TableProblem[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  let headerIndex = lines.findIndex((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (headerIndex < 0) {
    problems.push({ at: 'document', message: 'the file is empty: expected a header line' });
    headerIndex = lines.length;
  }
  const headerLine = lines[headerIndex] ?? '';
  const sep = headerLine.includes(';') && !headerLine.includes(',') ? ';' : ',';
  const columns = splitLine(headerLine, sep).map((c) => c.trim().toLowerCase());
  const rows: CsvRow[] = [];
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    const line = i + 1;
    const values = splitLine(raw, sep);
    if (values.length !== columns.length) {
      problems.push({
        at: `line ${line}`,
        message: `expected ${columns.length} cells (as the header has), found ${values.length}`,
      });
      continue;
    }
    rows.push({ line, cells: new Map(columns.map((c, k) => [c, values[k]!.trim()])) });
  }
  return { table: { columns, rows, decimalComma: sep === ';' }, problems };
}

function splitLine(line: string, sep: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell.trim() === '') {
      quoted = true;
      cell = '';
    } else if (ch === sep) {
      out.push(cell);
      cell = '';
    } else cell += ch;
  }
  out.push(cell);
  return out;
}

/**
 * Checks the header: every required column present, none unknown (a misspelt column would
 * otherwise be silently ignored), none twice.
 */
export function checkColumns(
  columns: readonly string[],
  required: readonly string[],
  optional: readonly string[],
): TableProblem[] {
  const problems: TableProblem[] = [];
  const known = [...required, ...optional];
  const expected = `expected columns ${required.join(',')}${optional.length ? ` (optional: ${optional.join(', ')})` : ''}`;
  for (const r of required)
    if (!columns.includes(r))
      problems.push({ at: 'header', field: r, message: `missing column; ${expected}` });
  columns.forEach((c, i) => {
    if (c === '') return;
    if (!known.includes(c))
      problems.push({ at: 'header', field: c, message: `unknown column; ${expected}` });
    else if (columns.indexOf(c) !== i)
      problems.push({ at: 'header', field: c, message: 'column given twice' });
  });
  return problems;
}

/**
 * An instant from ISO 8601 text with an offset or `Z` (`2026-01-15T14:00:00+01:00`; a space for
 * the `T` as exports write it). A local time without an offset is refused: on the night clocks
 * go back it names two different hours.
 */
export function parseInstant(text: string): number | string {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)$/i.exec(
      text.trim(),
    );
  if (!m) {
    return /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text.trim())
      ? 'expected a time with its UTC offset or Z (a local time is ambiguous when clocks change), e.g. 2026-01-15T14:00:00+01:00'
      : 'expected an ISO 8601 time with offset, e.g. 2026-01-15T14:00:00+01:00';
  }
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const fields = [+mo!, +d!, +h!, +mi!, +(s ?? 0)];
  if (
    fields[0]! < 1 ||
    fields[0]! > 12 ||
    fields[1]! < 1 ||
    fields[1]! > 31 ||
    fields[2]! > 23 ||
    fields[3]! > 59 ||
    fields[4]! > 59
  )
    return `not a valid date and time: "${text.trim()}"`;
  let offsetMin = 0;
  if (zone!.toUpperCase() !== 'Z') {
    const digits = zone!.replace(':', '');
    offsetMin =
      (digits[0] === '-' ? -1 : 1) * (+digits.slice(1, 3) * 60 + +(digits.slice(3, 5) || 0));
  }
  const utc = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +(s ?? 0), Math.round(+(frac ?? 0) * 1000));
  const check = new Date(Date.UTC(+y!, +mo! - 1, +d!));
  if (check.getUTCDate() !== +d!) return `not a valid date: "${text.trim()}"`;
  return utc - offsetMin * 60_000;
}

/**
 * A number from a cell: `12.5`, or `12,5` in a `;`-separated file. Empty: undefined. Text that
 * is not a number: the problem.
 */
export function parseCellNumber(text: string, decimalComma: boolean): number | undefined | string {
  const t = text.trim();
  if (t === '') return undefined;
  const normal = decimalComma ? t.replace(',', '.') : t;
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(normal))
    return `expected a number${decimalComma ? ' (decimal comma or point)' : ''}, found "${t}"`;
  return Number(normal);
}

/** A problem if `v` lies outside [min, max], in the field's unit. */
export function rangeProblem(
  v: number,
  limits: { min: number; max: number },
  unit: string,
): string | undefined {
  return v < limits.min || v > limits.max
    ? `${v} is outside ${limits.min}…${limits.max} ${unit}`
    : undefined;
}

/** One row (CSV) or item (JSON) whose fields a format's checker reads, problems named at `at`. */
export interface FieldReader {
  at: string;
  /** The field's text; undefined when empty or absent. */
  text(field: string): string | undefined;
  /** The field as a number; undefined when empty or absent, or not a number (then reported). */
  num(field: string): number | undefined;
}

/** Was a problem already reported for this row's field (so "missing" is not said as well)? */
export function reported(problems: readonly TableProblem[], at: string, field: string): boolean {
  return problems.some((p) => p.at === at && p.field === field);
}

/** JSON when the text starts with `{`, unless the format is given. */
export function formatOfText(text: string, format?: 'csv' | 'json'): 'csv' | 'json' {
  return (
    format ??
    (text
      .replace(/^\uFEFF/, '')
      .trimStart()
      .startsWith('{')
      ? 'json'
      : 'csv')
  );
}

/** The rows of a CSV text with a checked header, each as a FieldReader. */
export function csvRecords(
  text: string,
  required: readonly string[],
  optional: readonly string[],
): { records: FieldReader[]; problems: TableProblem[] } {
  const { table, problems } = readCsv(text);
  // An empty file has no header to check: that it is empty says it all.
  const empty = table.columns.length === 1 && table.columns[0] === '';
  if (!empty) problems.push(...checkColumns(table.columns, required, optional));
  const records = table.rows.map((row): FieldReader => {
    const at = `line ${row.line}`;
    const text = (field: string): string | undefined => {
      const v = row.cells.get(field);
      return v === undefined || v === '' ? undefined : v;
    };
    return {
      at,
      text,
      num: (field) => {
        const v = parseCellNumber(text(field) ?? '', table.decimalComma);
        if (typeof v !== 'string') return v;
        problems.push({ at, field, message: v });
        return undefined;
      },
    };
  });
  return { records, problems };
}

/**
 * The items of a JSON document's list `listKey` (`{ "hours": [...] }`), each as a FieldReader;
 * unknown keys of the document and of each item are reported. Undefined records: the document
 * itself is unusable (its problem reported).
 */
export function jsonRecords(
  text: string,
  listKey: string,
  topKeys: readonly string[],
  itemKeys: readonly string[],
):
  | { doc: Record<string, unknown>; records: FieldReader[]; problems: TableProblem[] }
  | Parsed<never> {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    return {
      ok: false,
      problems: [{ at: 'document', message: `not valid JSON: ${(err as Error).message}` }],
    };
  }
  const list = isRecord(doc) ? doc[listKey] : undefined;
  if (!isRecord(doc) || !Array.isArray(list))
    return {
      ok: false,
      problems: [{ at: 'document', message: `expected an object { "${listKey}": [ … ] }` }],
    };
  const problems: TableProblem[] = [];
  const unknown = (rec: Record<string, unknown>, at: string, known: readonly string[]): void => {
    for (const key of Object.keys(rec))
      if (!known.includes(key))
        problems.push({ at, field: key, message: `unknown field (expected ${known.join(', ')})` });
  };
  unknown(doc, 'document', [listKey, ...topKeys]);
  const records: FieldReader[] = [];
  list.forEach((item: unknown, i: number) => {
    const at = `${listKey}[${i}]`;
    if (!isRecord(item)) {
      problems.push({ at, message: `expected an object with ${itemKeys.join(', ')}` });
      return;
    }
    unknown(item, at, itemKeys);
    records.push(jsonReader(item, at, problems));
  });
  return { doc, records, problems };
}

/** A JSON document's optional `issued` time (ISO 8601): epoch ms, or undefined with its problem. */
export function issuedOf(
  doc: Record<string, unknown>,
  problems: TableProblem[],
): number | undefined {
  const issued = jsonReader(doc, 'document', problems).text('issued');
  if (issued === undefined) return undefined;
  const t = parseInstant(issued);
  if (typeof t !== 'string') return t;
  problems.push({ at: 'document', field: 'issued', message: t });
  return undefined;
}

/** A JSON object's fields as a FieldReader (null counts as absent). */
export function jsonReader(
  rec: Record<string, unknown>,
  at: string,
  problems: TableProblem[],
): FieldReader {
  const typed = (field: string, type: 'string' | 'number'): unknown => {
    const v = rec[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v === type && (type === 'string' || Number.isFinite(v))) return v;
    problems.push({
      at,
      field,
      message: `expected a ${type === 'string' ? 'text' : 'number'}, found ${JSON.stringify(v)}`,
    });
    return undefined;
  };
  return {
    at,
    text: (field) => typed(field, 'string') as string | undefined,
    num: (field) => typed(field, 'number') as number | undefined,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A row's start time: present, ISO 8601 with offset, on a whole `stepMs` (an hour, a quarter
 * hour), and not given twice (`seen` remembers where each was). Undefined after a problem.
 */
export function readStart(
  rec: FieldReader,
  field: string,
  step: { ms: number; what: string; noun: string },
  seen: Map<number, string>,
  problems: TableProblem[],
): number | undefined {
  const { at } = rec;
  const raw = rec.text(field);
  let problem: string | undefined;
  let t: number | string | undefined;
  if (raw === undefined) {
    if (!reported(problems, at, field)) problem = 'missing: expected the start time';
  } else {
    t = parseInstant(raw);
    if (typeof t === 'string') problem = t;
    else if (t % step.ms !== 0) problem = `${raw} is not the start of ${step.what}`;
    else if (seen.has(t)) problem = `this ${step.noun} is already given at ${seen.get(t)}`;
  }
  if (problem) problems.push({ at, field, message: problem });
  if (problem || typeof t !== 'number') return undefined;
  seen.set(t, at);
  return t;
}
