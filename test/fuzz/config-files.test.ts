import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isMap, isScalar, isSeq, parseDocument, stringify, type Document } from 'yaml';
import { demoConfigPath } from '../../src/cli/commands';
import {
  formatProblems,
  loadSiteConfig,
  parseSiteConfig,
  type ConfigProblem,
  type ConfigResult,
} from '../../src/config';
import {
  failOnUnhandledRejections,
  fuzzParams,
  fuzzParamsScaled,
  fuzzTimeoutMs,
  heapProbe,
  numRuns,
} from './fuzz-config';

/**
 * Site files, fuzzed: arbitrary text, arbitrary YAML structures, and the demo site with keys
 * deleted, values replaced and characters inserted. The loader never throws; it answers ok or
 * problems, each a clear message with a path and, for the file itself, a line.
 */
failOnUnhandledRejections();

const dir = mkdtempSync(join(tmpdir(), 'hb-fuzz-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A control character or a bidirectional control (see src/util/unsafe-text.ts). */
const hasRefusedChar = (s: string): boolean =>
  [...s].some((ch) => {
    const cp = ch.codePointAt(0)!;
    return (
      cp < 0x20 ||
      (cp >= 0x7f && cp <= 0x9f) ||
      (cp >= 0x202a && cp <= 0x202e) ||
      (cp >= 0x2066 && cp <= 0x2069)
    );
  });

/** Why a problem is not a clear message, or undefined when it is. */
function unclear(p: ConfigProblem): string | undefined {
  if (typeof p.path !== 'string' || p.path === '') return 'no path';
  if (typeof p.message !== 'string' || p.message.trim() === '') return 'no message';
  // Quoted input ("unknown key \"undefined\"") may say anything; the words around it may not.
  const words = p.message.replace(/"[^"]*"/g, '""');
  if (/\[object \w+\]|\bundefined\b/.test(words)) return 'a placeholder in the message';
  if (p.line !== undefined && !(Number.isInteger(p.line) && p.line >= 1)) return 'a bad line';
  // Problems with the file itself say where, except those about the file as a whole.
  if (
    p.path === '(file)' &&
    p.line === undefined &&
    !/^(the file is empty|cannot expand the YAML|cannot read )/.test(p.message)
  )
    return 'a file problem without a line';
  return undefined;
}

function checkResult(result: ConfigResult, text: string): void {
  if (result.ok) {
    expect(typeof result.config.site.id).toBe('string');
    return;
  }
  expect(result.problems.length).toBeGreaterThan(0);
  const bad = result.problems
    .map((p) => ({ p, why: unclear(p) }))
    .filter((x) => x.why !== undefined);
  expect({ text, bad }).toEqual({ text, bad: [] });
  // What `heatbridge config validate` prints holds no control character but its line breaks
  // (and tabs, which a site file may hold and a YAML error may quote).
  const printed = formatProblems('site.yaml', result.problems);
  expect({ text, printed, clean: !hasRefusedChar(printed.replace(/[\n\t]/g, ' ')) }).toEqual({
    text,
    printed,
    clean: true,
  });
  const lines = text.split('\n').length;
  for (const p of result.problems)
    if (p.line !== undefined) expect(p.line).toBeLessThanOrEqual(lines);
}

/** Characters that YAML gives meaning to, and some it refuses, for text that is YAML-ish. */
const yamlish = fc.string({
  unit: fc.constantFrom(
    ...'abc xyz:-[]{},#&*!|>\'"%@`?\n\t\r0123456789.eE+'.split(''),
    '\u0000',
    '\u202e',
    '\ufeff',
    '\u00e9',
    '\ud83d\ude00',
    '<<: *a\n',
    '&a ',
    'site:\n  id: s\n',
  ),
  maxLength: 200,
});

/** Values as a site file may hold them, and values it should not. */
const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(null, true, 0, -1, 65536, 1e308, -0, '', '~', 'NaN', 'Europe/Helsinki', 'degC'),
  fc.double(),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 4 }),
);

type Path = (string | number)[];

/** Every path to a node of a site file (map values and sequence items). */
function pathsOf(doc: Document): Path[] {
  const out: Path[] = [];
  const walk = (node: unknown, path: Path): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const p = [...path, String(pair.key.value)];
        out.push(p);
        walk(pair.value, p);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        out.push([...path, i]);
        walk(item, [...path, i]);
      });
    }
  };
  walk(doc.contents, []);
  return out;
}

type Mutation =
  | { kind: 'delete'; path: Path }
  | { kind: 'replace'; path: Path; value: unknown }
  | { kind: 'rename'; path: Path; key: string }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'cut'; at: number; length: number };

interface Base {
  name: string;
  text: string;
  doc: Document;
}

function base(name: string, text: string): Base {
  return { name, text, doc: parseDocument(text, { merge: true }) };
}

/** One to four mutations of a valid site file, applied in order. */
function mutationsOf(b: Base): fc.Arbitrary<Mutation[]> {
  const paths = pathsOf(b.doc);
  const keyPaths = paths.filter((p) => typeof p.at(-1) === 'string');
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ kind: fc.constant('delete' as const), path: fc.constantFrom(...paths) }),
    fc.record({ kind: fc.constant('replace' as const), path: fc.constantFrom(...paths), value }),
    fc.record({
      kind: fc.constant('rename' as const),
      path: fc.constantFrom(...keyPaths),
      key: fc.string({ unit: 'binary', maxLength: 12 }),
    }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat({ max: b.text.length }),
      text: fc.oneof(yamlish, fc.string({ unit: 'binary', maxLength: 3 })),
    }),
    fc.record({
      kind: fc.constant('cut' as const),
      at: fc.nat({ max: b.text.length }),
      length: fc.nat({ max: 200 }),
    }),
  );
  return fc.array(mutation, { minLength: 1, maxLength: 4 });
}

/** The base's text after the mutations; undefined if YAML cannot say the result. */
function mutate(b: Base, mutations: Mutation[]): string | undefined {
  try {
    return mutateOrThrow(b, mutations);
  } catch {
    // The yaml package will not write it (an alias whose anchor was deleted, an anchor name
    // with a NUL): not a file anyone can have.
    return undefined;
  }
}

function mutateOrThrow(b: Base, mutations: Mutation[]): string {
  let doc = b.doc.clone();
  let text: string | undefined;
  for (const m of mutations) {
    if (m.kind === 'insert' || m.kind === 'cut') {
      text ??= doc.toString();
      text =
        m.kind === 'insert'
          ? text.slice(0, m.at) + m.text + text.slice(m.at)
          : text.slice(0, m.at) + text.slice(m.at + m.length);
      continue;
    }
    if (text !== undefined) {
      // A structural change after a textual one: on the text as it is now, if it still parses.
      doc = parseDocument(text, { merge: true });
      if (doc.errors.length > 0) continue;
      text = undefined;
    }
    if (!doc.hasIn(m.path)) continue;
    if (m.kind === 'delete') doc.deleteIn(m.path);
    else if (m.kind === 'replace') doc.setIn(m.path, doc.createNode(m.value));
    else {
      const parent = m.path.slice(0, -1);
      const old = doc.getIn(m.path, true);
      doc.deleteIn(m.path);
      if (doc.hasIn(parent) || parent.length === 0) doc.setIn([...parent, m.key], old);
    }
  }
  return text ?? doc.toString();
}

const casesDir = join(__dirname, '..', 'cases', 'config', 'valid');
/** The small valid sites of test/cases: fast to parse, so mutated at the full run count. */
const smallSites = readdirSync(casesDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => base(f, readFileSync(join(casesDir, f), 'utf8')));
/** The demo site documents every option; it takes ~50-100 ms to check, so it gets 2% of the runs. */
const demo = base('demo.yaml', readFileSync(demoConfigPath(), 'utf8'));

const mutatedSite = (sites: Base[]): fc.Arbitrary<{ site: string; m: Mutation[] }> =>
  fc.constantFrom(...sites).chain((b) => mutationsOf(b).map((m) => ({ site: b.name, m })));

describe('fuzz: site files', () => {
  it(
    'arbitrary text: ok or clear problems, never a throw',
    () => {
      const heap = heapProbe();
      fc.assert(
        fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), yamlish), (text) => {
          heap.tick();
          checkResult(parseSiteConfig(text, {}), text);
        }),
        fuzzParams,
      );
      heap.print('config: arbitrary text');
    },
    fuzzTimeoutMs(),
  );

  it(
    'arbitrary YAML structures: ok or clear problems, never a throw',
    () => {
      const heap = heapProbe();
      const structure = fc.oneof(
        fc.anything({ maxDepth: 4, withNullPrototype: true }),
        fc.record(
          {
            site: fc.oneof(value, fc.record({ id: value, name: value }, { requiredKeys: [] })),
            devices: fc.oneof(value, fc.dictionary(fc.string({ maxLength: 8 }), value)),
            api: value,
            historian: value,
            control: value,
            alarms: value,
            extends: value,
          },
          { requiredKeys: [] },
        ),
      );
      fc.assert(
        fc.property(structure, fc.boolean(), (data, flow) => {
          heap.tick();
          let text: unknown;
          try {
            text = stringify(data, { flowLevel: flow ? 1 : undefined } as object);
          } catch {
            return; // not representable in YAML: not a site file anyone can write
          }
          if (typeof text !== 'string') return; // undefined, a function: no file at all
          checkResult(parseSiteConfig(text, {}), text);
        }),
        fuzzParams,
      );
      heap.print('config: YAML structures');
    },
    fuzzTimeoutMs(),
  );

  it.each([
    ['the valid cases', smallSites, fuzzParams],
    ['the demo site', [demo], fuzzParamsScaled(0.02)],
  ] as const)(
    '%s with keys deleted, renamed, values replaced, text inserted and cut',
    (label, sites, params) => {
      const heap = heapProbe(params.numRuns);
      fc.assert(
        fc.property(mutatedSite([...sites]), ({ site, m }) => {
          heap.tick();
          const text = mutate(
            sites.find((b) => b.name === site)!,
            m,
          );
          if (text === undefined) return;
          checkResult(parseSiteConfig(text, {}), text);
        }),
        params,
      );
      heap.print(`config: mutations of ${label}`);
    },
    fuzzTimeoutMs(numRuns, 40),
  );

  it(
    'the loader on arbitrary bytes in a file (invalid UTF-8, a BOM, binary)',
    async () => {
      const file = join(dir, 'site.yaml');
      const bytes = fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        yamlish.map((s) => new Uint8Array(Buffer.from(`\ufeff${s}`))),
      );
      await fc.assert(
        fc.asyncProperty(bytes, async (b) => {
          writeFileSync(file, b);
          const result = await loadSiteConfig(file, {});
          checkResult(result, Buffer.from(b).toString('utf8'));
        }),
        fuzzParamsScaled(0.25),
      );
    },
    fuzzTimeoutMs(),
  );
});
