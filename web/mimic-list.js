// The plant mimic as a list, for narrow screens (a phone on the plant floor): the same values as
// the diagram, drawn the same way (quality class and tag), in sections that read at full size
// instead of a diagram shrunk to unreadable text.
import { display, el, qualityClass, qualityTag } from './format.js';
import { copOf, describe, figureValue, fresh } from './mimic.js';

/** One row: a label and a value drawn by its quality. */
function row(label, pv, extra = {}) {
  const tag = pv && pv.value !== null ? qualityTag(pv.quality) : '';
  return el(
    'div',
    { class: 'row' },
    el('span', { class: 'row-label' }, label),
    el(
      'span',
      {
        class: `row-val ${qualityClass(pv?.quality)}${extra.cls ? ` ${extra.cls}` : ''}`,
        'data-point': pv?.id,
        title: pv ? describe(pv) : '',
      },
      el('span', { class: 'v' }, display(pv)),
      tag ? el('span', { class: 'qtag' }, tag) : null,
    ),
  );
}

/** A row of plain text (a state, not a measured value). */
function textRow(label, text, cls = '') {
  return el(
    'div',
    { class: 'row' },
    el('span', { class: 'row-label' }, label),
    el('span', { class: `row-val ${cls}` }, text),
  );
}

function section(title, ...rows) {
  return el(
    'section',
    { class: 'plant-section' },
    el('h3', {}, title),
    ...rows.flat().filter(Boolean),
  );
}

export function renderMimicList(root, plant, points) {
  const f = (pv) => fresh(pv, points);
  const fv = (name) => figureValue(name, plant.flows[name]);
  const opt = (label, pv) => (pv ? row(label, f(pv)) : null);
  const n = plant.network;
  const c = plant.control;
  const failed = c.controllers.filter((x) => x.status === 'failed').map((x) => x.name);
  // The panel's banner says when cooling safety acts; the list does not repeat it.
  root.replaceChildren(
    section(
      'Data hall',
      opt('IT power', plant.hall.itPower),
      plant.hall.supplyTemps.map((t) => {
        const pv = f(t.value);
        const near = typeof pv?.value === 'number' && pv.value > t.limit - t.margin;
        return row(`${pv?.id?.split('/')[1]?.replace(/_/g, ' ')} (limit ${t.limit} °C)`, pv, {
          cls: near ? 'alarm' : '',
        });
      }),
      plant.coolant.flatMap((x) => [
        row('coolant to plant', f(x.supplyTemp)),
        row('coolant back', f(x.returnTemp)),
        row('coolant flow', f(x.flow)),
      ]),
      row('recoverable', fv('recoverableKw')),
    ),
    section(
      'Diverter valve',
      opt('setpoint', plant.valve.setpoint),
      opt('at', plant.valve.position),
    ),
    section(
      'Heat pumps',
      row('recovered', fv('recoveredKw')),
      plant.heatPumps.flatMap((hp) => {
        const running = f(hp.running)?.value === true;
        const tripped = f(hp.tripped)?.value === true;
        const state = tripped ? 'tripped' : running ? 'running' : 'off';
        return [
          textRow(
            hp.name,
            `${state}${hp.mode === 'manual' ? ' · MANUAL' : ''}`,
            tripped ? 'alarm' : '',
          ),
          row(`${hp.name} heat`, f(hp.heatOutput)),
          row(`${hp.name} load`, f(hp.loadSetpoint)),
          row(`${hp.name} out`, f(hp.condenserOut)),
          row(`${hp.name} COP`, copOf(hp.name, f(hp.heatOutput), f(hp.electricPower), running)),
        ];
      }),
    ),
    section(
      'Dry coolers',
      opt('setpoint', plant.dryCoolers.setpoint),
      row('taking ≈', fv('toDryCoolersKw')),
    ),
    section(
      'District network',
      opt('supply', n.supplyTemp),
      n.supplySetpoints[0] ? row('setpoint', f(n.supplySetpoints[0])) : null,
      opt('return', n.returnTemp),
      opt('accepts', n.acceptance),
      row('delivered', fv('deliveredKw')),
      opt('offered', n.offeredHeat),
      opt('outdoor', n.outdoorTemp),
      opt('utility asks', n.utilityRequest),
    ),
    section(
      'PLC and control',
      opt('safe state', plant.plc.safeState),
      textRow('heartbeat', c.heartbeat, c.heartbeat === 'ok' ? '' : 'alarm'),
      textRow('cooling safety', c.safetyActive ? 'ACTING' : 'ok', c.safetyActive ? 'alarm' : ''),
      textRow(
        'controllers',
        failed.length ? `failed: ${failed.join(', ')}` : `${c.controllers.length} running`,
        failed.length ? 'alarm' : '',
      ),
    ),
  );
}
