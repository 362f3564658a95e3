// The key-figure tiles, from /api/kpi. Every figure is { value, unit, quality, at } and is drawn
// as the mimic draws a value: an old or bad figure is amber or red with its tag and its age,
// never plain white as if current.
import {
  ageText,
  dateTimeOf,
  el,
  formatValue,
  qualityClass,
  qualityTag,
  timeOf,
} from './format.js';

const TILES = [
  { key: 'now.recoveredKw', label: 'Recovered now', hint: () => 'heat taken from the coolant' },
  { key: 'now.deliveredKw', label: 'Delivered now', hint: () => 'to the district network' },
  { key: 'now.cop', label: 'COP now', hint: () => 'heat pumps', resolution: 0.01 },
  {
    key: 'today.recoveredKwh',
    label: 'Recovered today',
    hint: (k) => `since ${timeOf(k.today.since)}`,
    mwh: true,
  },
  {
    key: 'today.erf',
    label: 'ERF today',
    hint: () => 'reused / facility energy',
    resolution: 0.01,
  },
  { key: 'now.pue', label: 'PUE now', hint: () => 'facility / IT power', resolution: 0.01 },
  {
    key: 'sinceStart.recoveredKwh',
    label: 'Recovered in all',
    hint: (k) => (k.sinceStart.since ? `since ${dateTimeOf(k.sinceStart.since)}` : ''),
    mwh: true,
  },
];

const at = (k, path) => path.split('.').reduce((o, p) => o?.[p], k);

/**
 * What a tile says under its value when the figure is not good — which quality and how old — and
 * the server's note on why (the bad input, why no heat is delivered) whenever it has one.
 */
function ageLines(fig, quality) {
  const lines = [];
  if (quality !== 'good')
    lines.push(
      el(
        'span',
        { class: `tile-age ${qualityClass(quality)}` },
        fig?.at === null || fig?.at === undefined
          ? 'not known now'
          : `${quality}: value of ${timeOf(fig.at)}, ${ageText(fig.at)} ago`,
      ),
    );
  if (fig?.note) lines.push(el('span', { class: 'tile-note muted' }, fig.note));
  return lines;
}

function tile(t, k) {
  const fig = at(k, t.key) ?? null;
  const known = fig !== null && typeof fig.value === 'number';
  // A figure with no value now but good inputs (a COP with no heat pump running) is drawn
  // plainly as "—" with the server's note, not as a fault.
  const quality = known || fig?.quality === 'good' ? (fig?.quality ?? 'bad') : 'bad';
  const value = known && t.mwh ? fig.value / 1000 : (fig?.value ?? null);
  const unit = t.mwh ? 'MWh' : fig?.unit;
  const tag = known ? qualityTag(quality) : '';
  return el(
    'div',
    {
      class: `tile tile-${quality}`,
      'data-kpi': t.key,
      'data-quality': quality,
      title: fig?.at ? `${t.key} · ${quality} · ${dateTimeOf(fig.at)}` : `${t.key} · not known`,
    },
    el('span', { class: 'tile-label' }, t.label),
    el(
      'span',
      { class: `tile-value ${qualityClass(quality)}` },
      el('span', { class: 'v' }, formatValue(value, unit, t.mwh ? 0.001 : t.resolution)),
      tag ? el('span', { class: 'qtag' }, tag) : null,
    ),
    el('span', { class: 'tile-hint muted' }, t.hint(k)),
    ...ageLines(fig, quality),
  );
}

export function renderKpis(root, k) {
  root.replaceChildren(...TILES.map((t) => tile(t, k)));
}
