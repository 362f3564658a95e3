import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SimHost } from '../../../simulators/host';
import { HALL_VARIABLES } from '../../../simulators/opcua/hall-variables';
import { constantWeather } from '../../../simulators/weather';
import { runCli } from '../../helpers/cli';
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
      unit?: string;
    }[];
    expect(vars).toHaveLength(HALL_VARIABLES.length);
    expect(vars).toContainEqual({
      nodeId: 'ns=1;s=Hall1.CDU.SupplyTemperature',
      browsePath: '/1:Hall1/1:CDU/1:SupplyTemperature',
      dataType: 'Double',
      unit: '°C',
    });
    expect(vars).toContainEqual(
      expect.objectContaining({
        nodeId: 'ns=1;s=Hall1.HeatRecovery.RecoveredPower',
        dataType: 'Float',
      }),
    );
  });

  it('refuses an untrusted server certificate by default and says where it went', async () => {
    const pki = join(dir, 'browse-strict');
    const r = await runCli(['opcua', 'browse', endpoint(), '--pki-dir', pki]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `the server certificate is not trusted: it was filed under ${join(pki, 'rejected')}`,
    );
    expect(r.stderr).toContain('--trust-on-first-use');
    // One line, not node-opcua's page of certificate details.
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
