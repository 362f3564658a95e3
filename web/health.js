// Minimal status page: the state of every HeatBridge component, refreshed every 2 s.
'use strict';

function badge(state) {
  const span = document.createElement('span');
  span.className = `badge state-${state}`;
  span.textContent = state;
  return span;
}

async function refresh() {
  const overall = document.getElementById('overall');
  try {
    const res = await fetch('/api/health', { cache: 'no-store' });
    const health = await res.json();
    document.getElementById('site').textContent = `${health.site.name} · v${health.version}`;
    overall.replaceWith(Object.assign(badge(health.status), { id: 'overall' }));
    const body = document.querySelector('#components tbody');
    body.replaceChildren(
      ...health.components.map((c) => {
        const row = document.createElement('tr');
        const cells = [c.name, null, new Date(c.since).toLocaleString(), c.message ?? ''];
        cells.forEach((text, i) => {
          const td = document.createElement('td');
          if (i === 1) td.append(badge(c.state));
          else td.textContent = text;
          row.append(td);
        });
        return row;
      }),
    );
  } catch {
    overall.replaceWith(Object.assign(badge('unreachable'), { id: 'overall' }));
  }
}

refresh();
setInterval(refresh, 2000);
