// HeatBridge's control-room page: the plant mimic, key figures, alarms, overrides, a trend and the
// audit trail, kept live over Server-Sent Events. Plain modules, no framework, no build step.
import { el, formatValue, setTimeZone, timeOf, timeZone } from './format.js';
import { renderKpis } from './kpi-tiles.js';
import { renderMimic } from './mimic.js';
import { renderMimicList } from './mimic-list.js';
import { overrideHint, overrideItem } from './overrides.js';
import {
  chosenPoints,
  fillOverridePicker,
  filterPicker,
  limitChoice,
  renderTrendPicker,
  trendable,
} from './point-picker.js';
import { renderTrend } from './trend.js';
import { renderUtility } from './utility-panel.js';

const state = {
  token: sessionStorage.getItem('hb-token') ?? '',
  session: { authenticated: false, openReads: false },
  plant: null,
  points: new Map(),
  defs: [],
  overrides: [],
  stream: null,
  /** Known once /api/plant answered: until then no time is shown rather than a wrong one. */
  zoneKnown: false,
};

const $ = (id) => document.getElementById(id);
const canOperate = () => state.session.role === 'operator' || state.session.role === 'engineer';

class ApiFailure extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function api(path, opts = {}) {
  const headers = { ...(opts.body ? { 'Content-Type': 'application/json' } : {}) };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  const res = await fetch(path, { ...opts, headers, cache: 'no-store' });
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : null;
  if (!res.ok) throw new ApiFailure(body?.message ?? `HTTP ${res.status}`, res.status);
  return body;
}

// ── Rendering ────────────────────────────────────────────────────────────────────────────────

let mimicQueued = false;
function drawMimic() {
  if (!state.plant || mimicQueued) return;
  mimicQueued = true;
  requestAnimationFrame(() => {
    mimicQueued = false;
    renderMimic($('mimic'), state.plant, state.points);
    renderMimicList($('mimic-list'), state.plant, state.points);
    $('safety-banner').hidden = !state.plant.control.safetyActive;
  });
}

function renderWho() {
  const s = state.session;
  $('who').textContent = s.authenticated
    ? `${s.name} (${s.role})`
    : s.openReads
      ? 'viewing without sign-in'
      : 'not signed in';
  $('login').textContent = s.authenticated ? 'Sign out' : 'Sign in';
  const btn = $('new-override');
  btn.disabled = !canOperate();
  btn.title = canOperate() ? '' : "needs an operator's token";
}

/** A value of a point as the page shows it: at the point's resolution, with its unit. */
function valueOf(id, v) {
  const def = state.points.get(id);
  return formatValue(v, def?.unit, def?.resolution);
}

function renderAlarms(alarms) {
  $('alarm-count').textContent = String(alarms.length);
  $('alarm-count').className =
    `badge ${alarms.some((a) => a.state === 'active-unacked') ? 'state-failed' : alarms.length ? 'state-degraded' : 'state-ok'}`;
  $('alarms').replaceChildren(
    ...(alarms.length === 0
      ? [el('li', { class: 'muted' }, 'No alarms')]
      : alarms.map((a) =>
          el(
            'li',
            { class: `alarm prio-${a.priority} ${a.state}`, 'data-alarm': a.key },
            el('span', { class: 'alarm-state' }, a.state.replace('-', ' / ')),
            el('span', { class: 'alarm-msg' }, a.message),
            el(
              'span',
              { class: 'muted small' },
              `${a.priority} · ${timeOf(a.raisedAt)}${a.ackedBy ? ` · ack ${a.ackedBy}` : ''}`,
            ),
            a.state.endsWith('unacked') && canOperate()
              ? el(
                  'button',
                  { type: 'button', class: 'small', onclick: () => acknowledge(a.key) },
                  'Acknowledge',
                )
              : null,
            canOperate() && a.key !== 'alarm-flood'
              ? el(
                  'button',
                  { type: 'button', class: 'small', onclick: () => shelve(a.key) },
                  'Shelve 1 h',
                )
              : null,
          ),
        )),
  );
}

function renderOverrides() {
  $('overrides').replaceChildren(
    ...(state.overrides.length === 0
      ? [el('li', { class: 'muted' }, 'No overrides: the controllers are in charge')]
      : state.overrides.map((o) =>
          overrideItem(o, state.points.get(o.point), [
            canOperate()
              ? el(
                  'button',
                  { type: 'button', class: 'small', onclick: () => cancelOverride(o.point) },
                  'Cancel',
                )
              : null,
          ]),
        )),
  );
}

function renderAudit(entries, filtered) {
  $('audit').replaceChildren(
    ...(entries.length === 0
      ? [el('li', { class: 'muted' }, filtered ? 'Nothing matches the filter' : 'Nothing yet')]
      : entries.map((e) =>
          el(
            'li',
            { 'data-audit': e.action, 'data-actor': e.actor, 'data-target': e.target },
            el('span', { class: 'muted small' }, timeOf(e.at)),
            ` ${e.actor} `,
            el('strong', {}, e.action),
            ` ${e.target}`,
            e.new !== undefined ? ` → ${valueOf(e.target, e.new)}` : '',
            el('span', { class: 'muted small' }, ` ${e.reason} (${e.result})`),
          ),
        )),
  );
}

// ── Data ─────────────────────────────────────────────────────────────────────────────────────

async function refreshHealth() {
  try {
    const h = await api('/api/health');
    $('site').textContent = `${h.site.name} · v${h.version}`;
    $('overall').textContent = h.status;
    $('overall').className = `badge state-${h.status}`;
  } catch {
    $('overall').textContent = 'unreachable';
    $('overall').className = 'badge state-failed';
  }
}

async function refreshPlant() {
  state.plant = await api('/api/plant');
  setTimeZone(state.plant.site.timezone);
  state.zoneKnown = true;
  drawMimic();
}

async function refreshKpis() {
  renderKpis($('kpi-tiles'), await api('/api/kpi'));
}

/** The utility panel; hidden on a HeatBridge without day-ahead plans (503). */
async function refreshUtility() {
  try {
    renderUtility($('utility'), await api('/api/utility'));
    $('utility-panel').hidden = false;
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 503) $('utility-panel').hidden = true;
    else throw err;
  }
}

async function refreshAlarms() {
  renderAlarms(await api('/api/alarms'));
}

async function refreshOverrides() {
  state.overrides = await api('/api/overrides');
  renderOverrides();
}

/** The audit view, filtered by who and what (GET /api/audit's actor, action, target). */
async function refreshAudit() {
  const q = new URLSearchParams({ limit: '50' });
  for (const [param, id] of [
    ['actor', 'audit-actor'],
    ['action', 'audit-action'],
    ['target', 'audit-target'],
  ]) {
    const v = $(id).value.trim();
    if (v) q.set(param, v);
  }
  renderAudit(await api(`/api/audit?${q}`), [...q.keys()].length > 1);
}

async function loadAll() {
  try {
    state.session = await api('/api/session');
  } catch (err) {
    // Only a token the server no longer knows is forgotten; a busy or unreachable server
    // (429, 5xx, network) must not sign the control room out.
    if (!(err instanceof ApiFailure) || err.status !== 401) throw err;
    signOut(false);
    state.session = await api('/api/session');
  }
  renderWho();
  await refreshHealth();
  if (!state.session.authenticated && !state.session.openReads) {
    $('mimic').replaceChildren();
    return;
  }
  state.defs = await api('/api/points');
  for (const p of state.defs) state.points.set(p.id, p);
  // The plant first: it names the site's time zone, which every time shown is in.
  await refreshPlant();
  tick();
  fillPointSelectors();
  await Promise.all([
    refreshKpis(),
    refreshUtility(),
    refreshAlarms(),
    refreshOverrides(),
    refreshAudit(),
  ]);
  connectStream();
}

function connectStream() {
  state.stream?.close();
  const url =
    state.token && !state.session.openReads
      ? `/api/stream?access_token=${encodeURIComponent(state.token)}`
      : '/api/stream';
  const es = new EventSource(url);
  state.stream = es;
  const live = $('live');
  es.addEventListener('open', () => {
    live.textContent = 'live';
    live.className = 'badge state-ok';
  });
  es.addEventListener('error', () => {
    live.textContent = 'reconnecting';
    live.className = 'badge state-degraded';
  });
  es.addEventListener('points', (ev) => {
    for (const p of JSON.parse(ev.data))
      state.points.set(p.id, { ...state.points.get(p.id), ...p });
    drawMimic();
    live.dataset.lastEvent = ev.lastEventId;
  });
  es.addEventListener('alarm', () => void refreshAlarms());
  es.addEventListener('audit', () => void refreshAudit());
  es.addEventListener('overrides', () => void refreshOverrides());
  es.addEventListener('reset', () => void loadAll());
}

function fillPointSelectors() {
  const trend = $('trend-points');
  const chosen = new Set(chosenPoints(trend));
  if (chosen.size === 0) {
    for (const p of trendable(state.defs)
      .filter((p) => /supply_temp$/.test(p.id))
      .slice(0, 2))
      chosen.add(p.id);
  }
  renderTrendPicker(trend, state.defs, chosen);
  filterPicker(trend, $('trend-search').value);
  fillOverridePicker($('override-point'), state.defs);
  showBounds();
}

/** The dialog's line about the chosen point (bounds, rate, now) and when a value is reached. */
function showBounds() {
  const id = $('override-point').value;
  const hint = overrideHint(
    state.points.get(id),
    state.points.get(id),
    $('override-value').value.trim(),
  );
  $('override-bounds').textContent = hint.info;
  $('override-eta').textContent = hint.eta;
  $('override-eta').className = hint.bad ? 'error' : 'muted';
}

// ── Actions ──────────────────────────────────────────────────────────────────────────────────

async function acknowledge(key) {
  try {
    await api(`/api/alarms/${encodeURIComponent(key)}/ack`, {
      method: 'POST',
      body: JSON.stringify({}),
    });
    await refreshAlarms();
  } catch (err) {
    alert(`Could not acknowledge: ${err.message}`);
  }
}

// Shelving hides a nuisance alarm for an hour, with a reason for the audit trail.
async function shelve(key) {
  const reason = prompt(`Why shelve "${key}" for 1 h?`);
  if (!reason) return;
  try {
    await api(`/api/alarms/${encodeURIComponent(key)}/shelve`, {
      method: 'POST',
      body: JSON.stringify({ durationMin: 60, reason }),
    });
    await refreshAlarms();
  } catch (err) {
    alert(`Could not shelve: ${err.message}`);
  }
}

async function cancelOverride(point) {
  const reason = prompt(`Cancel the override on ${point}: why?`);
  if (!reason) return;
  try {
    await api(`/api/overrides/${point}?reason=${encodeURIComponent(reason)}`, { method: 'DELETE' });
    await refreshOverrides();
  } catch (err) {
    alert(`Could not cancel: ${err.message}`);
  }
}

function signOut(reload = true) {
  state.token = '';
  sessionStorage.removeItem('hb-token');
  state.session = { authenticated: false, openReads: state.session.openReads };
  if (reload) void loadAll();
}

function wireDialogs() {
  const login = $('login-dialog');
  $('login').addEventListener('click', () => {
    if (state.session.authenticated) signOut();
    else {
      $('login-error').textContent = '';
      login.showModal();
    }
  });
  $('login-cancel').addEventListener('click', () => login.close());
  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const token = $('token').value.trim();
    const previous = state.token;
    state.token = token;
    try {
      const s = await api('/api/session');
      if (!s.authenticated) throw new ApiFailure('not a token');
      sessionStorage.setItem('hb-token', token);
      $('token').value = '';
      login.close();
      await loadAll();
    } catch (err) {
      state.token = previous;
      $('login-error').textContent = `Sign-in failed: ${err.message}`;
    }
  });

  const dialog = $('override-dialog');
  $('new-override').addEventListener('click', () => {
    $('override-error').textContent = '';
    showBounds();
    dialog.showModal();
  });
  $('override-point').addEventListener('change', showBounds);
  $('override-value').addEventListener('input', showBounds);
  $('override-cancel').addEventListener('click', () => dialog.close());
  $('override-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const raw = $('override-value').value.trim();
    const value = raw === 'true' ? true : raw === 'false' ? false : Number(raw);
    try {
      await api('/api/overrides', {
        method: 'POST',
        body: JSON.stringify({
          point: $('override-point').value,
          value,
          durationMin: Number($('override-duration').value),
          reason: $('override-reason').value,
        }),
      });
      dialog.close();
      await Promise.all([refreshOverrides(), refreshAudit()]);
    } catch (err) {
      $('override-error').textContent = err.message;
    }
  });

  $('trend-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const ids = chosenPoints($('trend-points'));
    const span = Number($('trend-range').value);
    const to = Date.now();
    const from = to - span;
    const every = Math.max(Math.round(span / 300 / 1000), 1);
    try {
      const series = await Promise.all(
        ids.map((id) =>
          api(`/api/points/${id}/history?from=${from}&to=${to}&every=${every}s`).then((h) => ({
            id,
            unit: h.unit,
            resolution: state.points.get(id)?.resolution,
            points: h.points,
          })),
        ),
      );
      renderTrend($('trend'), series, from, to);
    } catch (err) {
      $('trend').replaceChildren();
      alert(`No trend: ${err.message}`);
    }
  });
  $('trend-points').addEventListener('change', () => limitChoice($('trend-points')));
  $('trend-search').addEventListener('input', () =>
    filterPicker($('trend-points'), $('trend-search').value),
  );

  $('audit-filter').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void refreshAudit().catch((err) => alert(`No audit: ${err.message}`));
  });
  $('audit-filter').addEventListener('change', () => void refreshAudit().catch(() => {}));
}

/** The site's time, 24-hour, zone named: the clock a control room means, not the browser's. */
function tick() {
  if (!state.zoneKnown) return;
  $('clock').textContent = timeOf(Date.now());
  $('clock').title = `site time (${timeZone()})`;
}

wireDialogs();
tick();
setInterval(tick, 1000);
// The first load retries until the server answers (it may be starting, or busy).
function start() {
  loadAll()
    .then(() => $('trend-form').requestSubmit())
    .catch((err) => {
      const live = $('live');
      live.textContent = `cannot load: ${err.message}; retrying`;
      live.className = 'badge state-failed';
      setTimeout(start, 5000);
    });
}
start();
setInterval(() => {
  if (state.session.authenticated || state.session.openReads) {
    void refreshHealth();
    void refreshPlant().catch(() => {});
    void refreshKpis().catch(() => {});
    void refreshUtility().catch(() => {});
  }
}, 5000);
