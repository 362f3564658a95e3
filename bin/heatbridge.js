#!/usr/bin/env node
// The `heatbridge` command. Runs the compiled CLI; tells the user how to build it if it is missing.
'use strict';
require('./check-node').checkNode('heatbridge');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(
    'heatbridge: not built yet. Run `npm ci && npm run build` in the HeatBridge folder.\n',
  );
  process.exit(1);
}
require(entry).cli();
