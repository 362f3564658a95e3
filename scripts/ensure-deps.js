#!/usr/bin/env node
// Makes `npm run demo` and `npm test` work on a fresh clone: checks the Node.js version and
// installs the npm packages from the lockfile (`npm ci`) when node_modules is missing or was
// installed from a different lockfile. Uses only Node's standard library, since it runs before
// any package is installed.
'use strict';
const { createHash } = require('node:crypto');
const { existsSync, readFileSync, writeFileSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`HeatBridge needs Node.js 20.19 or newer; this is ${process.version}.`);
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
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('npm ci failed; see the output above.');
    process.exit(result.status ?? 1);
  }
}
writeFileSync(stamp, `${lockHash}\n`);
