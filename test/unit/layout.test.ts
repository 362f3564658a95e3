import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { projectRoot } from '../../src/util/project-root';

/**
 * The layout docs/architecture.md draws, kept true: each folder of `src/` owns one thing, and
 * imports go one way, from the outside in (the CLI and the composition root on top, the domain
 * types at the bottom). A folder imports only from folders in lower layers; folders in the same
 * layer do not import each other.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['domain', 'log'],
  ['util'],
  ['config'],
  ['runtime'],
  ['adapters', 'historian', 'alarms', 'utility'],
  ['control', 'notify'],
  ['reporting', 'signals'],
  ['grafana', 'simulation'],
  ['api'],
  ['service', 'northbound'],
  ['app'],
  ['cli'],
];
const MAX_LINES = 500;

const src = join(projectRoot(), 'src');
const simulators = join(projectRoot(), 'simulators');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/** `src/control/cycle.ts` → `control`; `src/app.ts` → `app`. */
function folderOf(file: string): string {
  const [first, ...rest] = relative(src, file).split(sep);
  return rest.length > 0 ? first! : first!.replace(/\.ts$/, '');
}

/** Every relative import of a file (static, dynamic and `require`), resolved to a path. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from |import |import\(|require\()'(\.[^']*)'/g)].map(
    (m) => m[1]!,
  );
  return specs.map((s) => resolve(dirname(file), s));
}

const files = sourceFiles(src);
const layerOf = new Map(LAYERS.flatMap((names, i) => names.map((n) => [n, i] as const)));

describe('the layout of src/', () => {
  it('names every folder in a layer', () => {
    const unknown = [...new Set(files.map(folderOf))].filter((f) => !layerOf.has(f));
    expect(unknown).toEqual([]);
  });

  it('imports only from lower layers', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = folderOf(file);
      for (const target of importsOf(file)) {
        if (!target.startsWith(src + sep)) continue;
        const to = folderOf(target.endsWith('.ts') ? target : `${target}.ts`);
        if (to !== from && !(layerOf.get(to)! < layerOf.get(from)!))
          wrong.push(`${relative(src, file)} imports ${to}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('reaches the simulators only through simulators/index.ts, and only from simulate and the CLI', () => {
    const wrong: string[] = [];
    for (const file of files) {
      for (const target of importsOf(file)) {
        if (!target.startsWith(simulators)) continue;
        const where = relative(src, file);
        if (target !== simulators && target !== join(simulators, 'index'))
          wrong.push(`${where} imports ${relative(projectRoot(), target)}`);
        else if (!['simulation', 'cli'].includes(folderOf(file)))
          wrong.push(`${where} imports the simulators`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keeps src/domain free of anything else of ours', () => {
    const outside = files
      .filter((f) => folderOf(f) === 'domain')
      .flatMap((f) => importsOf(f).map((t) => [f, t] as const))
      .filter(([, t]) => !t.startsWith(join(src, 'domain') + sep))
      .map(([f, t]) => `${relative(src, f)} imports ${relative(projectRoot(), t)}`);
    expect(outside).toEqual([]);
  });

  it(`has no source file over ${MAX_LINES} lines`, () => {
    const long = files
      .map((f) => [relative(src, f), readFileSync(f, 'utf8').split('\n').length - 1] as const)
      .filter(([, n]) => n > MAX_LINES);
    expect(long).toEqual([]);
  });
});
