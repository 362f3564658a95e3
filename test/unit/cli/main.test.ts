import { describe, expect, it } from '@jest/globals';
import { ensureDemoTokens } from '../../../src/api/demo-tokens';
import { EXIT_USAGE, main } from '../../../src/cli/main';
import { join } from 'node:path';
import { demoConfigFileOnFreePorts } from '../../helpers/sites';

/** Runs the CLI in-process with captured output. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, {
    out: (s) => (out += `${s}\n`),
    err: (s) => (err += `${s}\n`),
    env: {},
  });
  return { code, out, err };
}

const cases = join(__dirname, '..', '..', 'cases', 'config');

describe('heatbridge CLI', () => {
  it('config validate: exit 0 and a summary for a valid file', async () => {
    // The demo site with its tokens file made, as `heatbridge demo` makes it.
    const { file, dir } = await demoConfigFileOnFreePorts();
    ensureDemoTokens(join(dir, 'demo-tokens.yaml'));
    const r = await cli('config', 'validate', file);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/valid \(5 devices, 73 points, 5 controllers\)/);
  });

  it('config validate and run: a tokens file that does not exist is a problem, said the same by both', async () => {
    const { file, dir } = await demoConfigFileOnFreePorts();
    const tokens = join(dir, 'demo-tokens.yaml');
    const line = new RegExp(
      `^${file}:\\d+: api\\.tokensFile: ${tokens}: no such file: create it with the entries`,
      'm',
    );
    const validate = await cli('config', 'validate', file);
    expect(validate.code).toBe(1);
    expect(validate.err).toMatch(line);
    // `run` says it before starting anything, instead of stopping at once with a stack trace.
    const run = await cli('run', '--config', file);
    expect(run).toMatchObject({ code: 1, out: '' });
    expect(run.err).toBe(validate.err);
  });

  it('config validate: exit 1 and every problem for a bad file', async () => {
    const file = join(cases, 'invalid', 'three-mistakes.yaml');
    const r = await cli('config', 'validate', file);
    expect(r.code).toBe(1);
    expect(r.err).toContain('3 problems:');
    expect(r.err).toContain(`${file}:17: devices.hp1.points[1].register: expected an integer ≥ 0`);
    expect(r.err).toContain(`${file}:11: devices.hp1.pollIntervalMS: unknown key`);
    expect(r.err).toContain(`${file}:24: devices.hp1.points[2].unit: expected a unit`);
  });

  it('config schema: prints a JSON Schema', async () => {
    const r = await cli('config', 'schema');
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.out) as { $schema: string; required: string[] };
    expect(schema.$schema).toContain('json-schema.org');
    expect(schema.required).toEqual(expect.arrayContaining(['site', 'devices']));
  });

  it.each([
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['config', 'validat', 'x'], 'Did you mean validate?'],
    [['demo', '--prot', '1'], 'Did you mean --port?'],
    [['demo', '--port', 'eighty'], 'expected a TCP port'],
    [['demo', '--port-offset', '1.5'], 'expected a whole number of ports'],
    [['sim', '--opcua-port', '70000'], 'expected a TCP port'],
    [['run'], "required option '-c, --config <file>' not specified"],
    [['run', '-c', 'x.yaml', '--log-level', 'loud'], 'Allowed choices are fatal, error'],
    [['config'], 'validate <file>'],
  ])('usage error %j: exit 2 and a helpful message', async (args, message) => {
    const r = await cli(...args);
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.err).toContain(message);
  });

  it('--version and --help exit 0', async () => {
    const v = await cli('--version');
    expect(v.code).toBe(0);
    expect(v.out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const h = await cli('--help');
    expect(h.code).toBe(0);
    expect(h.out).toContain('demo');
  });

  it('run with an invalid config exits 1 before starting anything', async () => {
    const r = await cli('run', '--config', join(cases, 'invalid', 'missing-sections.yaml'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('site.name: required');
  });
});
