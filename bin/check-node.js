// The Node.js version check, run before anything else is loaded. Dependencies (node-opcua,
// commander) are ES modules that older Node.js cannot require(); without this check an old Node
// stops with a stack trace from deep inside one of them instead of saying what is needed.
// Standard library only; the minimum is package.json's `engines.node` (">=MAJOR.MINOR").
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

/** The minimum from an `engines.node` range of the form ">=24.11" or ">=24.11.0". */
function minimumOf(range) {
  const m = /^\s*>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(range ?? '');
  if (!m) throw new Error(`package.json engines.node must read ">=MAJOR.MINOR", not "${range}"`);
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

/** The required version when `version` ("24.11.0" or "v24.11.0") is older, else undefined. */
function tooOld(version, range) {
  const have = String(version).replace(/^v/, '').split('.').map(Number);
  const need = minimumOf(range);
  for (let i = 0; i < 3; i++) {
    if ((have[i] ?? 0) > need[i]) return undefined;
    if ((have[i] ?? 0) < need[i]) return need.join('.');
  }
  return undefined;
}

function engines() {
  return JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).engines.node;
}

/** Exits with one line on stderr when this Node.js is older than package.json allows. */
function checkNode(program) {
  const needed = tooOld(process.versions.node, engines());
  if (needed === undefined) return;
  process.stderr.write(
    `${program}: needs Node.js ${needed} or newer; this is ${process.execPath} ${process.version}. ` +
      'Run it through npm (npm run demo, npm run heatbridge -- …), which uses the Node.js that ' +
      '`npm ci` installs in node_modules/.bin, or install Node.js 24 LTS.\n',
  );
  process.exit(1);
}

module.exports = { checkNode, tooOld, minimumOf };
