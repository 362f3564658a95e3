import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadSiteConfig } from '../../../src/config';
import { demoConfigPath } from '../../../src/cli/commands';
import { SIMULATOR_DOC, renderSimulatorDoc } from '../../../simulators/docs';
import { REGISTER_MAPS } from '../../../simulators/modbus/register-map';
import {
  HALL_VARIABLES,
  hallBrowsePath,
  hallNodeId,
} from '../../../simulators/opcua/hall-variables';

const KIND: Record<string, keyof typeof REGISTER_MAPS> = {
  plant: 'plant',
  hp1: 'heat-pump',
  hp2: 'heat-pump',
  dh: 'district',
};

describe('the simulators, the demo site and the docs agree', () => {
  it('config/demo.yaml describes every simulated Modbus register exactly as the devices serve it', async () => {
    const loaded = await loadSiteConfig(demoConfigPath(), {});
    if (!loaded.ok) throw new Error('demo config invalid');
    const site = loaded.config;
    for (const [device, equipment] of Object.entries(site.simulation!.equipment)) {
      const d = site.devices[device]!;
      if (d.protocol !== 'modbus') continue;
      const described = d.points.map((p) => ({
        name: p.name,
        table: p.table,
        register: p.register,
        type: p.type,
        order: p.order ?? d.byteOrder,
        scale: p.scale,
        unit: p.unit,
        access: p.access,
      }));
      const served = REGISTER_MAPS[KIND[equipment]!].map((p) => ({
        name: p.name,
        table: p.table,
        register: p.register,
        type: p.type,
        order: p.order ?? 'ABCD',
        scale: p.scale ?? 1,
        unit: p.unit,
        access: p.access,
      }));
      const byName = (a: { name: string }, b: { name: string }): number =>
        a.name.localeCompare(b.name);
      expect({ device, points: described.sort(byName) }).toEqual({
        device,
        points: served.sort(byName),
      });
    }
  });

  it('config/demo.yaml names every OPC UA variable of the hall by a node that exists', async () => {
    const loaded = await loadSiteConfig(demoConfigPath(), {});
    if (!loaded.ok) throw new Error('demo config invalid');
    const hall = loaded.config.devices.hall1!;
    if (hall.protocol !== 'opcua') throw new Error('hall1 is OPC UA');
    const nodes = new Set(HALL_VARIABLES.flatMap((v) => [hallNodeId(v), hallBrowsePath(v)]));
    for (const p of hall.points)
      expect({ point: p.name, exists: nodes.has(p.nodeId ?? p.browsePath!) }).toEqual({
        point: p.name,
        exists: true,
      });
    expect(hall.points).toHaveLength(HALL_VARIABLES.length);
  });

  it('docs/simulators.md lists the current registers and variables (regenerate with `npm run docs`)', () => {
    const file = SIMULATOR_DOC();
    const current = readFileSync(file, 'utf8');
    // Formatted as the committed file is; prettier runs as a process (its API needs ESM loading).
    const prettier = join(
      __dirname,
      '..',
      '..',
      '..',
      'node_modules',
      'prettier',
      'bin',
      'prettier.cjs',
    );
    const formatted = execFileSync(process.execPath, [prettier, '--stdin-filepath', file], {
      input: renderSimulatorDoc(current),
      encoding: 'utf8',
    });
    expect(formatted).toBe(current);
  });
});
