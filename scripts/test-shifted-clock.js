#!/usr/bin/env node
// The test suite with the clock moved (default 400 days ahead) by libfaketime (Debian's
// `faketime`): proves no test depends on the day it runs. libfaketime moves the clock of Node.js,
// of the processes the tests start and of C programs, but not of Go programs (influxd,
// VictoriaMetrics), so the tests that store data in those are left out here
// (scripts/server-clock-tests.js); they take their instants relative to the moment they run.
//
//   node scripts/test-shifted-clock.js [--shift +400d] [jest options and paths …]
'use strict';
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { serverClockTests } = require('./server-clock-tests');

const root = join(__dirname, '..');
const args = process.argv.slice(2);
let shift = '+400d';
const i = args.indexOf('--shift');
if (i >= 0) {
  shift = args[i + 1] ?? '';
  args.splice(i, 2);
}
const m = /^([+-])(\d+)d$/.exec(shift);
if (!m) {
  console.error(`--shift: expected days like +400d or -30d, got "${shift}"`);
  process.exit(2);
}
const shiftMs = (m[1] === '-' ? -1 : 1) * Number(m[2]) * 86_400_000;

// The check is only worth something if the clock really moved: ask a Node.js under faketime.
const probe = spawnSync(
  'faketime',
  ['-f', shift, process.execPath, '-e', 'process.stdout.write(String(Date.now()))'],
  { encoding: 'utf8' },
);
if (probe.error || probe.status !== 0) {
  console.error(
    `faketime did not run (${probe.error?.message ?? probe.stderr.trim()}): install Debian's "faketime" package (scripts/system-packages.txt)`,
  );
  process.exit(1);
}
const moved = Number(probe.stdout) - Date.now();
if (Math.abs(moved - shiftMs) > 3_600_000) {
  console.error(`faketime ${shift} moved Node.js's clock by ${moved} ms, not ${shiftMs} ms`);
  process.exit(1);
}

const skipped = serverClockTests();
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
console.error(
  `jest with the clock ${shift} (now ${new Date(Date.now() + shiftMs).toISOString()}), leaving out ${skipped.length} test files that store data in influxd or VictoriaMetrics, whose clock faketime cannot move:\n  ${skipped.join('\n  ')}`,
);
const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const result = spawnSync(
  'faketime',
  [
    '-f',
    shift,
    process.execPath,
    // As `npm run jest`: node-opcua and commander are ES modules, which jest's module system
    // loads natively (require of ESM) only with Node's VM modules.
    '--experimental-vm-modules',
    '--disable-warning=ExperimentalWarning',
    jest,
    ...args,
    // Last: jest's array options take every word that follows them.
    ...skipped.flatMap((f) => ['--testPathIgnorePatterns', `${escape(f)}$`]),
  ],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
