import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoConfigPath } from '../../../src/cli/commands';
import { loadSiteConfig } from '../../../src/config';
import { mergeConfig } from '../../../src/config/load';

describe('a site file that extends another', () => {
  it('merges as a JSON Merge Patch: objects by key, lists and values replaced, null removes', () => {
    expect(
      mergeConfig(
        { a: { b: 1, c: [1, 2], d: 'x' }, e: 1 },
        { a: { c: [3], d: null, f: true }, extends: 'base.yaml' },
      ),
    ).toEqual({ a: { b: 1, c: [3], f: true }, e: 1 });
  });

  it('keeps the base site and changes what it names (the demo on other hosts, in InfluxDB)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-extends-'));
    const file = join(dir, 'site.yaml');
    writeFileSync(
      file,
      `extends: ${demoConfigPath()}
devices:
  plant: { host: plc.example }
historian: { type: influxdb-v1, url: 'http://db:8086', database: hb, dir: null, rotateBytes: null, maxFiles: null }
`,
    );
    const r = await loadSiteConfig(file, {});
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.config.devices.plant).toMatchObject({
      protocol: 'modbus',
      host: 'plc.example',
      port: 5020,
    });
    expect(r.config.devices.hp1).toMatchObject({ host: '127.0.0.1' });
    expect(r.config.historian).toMatchObject({ type: 'influxdb-v1', database: 'hb' });
    expect(r.config.control.controllers).toHaveLength(5);
  });

  it('reports a missing base, a cycle, and problems of the merged result with their path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-extends-'));
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const missing = await loadSiteConfig(write('a.yaml', 'extends: nowhere.yaml\n'), {});
    expect(missing).toMatchObject({
      ok: false,
      problems: [{ path: 'extends', message: expect.stringMatching(/no such file/) }],
    });
    write('x.yaml', 'extends: y.yaml\n');
    const cycle = await loadSiteConfig(write('y.yaml', 'extends: x.yaml\n'), {});
    expect(cycle).toMatchObject({
      ok: false,
      problems: [{ path: 'extends', message: expect.stringMatching(/cycle/) }],
    });
    // Switching the historian type without removing the file historian's keys is refused.
    const mixed = await loadSiteConfig(
      write(
        'm.yaml',
        `extends: ${demoConfigPath()}\nhistorian: { type: influxdb-v1, url: 'http://db:8086', database: hb }\n`,
      ),
      {},
    );
    expect(mixed.ok).toBe(false);
    if (!mixed.ok) expect(mixed.problems.map((p) => p.path).join(' ')).toMatch(/historian/);
  });
});
