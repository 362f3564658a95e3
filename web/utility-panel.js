// The utility panel, from /api/utility: the day-ahead plan around now (the current hour marked),
// the connection mode, prices and net value now, and — whenever no plan covers this hour — a
// warning that the controller is on its supply curve. Values are drawn as the mimic draws them:
// at their resolution, a bad or stale one in its colour with its tag, never as a good number.
import { dateTimeOf, el, formatValue, hourMinuteOf, qualityClass, qualityTag } from './format.js';

const MODE_TEXT = {
  supply: 'supply line',
  return: 'return line (pre-heating)',
  'top-up': 'supply, topped up by the utility',
  none: 'none (heat to the dry coolers)',
};

const STATE_CLASS = { active: 'state-ok', expired: 'state-degraded', missing: 'state-degraded' };

/** One labelled value, a point value (`{ value, unit, quality, ts }`) or null when not kept. */
function figure(label, pv, key) {
  if (!pv) return null;
  const q = pv.value === null ? 'bad' : pv.quality;
  const tag = qualityTag(q);
  return el(
    'div',
    { class: 'row', 'data-utility': key, 'data-quality': q, title: pv.ts ? dateTimeOf(pv.ts) : '' },
    el('span', { class: 'row-label' }, label),
    el(
      'span',
      { class: `row-val ${qualityClass(q)}` },
      el('span', { class: 'v' }, formatValue(pv.value, pv.unit)),
      tag ? el('span', { class: 'qtag' }, tag) : null,
    ),
  );
}

function planTable(hours) {
  if (hours.length === 0)
    return el('p', { class: 'muted', 'data-plan-empty': '' }, 'No plan hours around now');
  let lastDate = '';
  const rows = hours.map((h) => {
    // The date once per day, in the site's zone, beside the hour.
    const date = dateTimeOf(h.start).slice(0, 10);
    const day = date === lastDate ? '' : date;
    lastDate = date;
    return el(
      'tr',
      {
        class: h.current ? 'current' : '',
        'data-hour': h.start,
        ...(h.current ? { 'data-current': '' } : {}),
      },
      el('td', { class: 'muted small' }, day),
      el('td', {}, `${hourMinuteOf(h.start)}–${hourMinuteOf(h.end)}`),
      el('td', {}, h.mode),
      el('td', { class: 'num' }, formatValue(h.supplyTempC, 'degC')),
      el('td', { class: 'num' }, formatValue(h.capacityKw, 'kW')),
      el('td', { class: 'num' }, formatValue(h.priceEurPerMWh, 'EUR/MWh')),
      el('td', { class: 'num' }, formatValue(h.electricityPriceEurPerMWh, 'EUR/MWh')),
    );
  });
  return el(
    'div',
    { class: 'plan-scroll' },
    el(
      'table',
      { class: 'plan', id: 'plan-table' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...['day', 'hour', 'contract', 'supply', 'capacity', 'heat price', 'electricity'].map(
            (c) => el('th', {}, c),
          ),
        ),
      ),
      el('tbody', {}, ...rows),
    ),
  );
}

/** Draws the panel into `root`; `u` is GET /api/utility's answer. */
export function renderUtility(root, u) {
  const mode = u.connection.mode;
  const parts = [
    el(
      'p',
      { class: 'plan-status' },
      el(
        'span',
        { class: `badge ${STATE_CLASS[u.status.state] ?? ''}`, 'data-plan-state': u.status.state },
        u.status.state,
      ),
      ` ${u.status.text}`,
      u.status.coversUntil
        ? el('span', { class: 'muted small' }, ` · until ${dateTimeOf(u.status.coversUntil)}`)
        : null,
    ),
    u.fallback
      ? el('div', { class: 'banner warn', id: 'utility-fallback', role: 'status' }, u.fallback)
      : null,
    // The SCADA's live request wins over the plan while it is renewed: said, with its lapse time.
    u.scada?.active
      ? el('div', { class: 'banner info', id: 'utility-scada', role: 'status' }, u.scada.text)
      : null,
    el(
      'div',
      { class: 'utility-now' },
      el(
        'div',
        { class: 'row', 'data-utility': 'connection' },
        el('span', { class: 'row-label' }, 'Connection'),
        el(
          'span',
          {
            class: `row-val ${qualityClass(mode ? (u.connection.point?.quality ?? 'good') : 'bad')}`,
          },
          mode ? (MODE_TEXT[mode] ?? mode) : 'not known',
        ),
      ),
      figure('Requested supply', u.now.planSupplyTemp, 'plan-supply'),
      figure('Requested capacity', u.now.planCapacity, 'plan-capacity'),
      figure('Heat price', u.now.heatPrice, 'heat-price'),
      figure('Electricity price', u.now.electricityPrice, 'electricity-price'),
      figure('Net value today', u.value?.netToday, 'net-today'),
      figure('Net value this month', u.value?.netMonth, 'net-month'),
    ),
    planTable(u.hours),
  ];
  root.replaceChildren(...parts.filter((p) => p !== null));
  // The current hour in view inside the table's own scroll box (never scrolling the page).
  const box = root.querySelector('.plan-scroll');
  const current = root.querySelector('tr.current');
  if (box && current) box.scrollTop = Math.max(current.offsetTop - 2 * current.offsetHeight, 0);
}
