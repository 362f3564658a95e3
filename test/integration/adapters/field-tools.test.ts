import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ServerTCP } from 'modbus-serial';
import { certificateId } from '../../../src/adapters/opcua/certificates';
import { SimHost } from '../../../simulators/host';
import { HALL_VARIABLES } from '../../../simulators/opcua/hall-variables';
import { constantWeather } from '../../../simulators/weather';
import { BIN, finished, runCli, type Finished } from '../../helpers/cli';
import { eventuallyAsync } from '../../helpers/components';
import { memoryLogger } from '../../helpers/logger';
import { freePort } from '../../helpers/ports';
import { demoSiteOnFreePorts, type TestPorts } from '../../helpers/sites';
import { BAD_VALUE, startFaultyTcpServer } from '../../peers/faulty-modbus-tcp';

let host: SimHost;
let ports: TestPorts;
let dir: string;

beforeAll(async () => {
  const made = await demoSiteOnFreePorts();
  ({ ports, dir } = made);
  host = new SimHost({
    site: made.site,
    log: memoryLogger().log,
    realtime: false,
    adminPort: 0,
    weather: constantWeather(-2),
  });
  await host.start();
  host.sim.advance(60);
});

afterAll(async () => {
  await host.stop();
});

describe('heatbridge modbus read', () => {
  it('prints the decoded value and the raw registers', async () => {
    const r = await runCli([
      'modbus',
      'read',
      '--host',
      '127.0.0.1',
      '--port',
      String(ports.dh),
      '--register',
      '10',
      '--table',
      'input',
      '--type',
      'float32',
    ]);
    expect(r.code).toBe(0);
    const acceptance = host.sim.read('dh/acceptance')!.value as number;
    expect(r.stdout).toContain(`127.0.0.1:${ports.dh} unit 1 input 10–11 float32 ABCD`);
    expect(r.stdout).toMatch(/raw: {3}0x[0-9a-f]{4} 0x[0-9a-f]{4} \(\d+ \d+\)/);
    expect(Number(/value: (.+)/.exec(r.stdout)![1])).toBeCloseTo(acceptance, 1);
  });

  it('decodes word-swapped floats, scaled integers and bits', async () => {
    const cdab = await runCli([
      'modbus',
      'read',
      '--host',
      '127.0.0.1',
      '--port',
      String(ports.dh),
      '--register',
      '4',
      '--table',
      'input',
      '--type',
      'float32',
      '--order',
      'CDAB',
    ]);
    expect(Number(/value: (.+)/.exec(cdab.stdout)![1])).toBeCloseTo(
      host.sim.read('dh/power')!.value as number,
      1,
    );
    const temp = await runCli([
      'modbus',
      'read',
      '--host',
      '127.0.0.1',
      '--port',
      String(ports.dh),
      '--register',
      '13',
      '--table',
      'input',
      '--type',
      'int16',
      '--scale',
      '0.1',
    ]);
    expect(Number(/value: (.+)/.exec(temp.stdout)![1])).toBeCloseTo(-2, 6);
    const bit = await runCli([
      'modbus',
      'read',
      '--host',
      '127.0.0.1',
      '--port',
      String(ports.plc),
      '--register',
      '0',
      '--table',
      'discrete',
    ]);
    expect(bit.stdout).toContain('value: true'); // the PLC boots in its safe state
  });

  it('explains failures: exception with a hint, refused connection', async () => {
    const bad = await runCli([
      'modbus',
      'read',
      '--host',
      '127.0.0.1',
      '--port',
      String(ports.plc),
      '--register',
      '400',
      '--table',
      'input',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Modbus exception 2: Illegal data address');
    expect(bad.stderr).toContain('is the register number 0-based?');
    const refused = await runCli([
      'modbus',
      'read',
      '--host',
      '127.0.0.1',
      '--port',
      '9',
      '--register',
      '0',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('cannot connect to 127.0.0.1:9');
  });

  it('names a reply that is no answer (wrong protocol id) instead of printing it as the value', async () => {
    const server = await startFaultyTcpServer(await freePort(), 'mbap');
    try {
      server.inject('wrong-protocol');
      const r = await runCli([
        'modbus',
        'read',
        '--host',
        '127.0.0.1',
        '--port',
        String(server.port),
        '--register',
        '0',
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/framing error: protocol id \d+ in a reply header, not 0/);
      expect(r.stdout).not.toContain(String(BAD_VALUE));
    } finally {
      await server.stop();
    }
  });
});

describe('heatbridge modbus read: values as an engineer reads them', () => {
  /** Holding registers: 419 (41.9 at scale 0.1), then 41.9 as a float32 (ABCD). */
  const registers = [419, 0x4227, 0x999a];

  async function withServer<T>(fn: (port: number) => Promise<T>): Promise<T> {
    const port = await freePort();
    const vector = { getHoldingRegister: (addr: number) => registers[addr] ?? 0 };
    const server = new ServerTCP(vector, {
      host: '127.0.0.1',
      port,
      unitID: 1,
    });
    await new Promise<void>((resolve) => server.once('initialized', () => resolve()));
    try {
      return await fn(port);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  const read = (port: number, ...args: string[]): Promise<Finished> =>
    runCli(['modbus', 'read', '--host', '127.0.0.1', '--port', String(port), ...args]);

  it('prints a scaled integer at the decimals of its scale, and a float32 to the digits it holds', async () => {
    await withServer(async (port) => {
      const scaled = await read(port, '--register', '0', '--type', 'int16', '--scale', '0.1');
      expect(scaled.stdout).toContain('value: 41.9\n'); // not 41.900000000000006
      const float = await read(port, '--register', '1', '--type', 'float32');
      expect(float.stdout).toContain('raw:   0x4227 0x999a');
      expect(float.stdout).toContain('value: 41.9\n'); // not 41.900001525878906
      const offset = await read(port, '--register', '0', '--scale', '0.01', '--offset', '-4');
      expect(offset.stdout).toContain('value: 0.19\n');
      const plain = await read(port, '--register', '0');
      expect(plain.stdout).toContain('value: 419\n');
    });
  });
});

describe('heatbridge opcua browse', () => {
  const endpoint = (): string => `opc.tcp://127.0.0.1:${ports.opcua}/heatbridge/hall1`;

  it('lists every variable with NodeId, browse path, data type and unit', async () => {
    const r = await runCli([
      'opcua',
      'browse',
      endpoint(),
      '--security-policy',
      'None',
      '--security-mode',
      'None',
      '--pki-dir',
      join(dir, 'browse-pki'),
      '--json',
    ]);
    expect(r.code).toBe(0);
    const vars = JSON.parse(r.stdout) as {
      nodeId: string;
      browsePath: string;
      dataType: string;
      access: string;
      unit?: string;
    }[];
    expect(vars).toHaveLength(HALL_VARIABLES.length);
    expect(vars).toContainEqual({
      nodeId: 'ns=1;s=Hall1.CDU.SupplyTemperature',
      browsePath: '/1:Hall1/1:CDU/1:SupplyTemperature',
      dataType: 'Double',
      access: 'r',
      unit: '°C',
      range: { low: 0, high: 80 },
    });
    expect(vars).toContainEqual(
      expect.objectContaining({
        nodeId: 'ns=1;s=Hall1.HeatRecovery.RecoveredPower',
        dataType: 'Float',
        access: 'rw',
      }),
    );
    expect(vars).toContainEqual(
      expect.objectContaining({ nodeId: 'ns=1;s=Hall1.HeatRecovery.Active', access: 'rw' }),
    );
  });

  it('shows access, unit and range as columns of the table', async () => {
    const r = await runCli([
      'opcua',
      'browse',
      endpoint(),
      '--security-policy',
      'None',
      '--security-mode',
      'None',
      '--pki-dir',
      join(dir, 'browse-table'),
    ]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]!.split(/ {2,}/)).toEqual([
      'NodeId',
      'browse path',
      'data type',
      'access',
      'unit',
      'range',
    ]);
    const row = (id: string): string[] => lines.find((l) => l.startsWith(id))!.split(/ {2,}/);
    expect(row('ns=1;s=Hall1.HeatRecovery.RecoveredPower')).toEqual([
      'ns=1;s=Hall1.HeatRecovery.RecoveredPower',
      '/1:Hall1/1:HeatRecovery/1:RecoveredPower',
      'Float',
      'rw',
      'kW',
      '0 – 10000',
    ]);
    expect(row('ns=1;s=Hall1.CDU.Flow').slice(2)).toEqual(['Double', 'r', 'm³/h', '0 – 500']);
    expect(r.stderr).toContain(`${HALL_VARIABLES.length} variables (security None None)`);
  });

  const secure = ['--security-policy', 'Basic256Sha256', '--security-mode', 'SignAndEncrypt'];
  const pemsIn = (folder: string): string[] =>
    existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.pem')) : [];

  it('refuses an untrusted server certificate when a secure endpoint is asked for, naming it and its file', async () => {
    const pki = join(dir, 'browse-strict');
    const r = await runCli(['opcua', 'browse', endpoint(), ...secure, '--pki-dir', pki]);
    expect(r.code).toBe(1);
    const [file] = pemsIn(join(pki, 'rejected'));
    const id = certificateId(readFileSync(join(pki, 'rejected', file!)));
    expect(r.stderr).toContain(
      `the server certificate "${id.subject}" (thumbprint ${id.thumbprint}) is not trusted: ` +
        `it was filed as ${join(pki, 'rejected', file!)}; move it to ${join(pki, 'trusted', 'certs')}/ to trust it`,
    );
    expect(r.stderr).toContain('--trust-on-first-use');
    // One line, not node-opcua's page of certificate details.
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('says so when the certificate was copied to trusted/ but is still in rejected/ (which wins)', async () => {
    const pki = join(dir, 'browse-both');
    expect((await runCli(['opcua', 'browse', endpoint(), ...secure, '--pki-dir', pki])).code).toBe(
      1,
    );
    const [file] = pemsIn(join(pki, 'rejected'));
    copyFileSync(join(pki, 'rejected', file!), join(pki, 'trusted', 'certs', file!));
    const r = await runCli(['opcua', 'browse', endpoint(), ...secure, '--pki-dir', pki]);
    expect(r.code).toBe(1);
    const trusted = join(pki, 'trusted', 'certs', file!);
    const rejected = join(pki, 'rejected', file!);
    expect(r.stderr).toContain(
      `it is in both ${trusted} and ${rejected}, and the copy in rejected/ wins: delete ${rejected} to trust it`,
    );
  });

  it('lists what the server offers when no endpoint matches, instead of node-opcua\'s "Cannot find an Endpoint"', async () => {
    const r = await runCli([
      'opcua',
      'browse',
      endpoint(),
      '--security-policy',
      'Aes256_Sha256_RsaPss',
      '--security-mode',
      'SignAndEncrypt',
      '--pki-dir',
      join(dir, 'browse-nomatch'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('Cannot find an Endpoint');
    expect(r.stderr).toContain(
      'the server offers no endpoint for Aes256_Sha256_RsaPss, SignAndEncrypt, anonymous sign-in; it offers:',
    );
    for (const [policy, mode] of [
      ['None', 'None'],
      ['Basic256Sha256', 'Sign'],
      ['Basic256Sha256', 'SignAndEncrypt'],
      ['Aes128_Sha256_RsaOaep', 'SignAndEncrypt'],
    ])
      expect(r.stderr).toContain(
        `  ${policy} ${mode}  ${endpoint()}  sign-in: UserName, Certificate, Anonymous`,
      );
  });

  it("the README's command works against the demo simulator as it is, then over the most secure endpoint once both sides trust each other", async () => {
    // Exactly the documented command, run in a fresh folder (its default PKI is data/pki/opcua-client).
    const cwd = mkdtempSync(join(tmpdir(), 'hb-browse-'));
    const browse = (): Promise<Finished> =>
      finished(spawn(process.execPath, [BIN, 'opcua', 'browse', endpoint()], { cwd }));
    const pki = join(cwd, 'data', 'pki', 'opcua-client');

    // 1. Nobody trusts anybody yet: the address space is listed over None, and the note names the
    //    server's certificate, where it went and where to move it.
    const first = await browse();
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('ns=1;s=Hall1.CDU.SupplyTemperature');
    const [serverCert] = pemsIn(join(pki, 'rejected'));
    expect(first.stderr).toContain(
      'note: browsed without security: Basic256Sha256 SignAndEncrypt failed: the server certificate "HeatBridge plant simulator (data hall)',
    );
    expect(first.stderr).toContain(`it was filed as ${join(pki, 'rejected', serverCert!)}`);
    expect(first.stderr).toContain('(security None None)');

    // 2. We trust the server; it does not know us yet: the note says which file of ours, and
    //    (this being HeatBridge's simulator) which of its folders to move it to.
    renameSync(join(pki, 'rejected', serverCert!), join(pki, 'trusted', 'certs', serverCert!));
    const second = await browse();
    expect(second.code).toBe(0);
    const ours = certificateId(readFileSync(join(pki, 'own', 'certs', 'client_certificate.pem')));
    expect(second.stderr).toContain(
      `the server refused our certificate "${ours.subject}" (thumbprint ${ours.thumbprint})`,
    );
    expect(second.stderr).toContain(
      `move the file ending in [${ours.thumbprint}].pem from there to data/pki/sim-opcua-server/server/trusted/certs/`,
    );
    expect(second.stderr).toContain('(security None None)');

    // 3. The server's engineer trusts us: the same command now browses signed and encrypted.
    const serverPki = join(dir, 'pki-sim', 'server');
    const ourFile = pemsIn(join(serverPki, 'rejected')).find((f) =>
      f.endsWith(`[${ours.thumbprint}].pem`),
    );
    expect(ourFile).toBeDefined();
    renameSync(
      join(serverPki, 'rejected', ourFile!),
      join(serverPki, 'trusted', 'certs', ourFile!),
    );
    let third: Finished | undefined;
    // The server notices the moved file through a file watcher.
    await eventuallyAsync(
      async () => {
        third = await browse();
        return third.code === 0 && !third.stderr.includes('note:');
      },
      20_000,
      'a secure browse',
    );
    expect(third!.stderr).toContain(
      `${HALL_VARIABLES.length} variables (security Basic256Sha256 SignAndEncrypt)`,
    );
    expect(third!.stdout).toContain('ns=1;s=Hall1.CDU.SupplyTemperature');
  }, 60_000);
});
