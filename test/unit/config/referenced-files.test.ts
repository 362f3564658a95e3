import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { loadSiteConfig } from '../../../src/config';

/**
 * `config validate` and `run` check the files a site names (issue 21: "valid" for a site whose
 * api.tokensFile did not exist; `run` then stopped at once). Each problem names its config path,
 * its line, the file, and what to do.
 */
function siteFile(dir: string, body: string): string {
  const file = join(dir, 'site.yaml');
  writeFileSync(
    file,
    `site: { id: s, name: S }
devices:
${body}
`,
  );
  return file;
}

const modbusDevice = `  meter:
    protocol: modbus
    host: 127.0.0.1
    points: [{ name: power, table: input, register: 0, type: float32, unit: kW }]`;

describe('files a site names', () => {
  it('a missing tokens file: its path, line, the file and what to do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-files-'));
    const tokens = join(dir, 'nope', 'tokens.yaml');
    const file = siteFile(
      dir,
      `${modbusDevice}
historian: { type: file, dir: ${join(dir, 'historian')} }
api:
  tokensFile: ${tokens}
  auditFile: ${join(dir, 'audit.jsonl')}
alarms: { stateFile: ${join(dir, 'alarms.json')} }`,
    );
    // Without the check (what tests and tools that only read a site use): valid.
    expect((await loadSiteConfig(file, {})).ok).toBe(true);
    const r = await loadSiteConfig(file, {}, { checkFiles: ['heatbridge'] });
    expect(r.ok ? [] : r.problems).toEqual([
      {
        path: 'api.tokensFile',
        line: 9,
        message: expect.stringMatching(
          new RegExp(
            `^${tokens}: no such file: create it with the entries .heatbridge api new-token. prints`,
          ),
        ) as unknown as string,
      },
    ]);
  });

  it('every kind: unreadable content, a folder under a file, certificate files, the weather file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-files-'));
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const tokens = join(dir, 'tokens.yaml');
    writeFileSync(tokens, 'tokens: [{ name: x, role: admin, sha256: abc }]\n');
    mkdirSync(join(dir, 'pki'));
    const file = siteFile(
      dir,
      `  hall:
    protocol: opcua
    endpoint: opc.tcp://127.0.0.1:4840/x
    pkiDir: ${join(blocker, 'pki')}
    auth: { type: certificate, certificateFile: ${join(dir, 'pki', 'user.pem')}, privateKeyFile: ${join(dir, 'pki', 'user.key')} }
    points: [{ name: t, nodeId: 'ns=1;s=T', unit: degC }]
  off:
    protocol: opcua
    enabled: false
    endpoint: opc.tcp://127.0.0.1:4841/x
    pkiDir: ${join(blocker, 'ignored')}
    points: [{ name: t, nodeId: 'ns=1;s=T', unit: degC }]
historian: { type: influxdb-v2, url: 'http://127.0.0.1:8086', org: o, bucket: b, token: t, spool: { dir: ${join(dir, 'spool')} } }
api:
  tokensFile: ${tokens}
  auditFile: ${join(blocker, 'audit.jsonl')}
alarms: { stateFile: ${join(dir, 'alarms.json')} }
energyCounters: { stateFile: ${join(blocker, 'counters.json')} }
simulation:
  weather: ${join(dir, 'weather.csv')}
  opcua: { pkiDir: ${join(dir, 'sim-pki')} }
  equipment: { hall: hall }`,
    );
    const r = await loadSiteConfig(file, {}, { checkFiles: ['heatbridge', 'simulators'] });
    const problems = r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
    expect(problems).toEqual([
      `api.tokensFile: ${tokens}: tokens[0].role: expected a role: viewer, operator, engineer or utility (expected tokens: [{ name, role, sha256 }], as \`heatbridge api new-token\` prints)`,
      `api.auditFile: ${join(blocker, 'audit.jsonl')}: cannot be created, ${blocker} is a file, not a folder`,
      `energyCounters.stateFile: ${join(blocker, 'counters.json')}: cannot be created, ${blocker} is a file, not a folder`,
      `devices.hall.pkiDir: ${join(blocker, 'pki')}: cannot be created, ${blocker} is a file, not a folder`,
      `devices.hall.auth.certificateFile: ${join(dir, 'pki', 'user.pem')}: no such file: the user certificate and its private key (PEM) for signing in to the server`,
      `devices.hall.auth.privateKeyFile: ${join(dir, 'pki', 'user.key')}: no such file: the user certificate and its private key (PEM) for signing in to the server`,
      `simulation.weather: ${join(dir, 'weather.csv')}: no such file: hourly outdoor temperatures as CSV time_utc,temperature_c; remove the key for the bundled Helsinki 2021 year`,
    ]);
    // Only what the process opens: `sim` does not read the API's tokens file.
    const sim = await loadSiteConfig(file, {}, { checkFiles: ['simulators'] });
    expect(sim.ok ? [] : sim.problems.map((p) => p.path)).toEqual(['simulation.weather']);
  });

  it('relative paths are looked up from the folder HeatBridge runs in, and say so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-files-'));
    const file = siteFile(
      dir,
      `${modbusDevice}
historian: { type: file, dir: ${join(dir, 'historian')} }
api: { tokensFile: no-such-folder-here/tokens.yaml, auditFile: ${join(dir, 'audit.jsonl')} }
alarms: { stateFile: ${join(dir, 'alarms.json')} }`,
    );
    const r = await loadSiteConfig(file, {}, { checkFiles: ['heatbridge'] });
    expect(r.ok ? [] : r.problems.map((p) => p.message)).toEqual([
      expect.stringContaining(
        `no-such-folder-here/tokens.yaml (${join(process.cwd(), 'no-such-folder-here', 'tokens.yaml')}): no such file`,
      ),
    ]);
  });
});
