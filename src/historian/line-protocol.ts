/**
 * InfluxDB line protocol, written and read back (the file historian and `historian replay` read
 * their own files). One record per line:
 *
 *   measurement,tag=value,tag=value field=1.5,state="text" 1700000000000000000
 *
 * Timestamps are nanoseconds, the protocol's default, so files import into InfluxDB as they are.
 */

export type FieldValue = number | boolean | string;

export interface LineRecord {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, FieldValue>;
  /** Milliseconds since the Unix epoch. */
  time: number;
}

/** InfluxDB's limit for a string field value is 64 KiB. */
export const MAX_STRING_BYTES = 64 * 1024;

export class LineError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

// InfluxDB keeps backslashes in names and tags literally (it only unescapes "\,", "\=" and "\ "),
// but unescapes "\\" and "\"" in string field values.
const escapeMeasurement = (s: string): string => s.replace(/[, ]/g, (c) => `\\${c}`);
const escapeKey = (s: string): string => s.replace(/[,= ]/g, (c) => `\\${c}`);
const escapeString = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

function checkText(what: string, s: string): void {
  // A newline would end the line early: the rest would be a corrupt line of its own.
  if (/[\r\n]/.test(s)) throw new LineError(`${what} contains a line break`);
}

/**
 * Names and tags keep backslashes literally, so one before a separator (or at the end, before the
 * next one) would turn into an escape: refused rather than guessed.
 */
function checkName(what: string, s: string): void {
  checkText(what, s);
  if (/\\(?=[,= ]|$)/.test(s)) throw new LineError(`${what} has a backslash before a separator`);
}

/**
 * Encodes one record. Throws LineError (never writes a line InfluxDB would reject, which would
 * fail the whole batch it is in): non-finite numbers, line breaks in names, tags or values,
 * strings over 64 KiB, a record without fields.
 */
export function encodeLine(r: LineRecord): string {
  let fields = '';
  for (const key in r.fields) {
    const value = r.fields[key]!;
    checkName(`field ${key}`, key);
    let encoded: string;
    if (typeof value === 'number') {
      if (!Number.isFinite(value))
        throw new LineError(`field ${key} is ${value}, not a finite number`);
      // Always floats (no `i` suffix): a field's type must not change between lines, and
      // "1" and "1.5" are both floats to InfluxDB.
      encoded = String(value);
    } else if (typeof value === 'boolean') {
      encoded = value ? 'true' : 'false';
    } else {
      if (Buffer.byteLength(value, 'utf8') > MAX_STRING_BYTES) {
        throw new LineError(`field ${key} is longer than 64 KiB`);
      }
      checkText(`field ${key}`, value);
      encoded = `"${escapeString(value)}"`;
    }
    fields += `${fields ? ',' : ''}${escapeKey(key)}=${encoded}`;
  }
  if (!fields) throw new LineError('no fields');
  if (!Number.isFinite(r.time)) throw new LineError('no valid time');
  const ms = Math.round(r.time);
  // Nanoseconds: whole milliseconds followed by six zeros (a BigInt per line showed in profiles).
  return `${seriesKey(r)} ${fields} ${ms === 0 ? '0' : `${ms}000000`}`;
}

/**
 * The escaped `measurement,tag=value,…` of a record, checked once per series and then cached: a
 * point's tags hardly change, and escaping them for every sample was the historian's largest
 * cost in the ingest benchmark (docs/performance.md).
 */
const seriesKeys = new Map<string, string>();
const SERIES_CACHE_MAX = 100_000;

/** Series keys of frozen tag objects (sampleRecord's), found without building a lookup key. */
const frozenSeriesKeys = new WeakMap<object, { measurement: string; key: string }>();

/**
 * The escaped series key of a measurement and a frozen tag object (cached with the object): the
 * historian's per-point line prefix is built from it once.
 */
export function frozenSeriesKey(
  measurement: string,
  tags: Readonly<Record<string, string>>,
): string {
  return seriesKey({ measurement, tags });
}

function seriesKey(r: Pick<LineRecord, 'measurement' | 'tags'>): string {
  const frozen = Object.isFrozen(r.tags);
  if (frozen) {
    const hit = frozenSeriesKeys.get(r.tags);
    if (hit?.measurement === r.measurement) return hit.key;
  }
  const key = stringKeyedSeriesKey(r);
  if (frozen) frozenSeriesKeys.set(r.tags, { measurement: r.measurement, key });
  return key;
}

function stringKeyedSeriesKey(r: Pick<LineRecord, 'measurement' | 'tags'>): string {
  let cacheKey: string | undefined = r.measurement;
  for (const key in r.tags) {
    const value = r.tags[key]!;
    // The separators below cannot appear in a key that is cached.
    if (key.includes('\u0000') || value.includes('\u0000')) {
      cacheKey = undefined;
      break;
    }
    cacheKey += `\u0000${key}\u0000${value}`;
  }
  const hit = cacheKey === undefined ? undefined : seriesKeys.get(cacheKey);
  if (hit !== undefined) return hit;
  if (!r.measurement) throw new LineError('empty measurement');
  checkName('the measurement', r.measurement);
  let out = escapeMeasurement(r.measurement);
  for (const key of Object.keys(r.tags).sort()) {
    const value = r.tags[key]!;
    // InfluxDB drops empty tag values; leaving them out keeps the line valid.
    if (value === '') continue;
    checkName(`tag ${key}`, key);
    checkName(`tag ${key}`, value);
    out += `,${escapeKey(key)}=${escapeKey(value)}`;
  }
  if (cacheKey !== undefined) {
    if (seriesKeys.size >= SERIES_CACHE_MAX) seriesKeys.clear();
    seriesKeys.set(cacheKey, out);
  }
  return out;
}

/**
 * Splits on `sep` outside quotes and not escaped. A backslash escapes only what line protocol
 * escapes: `,` `=` and space outside quotes, `"` and `\\` inside them.
 */
function splitUnescaped(s: string, sep: string, quotes: boolean): string[] {
  const parts: string[] = [];
  let cur = '';
  let inQuotes = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const next = s[i + 1];
    if (
      c === '\\' &&
      next !== undefined &&
      (inQuotes ? next === '"' || next === '\\' : ',= '.includes(next))
    ) {
      cur += c + next;
      i++;
      continue;
    }
    if (quotes && c === '"') inQuotes = !inQuotes;
    if (c === sep && !inQuotes) {
      parts.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  return parts;
}

/** Names, tags and field keys: only "\,", "\=" and "\ " are escapes. */
const unescape = (s: string): string => s.replace(/\\([,= ])/g, '$1');

/** Parses a line written by `encodeLine` (and ordinary line protocol). Throws LineError. */
export function parseLine(line: string): LineRecord {
  const sections = splitUnescaped(line, ' ', true);
  if (sections.length < 2 || sections.length > 3)
    throw new LineError(`not a line of line protocol: ${line.slice(0, 80)}`);
  const [head, fieldText, timeText] = sections as [string, string, string | undefined];
  const [measurement, ...tagParts] = splitUnescaped(head, ',', false);
  const tags: Record<string, string> = {};
  for (const t of tagParts) {
    const [k, v] = splitUnescaped(t, '=', false);
    if (k === undefined || v === undefined) throw new LineError(`bad tag "${t}"`);
    tags[unescape(k)] = unescape(v);
  }
  const fields: Record<string, FieldValue> = {};
  for (const f of splitUnescaped(fieldText, ',', true)) {
    const eq = splitUnescaped(f, '=', true);
    const k = eq[0];
    const v = eq.slice(1).join('=');
    if (k === undefined || v === '') throw new LineError(`bad field "${f}"`);
    fields[unescape(k)] = parseFieldValue(v);
  }
  const time = timeText === undefined ? Date.now() : Number(BigInt(timeText) / 1_000_000n);
  return { measurement: unescape(measurement ?? ''), tags, fields, time };
}

function parseFieldValue(v: string): FieldValue {
  if (v.startsWith('"')) return v.slice(1, -1).replace(/\\(["\\])/g, '$1');
  if (v === 't' || v === 'T' || v === 'true' || v === 'True' || v === 'TRUE') return true;
  if (v === 'f' || v === 'F' || v === 'false' || v === 'False' || v === 'FALSE') return false;
  const n = Number(v.replace(/[iu]$/, ''));
  if (Number.isNaN(n)) throw new LineError(`bad field value ${v}`);
  return n;
}
