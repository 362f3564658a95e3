#!/usr/bin/env node
// A flame graph (SVG) from a V8 CPU profile (`node --cpu-prof`, or HEATBRIDGE_BENCH_PROFILE=DIR
// with `npm run bench`), for docs/performance.md. Idle time is left out; `--from S` skips the
// first S seconds (start-up), so the graph shows the measured window only.
//
//   node scripts/flamegraph.js <profile.cpuprofile> <out.svg> [--from 8] [--title "…"]
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const fromS = Number(opt('--from', '0'));
const title = opt('--title', '');
const [input, output] = args;
if (!input || !output) {
  console.error('usage: flamegraph.js <profile.cpuprofile> <out.svg> [--from S] [--title T]');
  process.exit(2);
}

const profile = JSON.parse(readFileSync(input, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** `function package` for dependencies, `function folder/file.js` for our own code. */
const frameName = (cf) => {
  const where = !cf.url
    ? ''
    : cf.url.includes('node_modules/')
      ? cf.url.split('node_modules/').pop().split('/')[0]
      : cf.url.split('/').slice(-2).join('/');
  return `${cf.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
};

// Self time per node within the window, then stacks merged by frame names from the root.
const self = new Map();
let t = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  t += dt;
  if (t - profile.startTime < fromS * 1e6) continue;
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
}
const root = { name: 'all', value: 0, children: new Map() };
for (const [id, us] of self) {
  const node = byId.get(id);
  if (node.callFrame.functionName === '(idle)') continue;
  const stack = [];
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const cf = byId.get(cur).callFrame;
    if (cf.functionName === '(root)') break;
    stack.push(frameName(cf));
  }
  stack.reverse();
  root.value += us;
  let at = root;
  for (const name of stack) {
    let child = at.children.get(name);
    if (!child) at.children.set(name, (child = { name, value: 0, children: new Map() }));
    child.value += us;
    at = child;
  }
}

const WIDTH = 1200;
const ROW = 16;
const rects = [];
let depthMax = 0;
const place = (node, x, depth) => {
  depthMax = Math.max(depthMax, depth);
  const w = (node.value / root.value) * WIDTH;
  if (w < 0.3) return;
  rects.push({ name: node.name, x, w, depth, share: node.value / root.value });
  let cx = x;
  for (const c of [...node.children.values()].sort((a, b) => b.value - a.value)) {
    place(c, cx, depth + 1);
    cx += (c.value / root.value) * WIDTH;
  }
};
place(root, 0, 0);

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const color = (name) => {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  if (name.startsWith('(garbage')) return 'rgb(200,200,200)';
  const hue = name.includes(' historian/') ? 30 : name.includes(' modbus') ? 200 : 10 + (h % 40);
  return `hsl(${hue},70%,${60 + (h % 20)}%)`;
};
const top = 24;
const height = top + (depthMax + 1) * ROW + 8;
const busyS = root.value / 1e6;
const body = rects
  .map((r) => {
    const y = height - 8 - (r.depth + 1) * ROW;
    const label = r.w > 40 ? esc(r.name).slice(0, Math.floor(r.w / 6.5)) : '';
    return `<g><title>${esc(r.name)} — ${(r.share * 100).toFixed(1)} %</title><rect x="${r.x.toFixed(1)}" y="${y}" width="${Math.max(r.w - 0.5, 0.1).toFixed(1)}" height="${ROW - 1}" fill="${color(r.name)}"/>${label ? `<text x="${(r.x + 3).toFixed(1)}" y="${y + 12}">${label}</text>` : ''}</g>`;
  })
  .join('\n');
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="monospace" font-size="11">
<rect width="100%" height="100%" fill="#fff"/>
<text x="4" y="16" font-size="13">${esc(title || input)} — ${busyS.toFixed(2)} s on the main thread (idle left out); hover for shares</text>
${body}
</svg>
`;
writeFileSync(output, svg);
console.error(`wrote ${output}: ${rects.length} frames, ${busyS.toFixed(2)} s busy`);
