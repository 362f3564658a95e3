import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished, ROOT } from '../../helpers/cli';

const POINT = '[{ name: a, table: holding, register: 0, type: uint16, unit: count }]';
const OPCUA = `protocol: opcua, endpoint: 'opc.tcp://127.0.0.1:4840', securityPolicy: None, securityMode: None, points: [{ name: t, nodeId: 'ns=1;s=T', unit: degC }]`;

/**
 * Builds a site's adapters in a fresh Node process from the compiled registry (dist/, built by
 * the test setup), as `heatbridge run` does, and says which protocol libraries got loaded: jest's
 * own module registry would not show what a real process loads.
 */
async function loadedFor(devices: string): Promise<{ adapters: string[]; loaded: string[] }> {
  const script = `
    const { parseSiteConfig } = require(${JSON.stringify(join(ROOT, 'dist/src/config'))});
    const { createAdapters } = require(${JSON.stringify(join(ROOT, 'dist/src/adapters/registry'))});
    const parsed = parseSiteConfig(process.argv[1], {});
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const adapters = createAdapters(parsed.config).map((a) => a.name);
    const loaded = ['node-opcua', 'modbus-serial'].filter((lib) =>
      Object.keys(require.cache).some((f) => f.includes('/node_modules/' + lib + '/')),
    );
    process.stdout.write(JSON.stringify({ adapters, loaded }));
  `;
  const site = `site: { id: s, name: S }\ndevices:\n${devices}`;
  const run = await finished(spawn(process.execPath, ['-e', script, site], { cwd: ROOT }));
  expect([run.code, run.stderr]).toEqual([0, '']);
  return JSON.parse(run.stdout) as { adapters: string[]; loaded: string[] };
}

describe('the adapter registry loads a protocol only for a site that has a device of it', () => {
  it('does not load node-opcua for a Modbus-only site (a disabled OPC UA device included)', async () => {
    const r = await loadedFor(
      `  plc: { protocol: modbus, host: 127.0.0.1, points: ${POINT} }\n  hall: { enabled: false, ${OPCUA} }\n`,
    );
    expect(r).toEqual({ adapters: ['modbus tcp:127.0.0.1:502'], loaded: ['modbus-serial'] });
  });

  it('loads node-opcua, and not modbus-serial, for an OPC UA-only site', async () => {
    const r = await loadedFor(`  hall: { ${OPCUA} }\n`);
    expect(r).toEqual({ adapters: ['opcua hall'], loaded: ['node-opcua'] });
  });
});

/**
 * The same for the whole application (`buildApp`, nothing started): which of the big optional
 * libraries its modules pulled in. node-opcua alone is most of a Modbus-only site's resident
 * memory (issue 25).
 */
async function appLoadsFor(extra: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'hb-lazy-'));
  const script = `
    const { parseSiteConfig } = require(${JSON.stringify(join(ROOT, 'dist/src/config'))});
    const { buildApp } = require(${JSON.stringify(join(ROOT, 'dist/src/app'))});
    const parsed = parseSiteConfig(process.argv[1], {});
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    buildApp(parsed.config, { log: { info() {}, warn() {}, error() {}, debug() {}, child() { return this; } } });
    const loaded = ['node-opcua', 'mqtt', 'nodemailer', 'influx', '@influxdata', 'modbus-serial'].filter((lib) =>
      Object.keys(require.cache).some((f) => f.includes('/node_modules/' + lib + '/')),
    );
    process.stdout.write(JSON.stringify(loaded));
  `;
  const site = `site: { id: s, name: S }
devices:
  plc: { protocol: modbus, host: 127.0.0.1, points: ${POINT} }
historian: { type: file, dir: ${join(dir, 'historian')} }
api: { port: 18999, auditFile: ${join(dir, 'audit.jsonl')} }
alarms: { stateFile: ${join(dir, 'alarms.json')} }
${extra}`;
  const run = await finished(spawn(process.execPath, ['-e', script, site], { cwd: ROOT }));
  expect([run.code, run.stderr]).toEqual([0, '']);
  return JSON.parse(run.stdout) as string[];
}

describe('the application loads the northbound servers’ libraries only when they are configured', () => {
  it('a Modbus-only site with the file historian and no northbound interfaces or e-mail: none of them', async () => {
    expect(await appLoadsFor('')).toEqual(['modbus-serial']);
  });

  it('with the northbound OPC UA server: node-opcua', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-lazy-pki-'));
    expect(
      await appLoadsFor(`northbound:\n  opcua: { port: 48999, pkiDir: ${join(dir, 'pki')} }\n`),
    ).toEqual(['node-opcua', 'modbus-serial']);
  });
});
