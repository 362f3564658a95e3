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
    problems.push({ at: 'line 1', message: 'the file is empty: expected a header line' });
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
