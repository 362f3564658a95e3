import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import { siteJsonSchema } from '../../../src/config';
import { demoConfigPath } from '../../../src/cli/commands';

const root = join(__dirname, '..', '..', '..');
const load = (file: string): unknown => parse(readFileSync(file, 'utf8'), { merge: true });

describe('JSON Schema export', () => {
  const schema = siteJsonSchema();
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(schema);

  it('accepts the demo site and every valid case, as an editor would', () => {
    const files = [
      demoConfigPath(),
      ...readdirSync(join(root, 'test/cases/config/valid')).map((f) =>
        join(root, 'test/cases/config/valid', f),
      ),
    ];
    for (const file of files.filter((f) => f.endsWith('.yaml'))) {
      const ok = validate(load(file));
      expect({ file, errors: ok ? null : validate.errors }).toEqual({ file, errors: null });
    }
  });

  it('rejects what the schema can express: unknown keys, wrong types, bad enums', () => {
    expect(validate(load(join(root, 'test/cases/config/invalid/three-mistakes.yaml')))).toBe(false);
    expect(validate(load(join(root, 'test/cases/config/invalid/wrong-types.yaml')))).toBe(false);
  });

  it('is the committed config/heatbridge.schema.json (regenerate with `heatbridge config schema -o`)', () => {
    const committed = JSON.parse(
      readFileSync(join(root, 'config', 'heatbridge.schema.json'), 'utf8'),
    ) as unknown;
    expect(committed).toEqual(schema);
  });
});
