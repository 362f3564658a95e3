// Formatting shared by the page's views: numbers at their resolution with units, quality, and
// times in the site's zone (24-hour, zone named) — never the browser's own zone or 12-hour clock.

const UNIT_LABEL = {
  degC: '°C',
  K: 'K',
  kW: 'kW',
  kWh: 'kWh',
  MWh: 'MWh',
  'm3/h': 'm³/h',
  '%': '%',
  ratio: '',
  bool: '',
  count: '',
  s: 's',
  bar: 'bar',
  'kg/s': 'kg/s',
  text: '',
  EUR: '€',
  'EUR/h': '€/h',
  'EUR/MWh': '€/MWh',
};

/** A unit's default step, as the server's (src/domain/resolution.ts); a point's own wins. */
const UNIT_RESOLUTION = {
  degC: 0.1,
  K: 0.1,
  kW: 0.1,
  kWh: 0.1,
  MWh: 0.001,
  'm3/h': 0.01,
  'kg/s': 0.01,
  bar: 0.01,
  '%': 0.1,
  ratio: 0.01,
  bool: 1,
  count: 1,
  s: 1,
  text: 1,
  EUR: 0.01,
  'EUR/h': 0.01,
  'EUR/MWh': 0.01,
};

export function unitLabel(unit) {
  return UNIT_LABEL[unit] ?? unit ?? '';
}

function decimalsOf(step) {
  for (let d = 0; d <= 9; d++)
    if (Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-9) return d;
  return 9;
}

/** A value for display, with its unit, at `resolution` (else the unit's default step). */
export function formatValue(v, unit, resolution) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (typeof v === 'string') return v;
  const step = resolution > 0 ? resolution : (UNIT_RESOLUTION[unit] ?? 0.1);
  const d = decimalsOf(step);
  const rounded = Math.round(v / step) * step;
  const label = unitLabel(unit);
  return `${rounded.toLocaleString('en', { maximumFractionDigits: d, minimumFractionDigits: d })}${label ? ` ${label}` : ''}`;
}

/** The CSS class of a quality: stale and bad must not look like good. */
export function qualityClass(q) {
  return `q-${q ?? 'bad'}`;
}

/**
 * The word shown after a value that is not good. Plain text every browser and font draws (the
 * ⏱ glyph it replaces was an empty box in Debian's Chromium).
 */
export function qualityTag(q) {
  if (q === 'stale') return 'stale';
  if (q === 'bad' || q === undefined || q === null) return 'bad';
  return '';
}

const SEVERITY = { good: 0, uncertain: 1, stale: 2, bad: 3 };

/** A figure from several values is only as good as the worst of them (as the server's). */
export function worstQuality(qualities) {
  let worst = 'good';
  for (const q of qualities) if ((SEVERITY[q] ?? 3) > SEVERITY[worst]) worst = q ?? 'bad';
  return worst;
}

/** A point value as text at its resolution (the quality tag goes separately: `qualityTag`). */
export function display(pv) {
  if (!pv) return '—';
  return formatValue(pv.value, pv.unit, pv.resolution);
}

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs))
    if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  e.append(...children.filter((c) => c !== null && c !== undefined && c !== ''));
  return e;
}

// ── Site time ────────────────────────────────────────────────────────────────────────────────

let siteZone = 'UTC';
const formatters = new Map();

/** The site's IANA zone (from /api/plant): every time on the page is shown in it. */
export function setTimeZone(tz) {
  if (tz && tz !== siteZone) {
    siteZone = tz;
    formatters.clear();
  }
}

export function timeZone() {
  return siteZone;
}

function formatter(kind) {
  let f = formatters.get(kind);
  if (!f) {
    const base = { timeZone: siteZone, hourCycle: 'h23' };
    const opts =
      kind === 'hm'
        ? { ...base, hour: '2-digit', minute: '2-digit' }
        : kind === 'zone'
          ? { timeZone: siteZone, timeZoneName: 'short' }
          : {
              ...base,
              hour: '2-digit',
              minute: '2-digit',
              second: '2-digit',
              ...(kind === 'datetime' ? { year: 'numeric', month: '2-digit', day: '2-digit' } : {}),
            };
    // en-GB names the zone as the server's text does ("EET"; en-US would say "GMT+2").
    f = new Intl.DateTimeFormat(kind === 'zone' ? 'en-GB' : 'en-CA', opts);
    formatters.set(kind, f);
  }
  return f;
}

function parts(kind, ms) {
  const out = {};
  for (const p of formatter(kind).formatToParts(ms)) out[p.type] = p.value;
  return out;
}

/** The zone's short name at that instant ("EET", "EEST"; "GMT+2" where there is none). */
export function zoneName(ms) {
  return parts('zone', ms).timeZoneName ?? siteZone;
}

const toMs = (t) => (typeof t === 'number' ? t : Date.parse(t));

/** "21:56:43 EET": a time of day in the site's zone, 24-hour, zone shown. */
export function timeOf(t) {
  if (t === null || t === undefined || t === '') return '';
  const ms = toMs(t);
  if (!Number.isFinite(ms)) return '';
  const p = parts('time', ms);
  return `${p.hour}:${p.minute}:${p.second} ${zoneName(ms)}`;
}

/** "2026-12-03 21:56:43 EET": date and time in the site's zone. */
export function dateTimeOf(t) {
  if (t === null || t === undefined || t === '') return '';
  const ms = toMs(t);
  if (!Number.isFinite(ms)) return '';
  const p = parts('datetime', ms);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${zoneName(ms)}`;
}

/** "21:56": hours and minutes in the site's zone (axis labels). */
export function hourMinuteOf(t) {
  const p = parts('hm', toMs(t));
  return `${p.hour}:${p.minute}`;
}

/** "4 min", "2 h 5 min": how long ago, for a figure's age. */
export function ageText(t, now = Date.now()) {
  const s = Math.max(0, Math.round((now - toMs(t)) / 1000));
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
