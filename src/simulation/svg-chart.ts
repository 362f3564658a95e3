/**
 * A small SVG line-chart renderer for the reports HeatBridge writes itself (`heatbridge
 * simulate`): stacked panels sharing a time axis, each with its own y axis, legend and optional
 * limit lines. No dependency and no browser needed: the output is a standalone SVG file any
 * browser or image viewer opens.
 */

export interface Series {
  name: string;
  color: string;
  /** [time ms, value]; null breaks the line (no value then). */
  points: readonly (readonly [number, number | null])[];
  dashed?: boolean;
}

export interface LimitLine {
  value: number;
  label: string;
  color: string;
}

export interface Panel {
  title: string;
  unit: string;
  series: Series[];
  limits?: LimitLine[];
  /** Force the y range to include these values (e.g. 0 for powers). */
  include?: number[];
}

export interface ChartSpec {
  title: string;
  subtitle?: string;
  panels: Panel[];
  width?: number;
  panelHeight?: number;
}

const MARGIN = { left: 70, right: 190, top: 90, gap: 44, bottom: 40 };
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';

export function escapeXml(s: string): string {
  return s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

/** Ticks at 1, 2 or 5 × 10ⁿ covering [lo, hi], about `target` of them. */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    return niceTicks(lo - pad, hi + pad, target);
  }
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  // The finest 1-2-5 step that gives at most half again the ticks asked for.
  const step =
    [1, 2, 5, 10].map((m) => m * mag).find((s) => (hi - lo) / s <= target * 1.5) ?? 10 * mag;
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const ticks: number[] = [];
  const first = Math.floor(lo / step);
  for (let k = first; k * step < hi + step * 1e-9 || ticks.length < 2; k++)
    ticks.push(Number((k * step).toFixed(decimals)));
  if (ticks[ticks.length - 1]! < hi)
    ticks.push(Number((ticks[ticks.length - 1]! + step).toFixed(decimals)));
  return ticks;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TIME_STEPS = [
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
  30 * DAY,
];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Time ticks (UTC) and their labels: hours for a day or two, dates beyond, months for a year. */
export function timeTicks(from: number, to: number, target = 8): { t: number; label: string }[] {
  const span = to - from;
  const step = TIME_STEPS.find((s) => span / s <= target) ?? 30 * DAY;
  const ticks: { t: number; label: string }[] = [];
  if (step >= 30 * DAY) {
    const d = new Date(from);
    let y = d.getUTCFullYear();
    let m = d.getUTCMonth() + (d.getUTCDate() > 1 || from % DAY !== 0 ? 1 : 0);
    for (;;) {
      y += Math.floor(m / 12);
      m %= 12;
      const t = Date.UTC(y, m, 1);
      if (t > to) break;
      ticks.push({ t, label: MONTHS[m]! });
      m += 1;
    }
    return ticks;
  }
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) {
    const d = new Date(t);
    const label =
      step < DAY
        ? `${String(d.getUTCHours()).padStart(2, '0')}:00`
        : `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
    ticks.push({ t, label });
  }
  return ticks;
}

const fmt = (v: number): string =>
  Math.abs(v) >= 1000
    ? `${(v / 1000).toLocaleString('en', { maximumFractionDigits: 1 })}k`
    : `${+v.toFixed(2)}`;
const r1 = (x: number): string => (Math.round(x * 10) / 10).toString();

export function renderSvgChart(spec: ChartSpec): string {
  const width = spec.width ?? 1100;
  const ph = spec.panelHeight ?? 220;
  const plotW = width - MARGIN.left - MARGIN.right;
  const height =
    MARGIN.top + spec.panels.length * ph + (spec.panels.length - 1) * MARGIN.gap + MARGIN.bottom;
  const times = spec.panels.flatMap((p) => p.series.flatMap((s) => s.points.map((pt) => pt[0])));
  const t0 = times.length > 0 ? Math.min(...times) : 0;
  const t1 = times.length > 0 ? Math.max(...times) : 1;
  const x = (t: number): number =>
    MARGIN.left + (t1 > t0 ? ((t - t0) / (t1 - t0)) * plotW : plotW / 2);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="26" font-size="18" font-weight="600">${escapeXml(spec.title)}</text>`,
  );
  if (spec.subtitle)
    out.push(`<text x="${MARGIN.left}" y="46" fill="#555">${escapeXml(spec.subtitle)}</text>`);
  const xTicks = timeTicks(t0, t1);

  spec.panels.forEach((panel, i) => {
    const top = MARGIN.top + i * (ph + MARGIN.gap);
    const values = panel.series.flatMap((s) =>
      s.points.map((p) => p[1]).filter((v): v is number => v !== null && Number.isFinite(v)),
    );
    values.push(...(panel.include ?? []), ...(panel.limits ?? []).map((l) => l.value));
    const lo = values.length > 0 ? Math.min(...values) : 0;
    const hi = values.length > 0 ? Math.max(...values) : 1;
    const ticks = niceTicks(lo, hi);
    const y0 = ticks[0]!;
    const y1 = ticks[ticks.length - 1]!;
    const y = (v: number): number => top + ph - ((v - y0) / (y1 - y0)) * ph;
    out.push(`<g class="panel" data-title="${escapeXml(panel.title)}">`);
    out.push(
      `<text x="${MARGIN.left}" y="${top - 10}" font-size="14" font-weight="600">${escapeXml(panel.title)}</text>`,
    );
    out.push(
      `<rect x="${MARGIN.left}" y="${top}" width="${plotW}" height="${ph}" fill="#fafafa" stroke="#ccc"/>`,
    );
    for (const t of ticks) {
      const yy = r1(y(t));
      out.push(
        `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${yy}" y2="${yy}" stroke="#e4e4e4"/>`,
      );
      out.push(
        `<text x="${MARGIN.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle" fill="#444">${fmt(t)}</text>`,
      );
    }
    out.push(
      `<text transform="translate(${MARGIN.left - 52} ${top + ph / 2}) rotate(-90)" text-anchor="middle" fill="#444">${escapeXml(panel.unit)}</text>`,
    );
    for (const t of xTicks) {
      const xx = r1(x(t.t));
      out.push(`<line x1="${xx}" x2="${xx}" y1="${top}" y2="${top + ph}" stroke="#eeeeee"/>`);
      out.push(
        `<text x="${xx}" y="${top + ph + 16}" text-anchor="middle" fill="#444">${escapeXml(t.label)}</text>`,
      );
    }
    for (const l of panel.limits ?? []) {
      const yy = r1(y(l.value));
      out.push(
        `<line class="limit" x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${yy}" y2="${yy}" stroke="${l.color}" stroke-dasharray="6 4"/>`,
        `<text x="${MARGIN.left + plotW - 4}" y="${Number(yy) - 4}" text-anchor="end" fill="${l.color}">${escapeXml(l.label)}</text>`,
      );
    }
    panel.series.forEach((s, k) => {
      for (const segment of segments(s.points)) {
        const pts = segment.map(([t, v]) => `${r1(x(t))},${r1(y(v))}`).join(' ');
        out.push(
          `<polyline class="series" data-series="${escapeXml(s.name)}" fill="none" stroke="${s.color}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="5 3"' : ''} points="${pts}"/>`,
        );
      }
      const ly = top + 14 + k * 18;
      const lx = MARGIN.left + plotW + 14;
      out.push(
        `<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
        `<text x="${lx + 28}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`,
      );
    });
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Contiguous runs of finite values: a null or a non-finite value breaks the line. */
function segments(points: readonly (readonly [number, number | null])[]): [number, number][][] {
  const out: [number, number][][] = [];
  let cur: [number, number][] = [];
  for (const [t, v] of points) {
    if (v === null || !Number.isFinite(v)) {
      if (cur.length > 0) out.push(cur);
      cur = [];
      continue;
    }
    cur.push([t, v]);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
