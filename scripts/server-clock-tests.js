#!/usr/bin/env node
// The test files that store data in a server whose clock they do not control: influxd and
// VictoriaMetrics, started through test/helpers/influxd.ts or bench/fleet/servers.ts. Both are Go
// programs, which read the clock without libc, so libfaketime does not move them: under a
// shifted clock such a test would write points the server judges to be a year in the future.
// They take every instant from test/helpers/server-time.ts instead, relative to the moment they
// run.
//
// One list, found from the imports, serves two places: the shifted-clock run leaves these files
// out (scripts/test-shifted-clock.js), and ESLint rejects literal calendar dates in them
// (eslint.config.mjs). Printed one per line when run directly.
'use strict';
const { readdirSync, readFileSync } = require('node:fs');
const { join, relative, sep } = require('node:path');

const root = join(__dirname, '..');

/** An import of a module that starts those servers (an import statement, not any mention). */
const IMPORTS_SERVER_HELPER =
  /^import [^;]+ from '(\.\.\/)+(helpers\/influxd|bench\/fleet\/(servers|fleet-load))';$/m;

function walk(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (entry.name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/** Paths relative to the project root, with forward slashes, sorted. */
function serverClockTests() {
  return walk(join(root, 'test'))
    .filter((file) => IMPORTS_SERVER_HELPER.test(readFileSync(file, 'utf8')))
    .map((file) => relative(root, file).split(sep).join('/'))
    .sort();
}

module.exports = { serverClockTests };

if (require.main === module) process.stdout.write(`${serverClockTests().join('\n')}\n`);
