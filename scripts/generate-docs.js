#!/usr/bin/env node
// Regenerates the generated parts of the docs from the code (run after `npm run build`):
// the simulators' register and variable reference in docs/simulators.md, and the config schema.
'use strict';
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dist = join(__dirname, '..', 'dist');
require(join(dist, 'simulators', 'docs.js')).writeSimulatorDoc();
const { siteJsonSchema } = require(join(dist, 'src', 'config', 'json-schema.js'));
writeFileSync(
  join(__dirname, '..', 'config', 'heatbridge.schema.json'),
  `${JSON.stringify(siteJsonSchema(), null, 2)}\n`,
);
console.error('regenerated docs/simulators.md and config/heatbridge.schema.json');
