// The plant mimic: data hall → diverter valve → heat pumps → district network, the dry coolers
// taking the rest, and the PLC. Drawn from /api/plant (any number of heat pumps), values kept
// current from the live point stream.
import { dateTimeOf, display, qualityClass, qualityTag, svg, worstQuality } from './format.js';

const COLORS = { pipeHot: '#e0703a', pipeWarm: '#d9a441', pipeCool: '#4a90d9', net: '#c94b4b' };

/** A flow figure of /api/plant ({ value, unit, quality, at }) as a value the views draw. */
export function figureValue(name, fig) {
  return fig
    ? { id: `flows.${name}`, value: fig.value, unit: fig.unit, quality: fig.quality, ts: fig.at }
    : null;
}

/** What the tooltip says of a value: which point, its quality, its source time. */
export function describe(pv) {
  return `${pv.id} · ${pv.quality}${pv.ts ? ` · ${dateTimeOf(pv.ts)}` : ' · never received'}`;
}

/**
 * Value text bound to a point (or a flow figure): class by quality, a plain-text tag after a
 * value that is not good, the id kept for tests and tooltips.
 */
function valueText(x, y, pv, opts = {}) {
  const tag = pv && pv.value !== null ? qualityTag(pv.quality) : '';
  const t = svg(
    'text',
    {
      x,
      y,
      class: `${opts.base ?? 'val'} ${qualityClass(pv?.quality)}${opts.cls ? ` ${opts.cls}` : ''}`,
      'data-point': pv?.id,
      'text-anchor': opts.anchor ?? 'start',
    },
    opts.label ? `${opts.label} ` : '',
    svg('tspan', { class: 'v' }, opts.text ?? display(pv)),
    tag ? svg('tspan', { class: 'qtag', dx: 4 }, tag) : null,
  );
  if (pv) t.append(svg('title', {}, describe(pv)));
  return t;
}

function label(x, y, text, cls = 'lbl', anchor = 'start') {
  return svg('text', { x, y, class: cls, 'text-anchor': anchor }, text);
}

function box(x, y, w, h, title, cls = '') {
  return [
    svg('rect', { x, y, width: w, height: h, rx: 8, class: `box ${cls}` }),
    label(x + 10, y + 20, title, 'box-title'),
  ];
}

/** A pipe as wide as its heat flow; thin and dashed when the flow is not known now. */
function pipe(d, fig, share, maxKw, color, id) {
  const known =
    fig && typeof fig.value === 'number' && (fig.quality === 'good' || fig.quality === 'uncertain');
  const kw = known ? fig.value * share : null;
  const width = kw === null ? 2 : 2 + 16 * Math.min(Math.max(kw, 0) / maxKw, 1);
  return svg('path', {
    d,
    class: known ? 'pipe' : 'pipe unknown',
    stroke: color,
    'stroke-width': width.toFixed(1),
    fill: 'none',
    'data-flow': id,
  });
}

/** A point value with the freshest of the plant snapshot and the live stream. */
export function fresh(pv, points) {
  if (!pv) return pv;
  return points.get(pv.id) ?? pv;
}

/** A heat pump's COP now, as good as the worse of its heat and electricity. */
export function copOf(name, heat, electric, running) {
  const h = heat?.value;
  const e = electric?.value;
  const known = running && typeof h === 'number' && typeof e === 'number' && e > 1;
  return {
    id: `${name}.cop`,
    value: known ? h / e : null,
    unit: 'ratio',
    quality: known ? worstQuality([heat.quality, electric.quality]) : 'good',
    ts: heat?.ts ?? null,
  };
}

export function renderMimic(root, plant, points) {
  const f = (pv) => fresh(pv, points);
  const flows = plant.flows;
  const fv = (name) => figureValue(name, flows[name]);
  const maxKw = Math.max(3000, Number(f(plant.hall.itPower)?.value) || 0);
  const parts = [];
  const hps = plant.heatPumps;
  const hpH = Math.min(110, 300 / Math.max(hps.length, 1) - 10);

  // Pipes first, under the boxes.
  const share = 1 / Math.max(hps.length, 1);
  parts.push(
    pipe('M 200 235 L 290 235', flows.recoverableKw, 1, maxKw, COLORS.pipeHot, 'recoverable'),
  );
  hps.forEach((_hp, i) => {
    const y = 50 + i * (hpH + 10) + hpH / 2;
    parts.push(
      pipe(
        `M 350 225 C 380 225, 380 ${y}, 420 ${y}`,
        flows.recoveredKw,
        share,
        maxKw,
        COLORS.pipeWarm,
        `recovered-${i}`,
      ),
    );
    parts.push(
      pipe(
        `M 620 ${y} C 680 ${y}, 690 150, 760 150`,
        flows.deliveredKw,
        share,
        maxKw,
        COLORS.net,
        `delivered-${i}`,
      ),
    );
  });
  parts.push(
    pipe(
      'M 350 245 C 380 245, 380 400, 420 400',
      flows.toDryCoolersKw,
      1,
      maxKw,
      COLORS.pipeCool,
      'drycoolers',
    ),
  );

  // Data hall.
  parts.push(...box(20, 40, 180, 390, 'Data hall'));
  parts.push(valueText(30, 84, f(plant.hall.itPower), { label: 'IT' }));
  plant.hall.supplyTemps.forEach((t, i) => {
    const pv = f(t.value);
    const near = typeof pv?.value === 'number' && pv.value > t.limit - t.margin;
    const name = pv?.id?.split('/')[1]?.replace(/_/g, ' ') ?? '';
    parts.push(label(30, 115 + i * 50, name, 'lbl small'));
    parts.push(valueText(30, 135 + i * 50, pv, { cls: near ? 'alarm' : '' }));
    parts.push(label(190, 135 + i * 50, `limit ${t.limit} °C`, 'lbl small', 'end'));
  });
  plant.coolant.forEach((c, i) => {
    const y = 300 + i * 70;
    parts.push(label(30, y, 'coolant to plant', 'lbl small'));
    parts.push(valueText(30, y + 20, f(c.supplyTemp)));
    parts.push(valueText(110, y + 20, f(c.returnTemp), { label: '←' }));
    parts.push(valueText(30, y + 40, f(c.flow)));
  });
  parts.push(valueText(245, 225, fv('recoverableKw'), { base: 'flow-lbl', anchor: 'middle' }));

  // Diverter valve.
  parts.push(svg('polygon', { points: '290,205 350,235 290,265', class: 'valve' }));
  parts.push(svg('polygon', { points: '350,205 290,235 350,265', class: 'valve' }));
  parts.push(valueText(320, 195, f(plant.valve.setpoint), { anchor: 'middle', label: 'valve' }));
  if (plant.valve.position)
    parts.push(valueText(320, 285, f(plant.valve.position), { anchor: 'middle', label: 'at' }));

  // Heat pumps.
  hps.forEach((hp, i) => {
    const y = 50 + i * (hpH + 10);
    const running = f(hp.running)?.value === true;
    const tripped = f(hp.tripped)?.value === true;
    const state = tripped ? 'tripped' : running ? 'running' : 'off';
    const g = svg('g', { class: `hp hp-${state}`, 'data-hp': hp.name });
    g.append(
      ...box(
        420,
        y,
        200,
        hpH,
        `${hp.name} · ${state}${hp.mode === 'manual' ? ' · MANUAL' : ''}`,
        `hp-box hp-${state}`,
      ),
    );
    g.append(valueText(430, y + 45, f(hp.heatOutput), { label: 'heat' }));
    g.append(valueText(530, y + 45, f(hp.loadSetpoint), { label: 'load' }));
    g.append(valueText(430, y + 66, f(hp.condenserOut), { label: 'out' }));
    const cop = copOf(hp.name, f(hp.heatOutput), f(hp.electricPower), running);
    g.append(valueText(530, y + 66, cop, { label: 'COP' }));
    parts.push(g);
  });
  parts.push(
    valueText(520, 28, fv('recoveredKw'), {
      base: 'flow-lbl',
      anchor: 'middle',
      label: 'recovered',
    }),
  );

  // Dry coolers.
  parts.push(...box(420, 370, 200, 70, 'Dry coolers'));
  parts.push(valueText(430, 412, f(plant.dryCoolers.setpoint), { label: 'setpoint' }));
  parts.push(valueText(430, 432, fv('toDryCoolersKw'), { label: 'taking ≈' }));

  // District network.
  const n = plant.network;
  parts.push(...box(760, 40, 220, 260, 'District network'));
  parts.push(valueText(770, 84, f(n.supplyTemp), { label: 'supply' }));
  if (n.supplySetpoints[0])
    parts.push(valueText(770, 104, f(n.supplySetpoints[0]), { label: 'setpoint' }));
  parts.push(valueText(770, 124, f(n.returnTemp), { label: 'return' }));
  parts.push(valueText(770, 154, f(n.acceptance), { label: 'accepts' }));
  parts.push(valueText(770, 174, fv('deliveredKw'), { label: 'delivered' }));
  parts.push(valueText(770, 194, f(n.offeredHeat), { label: 'offered' }));
  parts.push(valueText(770, 228, f(n.outdoorTemp), { label: 'outdoor' }));
  if (n.utilityRequest)
    parts.push(valueText(770, 248, f(n.utilityRequest), { label: 'utility asks' }));

  // PLC and control.
  const c = plant.control;
  parts.push(...box(760, 320, 220, 120, 'PLC and control', c.safetyActive ? 'safety' : ''));
  parts.push(valueText(770, 364, f(plant.plc.safeState), { label: 'safe state' }));
  parts.push(
    label(770, 384, `heartbeat ${c.heartbeat}`, c.heartbeat === 'ok' ? 'lbl' : 'lbl alarm'),
  );
  parts.push(
    label(
      770,
      404,
      c.safetyActive ? 'COOLING SAFETY ACTING' : 'cooling safety: ok',
      c.safetyActive ? 'lbl alarm' : 'lbl',
    ),
  );
  const failed = c.controllers.filter((x) => x.status === 'failed').map((x) => x.name);
  parts.push(
    label(
      770,
      424,
      failed.length
        ? `failed: ${failed.join(', ')}`
        : `${c.controllers.length} controllers running`,
      failed.length ? 'lbl alarm' : 'lbl small',
    ),
  );

  root.replaceChildren(...parts);
}
