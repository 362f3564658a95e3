import { heatSignalSchema, type HeatSignalView } from '../api/heat-signal-view';
import type { Io } from './commands';

/**
 * `heatbridge signal`: the heat signal for a Slurm or cron setup (issue 23). It asks a running
 * HeatBridge (`GET /api/signals/heat`) and prints the current recommendation: for people (text),
 * for programs (`--json`, the API's answer) or for a shell to source (`--env`). The exit code
 * says what a script branches on: 0 the signal is ok, 3 it is neutral (run the baseline), 1
 * HeatBridge could not be asked or gave no signal. Advice only: HeatBridge never controls IT load.
 */

export const DEFAULT_API_URL = 'http://127.0.0.1:8080';
/** Exit codes: a script tells "follow the signal" from "run as usual" from "no answer". */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_NEUTRAL = 3;
/** Hours the text lists unless --hours says otherwise: the coming half day. */
export const TEXT_HOURS = 12;

export interface SignalFlags {
  /** HeatBridge's API (default HEATBRIDGE_URL, else http://127.0.0.1:8080). */
  url?: string;
  json?: boolean;
  env?: boolean;
  /** Hours asked for, the current one included (text: default TEXT_HOURS; else all). */
  hours?: number;
  timeoutMs: number;
}

type Fetched = { ok: true; signal: HeatSignalView; raw: unknown } | { ok: false; message: string };

/** The answer's own error message when it has one (`{ error, message }`), else its start. */
function errorText(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === 'string') return body.message;
  } catch {
    // Not JSON: a proxy's page, another server.
  }
  return text.slice(0, 200).trim() || '(empty answer)';
}

const HINTS: Record<number, string> = {
  401: ' (set HEATBRIDGE_TOKEN to an API token of any role, or open the site’s reads)',
  429: ' (too many failed logins from this address: check HEATBRIDGE_TOKEN)',
};

async function fetchSignal(base: string, flags: SignalFlags, io: Io): Promise<Fetched> {
  let url: URL;
  try {
    url = new URL('/api/signals/heat', base);
  } catch {
    return { ok: false, message: `--url ${shownUrl(base)}: not a URL (e.g. ${DEFAULT_API_URL})` };
  }
  if (url.username || url.password)
    return {
      ok: false,
      message: `--url ${shownUrl(base)}: a user or password in the URL is not sent; give the API token in HEATBRIDGE_TOKEN`,
    };
  const hours = flags.hours ?? (flags.json || flags.env ? undefined : TEXT_HOURS);
  if (hours !== undefined) url.searchParams.set('hours', String(hours));
  const token = io.env.HEATBRIDGE_TOKEN;
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      headers: {
        accept: 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      // A cron job must not hang on a HeatBridge that accepts and never answers.
      signal: AbortSignal.timeout(flags.timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    const e = err as Error & { cause?: { message?: string } };
    const why =
      e.name === 'TimeoutError'
        ? `no answer within ${flags.timeoutMs} ms`
        : (e.cause?.message ?? e.message);
    return {
      ok: false,
      message: `cannot reach HeatBridge at ${shownUrl(base)}: ${why} (is it running? give its address with --url or HEATBRIDGE_URL)`,
    };
  }
  if (!res.ok)
    return {
      ok: false,
      message: `HeatBridge at ${shownUrl(base)} answered ${res.status}: ${errorText(text)}${HINTS[res.status] ?? ''}`,
    };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return {
      ok: false,
      message: `the answer from ${shownUrl(url.href)} is not JSON: ${text.slice(0, 100)}`,
    };
  }
  const parsed = heatSignalSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    return {
      ok: false,
      message: `the answer from ${shownUrl(url.href)} is not a heat signal (another HeatBridge version?): ${first}`,
    };
  }
  return { ok: true, signal: parsed.data, raw };
}

/** `2026-01-15T06:00:00+02:00` → `2026-01-15 06:00`: the site's time as the API wrote it. */
function siteTime(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]}` : iso;
}

/** The offset the API wrote (`+02:00`, `Z`), to name the site's time in the table. */
function offsetOf(iso: string): string {
  return /(Z|[+-]\d{2}:\d{2})$/.exec(iso)?.[1] ?? '';
}

const signed = (v: number, digits: number): string =>
  `${v > 0 ? '+' : v < 0 ? '-' : ' '}${Math.abs(v).toFixed(digits)}`;
const kw = (v: number | null): string => (v === null ? '—' : v.toFixed(1));

const COLUMNS = ['signal', 'flex kW', '+/- kW', 'headroom kW', 'dumped kW'] as const;

/** The text for people: a status line, the notes, then the hours from the current one. */
export function signalText(s: HeatSignalView): string[] {
  const c = s.current;
  const lines: string[] = [];
  if (s.status === 'ok') {
    const headroom =
      c.headroomItKw === null ? '' : `; headroom ${kw(c.headroomItKw)} kW of IT load`;
    lines.push(
      `ok: run ${kw(c.recommendedFlexKw)} kW of flexible IT load this hour (baseline ${kw(c.baselineFlexKw)} kW, ${signed(c.signalKw, 1).trim()} kW, signal ${signed(c.signal, 2).trim()})${headroom}`,
    );
  } else {
    lines.push(
      `neutral: ${s.reason ?? 'no reason given'}; run the baseline, ${kw(c.baselineFlexKw)} kW of flexible IT load (signal 0)`,
    );
  }
  for (const note of s.notes) lines.push(`note: ${note}`);
  if (s.hours.length > 0) {
    const label = `site time (${offsetOf(s.hours[0]!.start)})`;
    const width = Math.max(label.length, 16);
    const row = (cells: string[]): string =>
      [cells[0]!.padEnd(width), ...cells.slice(1).map((x, i) => x.padStart(COLUMNS[i]!.length))]
        .join('  ')
        .trimEnd();
    lines.push('', row([label, ...COLUMNS]));
    for (const h of s.hours)
      lines.push(
        row([
          siteTime(h.start),
          signed(h.signal, 2),
          kw(h.recommendedFlexKw),
          signed(h.signalKw, 1),
          kw(h.headroomItKw),
          kw(h.dumpedKw),
        ]),
      );
  }
  return lines;
}

/**
 * `--env`: one `NAME=value` a line, values without spaces or quotes, so `. <(heatbridge signal
 * --env)` or `eval "$(heatbridge signal --env)"` sets them in a Slurm prolog or a cron job.
 */
export function signalEnv(s: HeatSignalView): string[] {
  const c = s.current;
  return [
    `HEAT_SIGNAL=${c.signal}`,
    `HEAT_SIGNAL_KW=${c.signalKw}`,
    `RECOMMENDED_FLEX_KW=${c.recommendedFlexKw}`,
    `BASELINE_FLEX_KW=${c.baselineFlexKw}`,
    `HEAT_HEADROOM_KW=${c.headroomItKw ?? ''}`,
    `HEAT_SIGNAL_HOUR=${c.start}`,
    `HEAT_SIGNAL_STATUS=${s.status}`,
  ];
}

export async function signalCommand(flags: SignalFlags, io: Io): Promise<number> {
  const base = flags.url ?? io.env.HEATBRIDGE_URL ?? DEFAULT_API_URL;
  const got = await fetchSignal(base, flags, io);
  if (!got.ok) {
    io.err(`heatbridge signal: ${got.message}`);
    return EXIT_ERROR;
  }
  const s = got.signal;
  if (flags.json) io.out(JSON.stringify(got.raw, null, 2));
  else if (flags.env) io.out(signalEnv(s).join('\n'));
  else io.out(signalText(s).join('\n'));
  return s.status === 'ok' ? EXIT_OK : EXIT_NEUTRAL;
}

/** A URL as given, less any user and password in it: messages never show credentials. */
function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return url.includes('@') ? '(a URL with credentials, not shown)' : url;
  }
}
