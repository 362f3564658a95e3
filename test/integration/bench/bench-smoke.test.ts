import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../../src/util/project-root';

/**
 * `npm run bench -- --quick`: every benchmark runs for a moment against its real servers and
 * writes a result with figures and, where it has one, the ceiling and ratio. Only that it works
 * is asserted — how fast is for `npm run bench` to say, not for a test.
 */
const root = projectRoot();

describe('the benchmarks', () => {
  it('all run (quick) and write their results, leaving docs/performance.md alone', () => {
    const out = mkdtempSync(join(tmpdir(), 'hb-bench-'));
    const doc = readFileSync(join(root, 'docs', 'performance.md'), 'utf8');
    const r = spawnSync('npm', ['run', '--silent', 'bench', '--', '--quick'], {
      cwd: root,
      env: { ...process.env, HEATBRIDGE_BENCH_OUT: out },
      encoding: 'utf8',
      timeout: 420_000,
    });
    expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr.slice(-3000) }).toEqual({
      status: 0,
      stderr: '',
    });
    const files = readdirSync(out).sort();
    expect(files).toEqual([
      'api.json',
      'control-tick.json',
      'e2e-modbus.json',
      'e2e.json',
      'historian.json',
      'modbus.json',
      'opcua.json',
    ]);
    for (const f of files) {
      const result = JSON.parse(readFileSync(join(out, f), 'utf8')) as {
        quick: boolean;
        figures: Record<string, number>;
        ceiling?: { figures: Record<string, number> };
        ratio?: number;
        machine: Record<string, unknown>;
        targets: unknown[];
      };
      expect(result.quick).toBe(true);
      expect(result.machine.node).toBe(process.version);
      expect(result.targets.length).toBeGreaterThan(0);
      for (const v of Object.values(result.figures)) expect(Number.isFinite(v)).toBe(true);
      if (result.ceiling) {
        expect(result.ratio).toBeGreaterThan(0);
        for (const v of Object.values(result.ceiling.figures)) expect(v).toBeGreaterThan(0);
      }
    }
    // One line per benchmark on stdout: figures, ceiling, ratio, targets.
    expect(r.stdout.trim().split('\n')).toHaveLength(7);
    expect(readFileSync(join(root, 'docs', 'performance.md'), 'utf8')).toBe(doc);
  }, 480_000);

  it('names the benchmarks it knows when asked for one it does not', () => {
    const r = spawnSync('npm', ['run', '--silent', 'bench', '--', '--only', 'warp-drive'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      'unknown benchmark(s): warp-drive; known: modbus, opcua, control-tick, historian, e2e, e2e-modbus, api',
    );
  }, 120_000);
});
