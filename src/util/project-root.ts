import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: { root: string; version: string } | undefined;

/**
 * The HeatBridge package directory (where package.json, config/ and web/ are), found from this
 * file's location so it works from src/ under ts-jest and from dist/src/ after a build.
 */
function locate(): { root: string; version: string } {
  if (cached) return cached;
  let dir = __dirname;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const json = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string; version?: string };
      if (json.name === 'heatbridge') {
        cached = { root: dir, version: json.version ?? '0.0.0' };
        return cached;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the heatbridge package above ${__dirname}`);
    dir = parent;
  }
}

export function projectRoot(): string {
  return locate().root;
}

export function heatbridgeVersion(): string {
  return locate().version;
}
