// Formatting shared by the page's views: numbers with units, and how quality looks.

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
};

/** A value for display, with its unit. */
export function formatValue(v, unit, digits) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (typeof v === 'string') return v;
  const d = digits ?? (Math.abs(v) >= 100 ? 0 : 1);
  const label = UNIT_LABEL[unit] ?? unit ?? '';
  return `${v.toLocaleString('en', { maximumFractionDigits: d, minimumFractionDigits: d })}${label ? ` ${label}` : ''}`;
}

/** The CSS class and marker of a quality: stale and bad must not look like good. */
export function qualityClass(q) {
  return `q-${q ?? 'bad'}`;
}

export function qualityMark(q) {
  if (q === 'stale') return ' ⏱';
  if (q === 'bad') return ' ✕';
  return '';
}

/** A point value as text with its quality marker. */
export function display(pv, digits) {
  if (!pv) return '—';
  return `${formatValue(pv.value, pv.unit, digits)}${qualityMark(pv.quality)}`;
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

export function timeOf(iso) {
  return iso ? new Date(iso).toLocaleTimeString() : '';
}
