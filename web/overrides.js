// Overrides as the plant gets them: what was requested, what the write guard actually wrote,
// the bounds and rate limit, and when the written value reaches the requested one (/api/overrides).
import { el, formatValue, timeOf, unitLabel } from './format.js';

const fmt = (v, def, unit) => formatValue(v, unit ?? def?.unit, def?.resolution);

/** "0.0 to 100.0 %, at most 10 %/min": a point's bounds and rate limit. */
export function boundsText(bounds, def, unit) {
  if (!bounds) return '';
  const u = unitLabel(unit ?? def?.unit);
  const rate = bounds.maxRatePerMin
    ? `, at most ${bounds.maxRatePerMin}${u ? ` ${u}` : ''}/min`
    : '';
  return `${fmt(bounds.min, def, unit)} to ${fmt(bounds.max, def, unit)}${rate}`;
}

/** One entry of the overrides list. `def` is the point's summary from /api/points. */
export function overrideItem(o, def, actions) {
  const unit = o.unit ?? def?.unit;
  const requested = o.requested ?? o.value;
  const written = o.written
    ? el(
        'span',
        { class: 'written', 'data-written': '' },
        `written ${fmt(o.written.value, def, unit)}`,
        el('span', { class: 'muted small' }, ` at ${timeOf(o.written.at)}`),
      )
    : el('span', { class: 'written muted', 'data-written': '' }, 'not written yet');
  const reaching = o.reachesAt
    ? el(
        'span',
        { class: 'reaches', 'data-reaches': '' },
        `reaches ${fmt(requested, def, unit)} ≈ ${timeOf(o.reachesAt)}`,
        o.limitedBy === 'rate' && o.bounds?.maxRatePerMin
          ? ` (rate limit ${o.bounds.maxRatePerMin} ${unitLabel(unit)}/min)`
          : '',
      )
    : o.written && o.written.value === requested
      ? el('span', { class: 'reaches muted', 'data-reaches': '' }, 'reached')
      : null;
  return el(
    'li',
    { class: 'override', 'data-override': o.point },
    el(
      'div',
      { class: 'override-head' },
      el('strong', {}, o.point),
      def?.description ? el('span', { class: 'muted small' }, def.description) : null,
      ...actions,
    ),
    el(
      'div',
      { class: 'override-values' },
      el(
        'span',
        { class: 'requested', 'data-requested': '' },
        `requested ${fmt(requested, def, unit)}`,
      ),
      written,
      reaching,
    ),
    el(
      'div',
      { class: 'muted small' },
      [
        o.bounds ? `bounds ${boundsText(o.bounds, def, unit)}` : '',
        `until ${timeOf(o.expiresAt)}`,
        o.actor ?? '',
        o.reason ?? '',
      ]
        .filter(Boolean)
        .join(' · '),
    ),
  );
}

/**
 * What the dialog says about the chosen point: its bounds and rate, its value now, and — once a
 * value is typed — when the plant will get there at that rate.
 */
export function overrideHint(def, current, raw, now = Date.now()) {
  if (!def) return { info: '', eta: '', bad: false };
  if (def.unit === 'bool')
    return {
      info: `on or off (true or false); now ${fmt(current?.value, def)}`,
      eta: '',
      bad: false,
    };
  const info = `${def.bounds ? `Bounds ${boundsText(def.bounds, def)}` : 'No bounds'}; now ${fmt(
    current?.value,
    def,
  )}`;
  const target = Number(raw);
  if (raw === '' || raw === undefined || !Number.isFinite(target))
    return { info, eta: '', bad: false };
  const b = def.bounds;
  if (b && (target < b.min || target > b.max))
    return { info, eta: `${fmt(target, def)} is outside the bounds`, bad: true };
  const from = current?.value;
  const rate = b?.maxRatePerMin;
  if (!rate || typeof from !== 'number')
    return { info, eta: 'Written at the next control cycle', bad: false };
  const minutes = Math.abs(target - from) / rate;
  if (minutes < 0.05) return { info, eta: 'Already there', bad: false };
  const when = timeOf(now + minutes * 60_000);
  return {
    info,
    eta: `At ${rate} ${unitLabel(def.unit)}/min the plant reaches ${fmt(target, def)} in about ${
      minutes < 1.5 ? `${Math.round(minutes * 60)} s` : `${Math.round(minutes)} min`
    } (≈ ${when})`,
    bad: false,
  };
}
