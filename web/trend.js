// The trend chart: chosen points over a time range, from the history endpoint.
import { formatValue, hourMinuteOf, svg, zoneName } from './format.js';

const PALETTE = ['#e0703a', '#4a90d9', '#5cb85c', '#c94b4b', '#b07cd9', '#d9c441'];
const W = 1200;
const H = 300;
const M = { l: 60, r: 260, t: 12, b: 28 };

function niceStep(span, target) {
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= target * 1.5) ?? 10 * mag;
}

/** series: [{ id, unit, resolution, points: [{ t, value }] }]; times in the site's zone. */
export function renderTrend(root, series, from, to) {
  const values = series.flatMap((s) =>
    s.points.map((p) => p.value).filter((v) => typeof v === 'number'),
  );
  if (values.length === 0) {
    root.replaceChildren(
      svg(
        'text',
        { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'lbl' },
        'No history for this range yet',
      ),
    );
    return;
  }
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi === lo) {
    lo -= 1;
    hi += 1;
  }
  const step = niceStep(hi - lo, 5);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const x = (t) => M.l + ((t - from) / (to - from)) * (W - M.l - M.r);
  const y = (v) => M.t + (1 - (v - lo) / (hi - lo)) * (H - M.t - M.b);
  const parts = [
    svg('rect', { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, class: 'plot' }),
  ];
  for (let v = lo; v <= hi + step / 2; v += step) {
    parts.push(svg('line', { x1: M.l, x2: W - M.r, y1: y(v), y2: y(v), class: 'grid' }));
    parts.push(
      svg(
        'text',
        { x: M.l - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'lbl small' },
        String(+v.toFixed(6)),
      ),
    );
  }
  for (let i = 0; i <= 6; i++) {
    const t = from + ((to - from) * i) / 6;
    parts.push(
      svg(
        'text',
        { x: x(t), y: H - 8, 'text-anchor': 'middle', class: 'lbl small' },
        hourMinuteOf(t),
      ),
    );
  }
  parts.push(
    svg('text', { x: W - M.r + 30, y: H - 8, class: 'lbl small' }, `times in ${zoneName(to)}`),
  );
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    let d = '';
    let pen = false;
    for (const p of s.points) {
      if (typeof p.value !== 'number') {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'} ${x(Date.parse(p.t)).toFixed(1)} ${y(p.value).toFixed(1)} `;
      pen = true;
    }
    parts.push(
      svg('path', {
        d,
        stroke: color,
        fill: 'none',
        'stroke-width': 2,
        class: 'series',
        'data-series': s.id,
      }),
    );
    const last = [...s.points].reverse().find((p) => typeof p.value === 'number');
    parts.push(
      svg('rect', { x: W - M.r + 10, y: M.t + i * 22, width: 14, height: 4, fill: color }),
    );
    parts.push(
      svg(
        'text',
        { x: W - M.r + 30, y: M.t + 6 + i * 22, class: 'lbl small' },
        `${s.id} ${last ? formatValue(last.value, s.unit, s.resolution) : ''}`,
      ),
    );
  });
  root.replaceChildren(...parts);
}
