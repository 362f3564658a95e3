#!/usr/bin/env node
// Checks the Debian packages of scripts/system-packages.txt (real servers and peers the tests
// run: influxd, pymodbus, mbpoll, chromium ...). Installs the missing ones with apt-get when run
// as root on Debian; otherwise says exactly what to install and exits 1, so a missing tool is
// never a silently skipped test.
'use strict';
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

function packages() {
  const list = readFileSync(join(__dirname, 'system-packages.txt'), 'utf8');
  return list
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [name, path] = l.split(/\s+/);
      return { name, path };
    });
}

function run(cmd, args) {
  console.error(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return r.status === 0;
}

const missing = packages().filter((p) => !existsSync(p.path));
if (missing.length === 0) process.exit(0);

const names = missing.map((p) => p.name);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
if (process.argv.includes('--install') && isRoot && hasApt) {
  console.error(`Installing Debian packages the tests need: ${names.join(' ')}`);
  const ok =
    run('apt-get', ['update']) &&
    run('apt-get', ['install', '-y', '--no-install-recommends', ...names]);
  const still = missing.filter((p) => !existsSync(p.path));
  if (ok && still.length === 0) process.exit(0);
  console.error(
    `Still missing after apt-get: ${still.map((p) => p.name).join(' ') || '(install failed)'}`,
  );
  process.exit(1);
}
console.error(
  `The tests need these Debian packages: ${names.join(' ')}\n` +
    `Install them with:  sudo apt-get update && sudo apt-get install -y ${names.join(' ')}\n` +
    '(or run `sudo bash .ci/run`, which installs everything and runs the tests).',
);
process.exit(1);
