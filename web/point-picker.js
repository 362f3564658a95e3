// Choosing points by what they are: grouped by device, with description and unit, searchable —
// for the override dialog (only what an operator may override) and the trend.
import { el, unitLabel } from './format.js';

/** Points by device, in the order /api/points lists them (the site file's). */
export function byDevice(points) {
  const groups = new Map();
  for (const p of points) {
    if (!groups.has(p.device)) groups.set(p.device, []);
    groups.get(p.device).push(p);
  }
  return groups;
}

/** "load setpoint — Load setpoint of the heat pump (%)": what a person picks a point by. */
export function pointLabel(p) {
  const name = p.name.replace(/_/g, ' ');
  const unit = unitLabel(p.unit);
  return `${name}${p.description ? ` — ${p.description}` : ''}${unit ? ` (${unit})` : ''}`;
}

/**
 * The override dialog's select: only the points an operator may override (`overridable`, the
 * server's one rule), one <optgroup> per device. Keeps the choice when it is still offered.
 */
export function fillOverridePicker(select, points) {
  const before = select.value;
  const offered = points.filter((p) => p.overridable);
  select.replaceChildren(
    ...[...byDevice(offered)].map(([device, list]) =>
      el(
        'optgroup',
        { label: device },
        ...list.map((p) =>
          el('option', { value: p.id, selected: p.id === before, title: p.id }, pointLabel(p)),
        ),
      ),
    ),
  );
}

/** Points worth a trend line: numbers. */
export function trendable(points) {
  return points.filter((p) => p.unit !== 'bool' && p.unit !== 'text');
}

export const MAX_TREND_POINTS = 6;

/**
 * The trend's picker: a search box over a list grouped by device, each point a checkbox with its
 * name, description and unit; at most MAX_TREND_POINTS at once.
 */
export function renderTrendPicker(root, points, chosen) {
  const groups = [...byDevice(trendable(points))].map(([device, list]) =>
    el(
      'fieldset',
      { class: 'pick-group', 'data-device': device },
      el('legend', {}, device),
      ...list.map((p) =>
        el(
          'label',
          {
            class: 'pick',
            'data-search': `${p.id} ${p.description ?? ''} ${unitLabel(p.unit)}`.toLowerCase(),
            title: p.id,
          },
          el('input', { type: 'checkbox', value: p.id, checked: chosen.has(p.id) }),
          el('span', { class: 'pick-name' }, p.name.replace(/_/g, ' ')),
          el(
            'span',
            { class: 'pick-desc muted' },
            `${p.description ?? ''}${unitLabel(p.unit) ? ` · ${unitLabel(p.unit)}` : ''}`,
          ),
        ),
      ),
    ),
  );
  root.replaceChildren(...groups);
  limitChoice(root);
}

/** The trend's chosen point ids, in the list's order. */
export function chosenPoints(root) {
  return [...root.querySelectorAll('input[type=checkbox]:checked')].map((i) => i.value);
}

/** Once MAX_TREND_POINTS are chosen, the others cannot be ticked until one is let go. */
export function limitChoice(root) {
  const full = chosenPoints(root).length >= MAX_TREND_POINTS;
  for (const box of root.querySelectorAll('input[type=checkbox]'))
    box.disabled = full && !box.checked;
}

/** Shows the points whose id, description or unit hold every word typed. */
export function filterPicker(root, text) {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  for (const group of root.querySelectorAll('.pick-group')) {
    let any = false;
    for (const item of group.querySelectorAll('.pick')) {
      const show = words.every((w) => item.dataset.search.includes(w));
      item.hidden = !show;
      any ||= show;
    }
    group.hidden = !any;
  }
}
