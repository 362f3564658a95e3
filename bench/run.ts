import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/util/project-root';
import { machine, type Bench, type BenchResult } from './lib';
import { opcuaBench } from './opcua';
import { controlTickBench } from './control-tick';
import { historianBench } from './historian';
import { modbusBench } from './modbus';
import { e2eBench } from './e2e';
import { e2eModbusBench } from './e2e-modbus';
import { apiBench } from './api';

/**
 * `npm run bench [-- --only a,b] [-- --quick]`: runs the benchmarks one after the other (they
 * would disturb each other), prints figures and ratios, writes bench/results/<name>.json and the
 * table in docs/performance.md. `--quick` makes short runs for the smoke test; its figures mean
 * nothing and are not written to the docs.
 */
const BENCHES: Record<string, Bench> = {
  modbus: modbusBench,
  opcua: opcuaBench,
  'control-tick': controlTickBench,
  historian: historianBench,
  e2e: e2eBench,
  'e2e-modbus': e2eModbusBench,
  api: apiBench,
};

/**
 * Node flags per benchmark. End to end runs HeatBridge as deployed (the Dockerfile's
 * NODE_OPTIONS: a 192 MB old-space limit; without it V8 lets collectable garbage grow the heap to
 * 200+ MB while 60 MB are live), and with --expose-gc to report the live heap.
 */
export const NODE_FLAGS: Record<string, string[]> = {
  e2e: ['--expose-gc', '--max-old-space-size=192', '--max-semi-space-size=4'],
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const outDir = process.env.HEATBRIDGE_BENCH_OUT ?? join(projectRoot(), 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const child = args.includes('--child') ? args[args.indexOf('--child') + 1] : undefined;
  if (child) {
    await runOne(child, quick, outDir);
    return;
  }
  const onlyArg = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  const names = onlyArg ? onlyArg.split(',') : Object.keys(BENCHES);
  const unknown = names.filter((n) => !BENCHES[n]);
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}\n`,
    );
    process.exit(2);
  }
  // Each benchmark in a fresh process: the heap one leaves behind (600,000 encoded lines) would
  // count as the next one's memory.
  const results: BenchResult[] = [];
  for (const name of names) {
    const r = spawnSync(
      process.execPath,
      [...(NODE_FLAGS[name] ?? []), __filename, '--child', name, ...(quick ? ['--quick'] : [])],
      { stdio: 'inherit', env: process.env },
    );
    if (r.status !== 0) throw new Error(`benchmark ${name} failed (exit ${r.status})`);
    results.push(JSON.parse(readFileSync(join(outDir, `${name}.json`), 'utf8')) as BenchResult);
  }
  if (!quick && !onlyArg) writePerformanceDoc(results, machine());
}

async function runOne(name: string, quick: boolean, outDir: string): Promise<void> {
  const bench = BENCHES[name];
  if (!bench) throw new Error(`unknown benchmark ${name}`);
  const progress = (line: string): void => {
    process.stderr.write(`[${name}] ${line}\n`);
  };
  progress('starting');
  const result = await bench({ quick, progress });
  const file = join(outDir, `${name}.json`);
  const record = { ...result, quick, at: new Date().toISOString(), machine: machine() };
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  process.stdout.write(`${summaryLine(result)}\n`);
  // Servers' and clients' handles may linger; the result is written.
  process.exit(0);
}

function summaryLine(r: BenchResult): string {
  const figures = Object.entries(r.figures)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const ceiling = r.ceiling
    ? ` | ceiling (${r.ceiling.what}): ${Object.entries(r.ceiling.figures)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`
    : '';
  const ratio = r.ratio !== undefined ? ` | ratio ${r.ratio}` : '';
  const targets = r.targets.map((t) => `${t.met ? 'met' : 'MISSED'}: ${t.what}`).join('; ');
  return `${r.title}: ${figures}${ceiling}${ratio} | ${targets}`;
}

/** Replaces the generated part of docs/performance.md (between its markers). */
function writePerformanceDoc(results: BenchResult[], env: Record<string, string | number>): void {
  const file = join(projectRoot(), 'docs', 'performance.md');
  const text = readFileSync(file, 'utf8');
  const rows = results.map((r) => {
    const figures = Object.entries(r.figures)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const ceiling = r.ceiling
      ? `${r.ceiling.what}: ${Object.entries(r.ceiling.figures)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`
      : '—';
    const targets = r.targets.map((t) => `${t.met ? '✓' : '✗'} ${t.what}`).join('<br>');
    return `| ${r.title} | ${figures} | ${ceiling} | ${r.ratio ?? '—'} | ${targets} |`;
  });
  const table = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${Object.entries(env)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    '',
    '| benchmark | HeatBridge | ceiling (same run) | ratio | targets |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < 0) throw new Error(`${file}: markers ${start} … ${end} missing`);
  writeFileSync(file, `${text.slice(0, i + start.length)}\n${table}\n${text.slice(j)}`);
  // The project's formatting (lint checks it), with the project's Prettier.
  spawnSync(join(projectRoot(), 'node_modules', '.bin', 'prettier'), ['--write', file], {
    stdio: 'ignore',
  });
  process.stderr.write(`updated ${file}\n`);
}

void main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
