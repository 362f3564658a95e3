#!/usr/bin/env node
// Regenerates the generated parts of the docs from the code (run after `npm run build`):
// the simulators' register and variable reference in docs/simulators.md, the config schema, and
// the demo site's Grafana dashboards (grafana/dashboards, thresholds from config/demo.yaml).
'use strict';
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const dist = join(root, 'dist');
require(join(dist, 'simulators', 'docs.js')).writeSimulatorDoc();
const { siteJsonSchema, loadSiteConfig, formatProblems } = require(
  join(dist, 'src', 'config', 'index.js'),
);
writeFileSync(
  join(root, 'config', 'heatbridge.schema.json'),
  `${JSON.stringify(siteJsonSchema(), null, 2)}\n`,
);
const { writeDashboards } = require(join(dist, 'src', 'grafana', 'write.js'));
(async () => {
  const demo = join(root, 'config', 'demo.yaml');
  const result = await loadSiteConfig(demo, {});
  if (!result.ok) throw new Error(formatProblems(demo, result.problems));
  await writeDashboards(result.config, join(root, 'grafana', 'dashboards'));
  // The fleet dashboard (deploy/fleet): PromQL over every site, not generated from one site.
  const { writeFleetDashboard } = require(
    join(dist, 'src', 'grafana', 'fleet', 'fleet-dashboard.js'),
  );
  await writeFleetDashboard(join(root, 'deploy', 'fleet', 'grafana', 'dashboards'));
  console.error(
    'regenerated docs/simulators.md, config/heatbridge.schema.json and grafana/dashboards',
  );
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
