import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  DataType,
  OPCUACertificateManager,
  OPCUAServer,
  StatusCodes,
  Variant,
  type UAVariable,
} from 'node-opcua';
import { OpcuaAdapter } from '../../../src/adapters/opcua/adapter';
import { parseSiteConfig, type OpcuaDeviceConfig } from '../../../src/config';
import type { Sample } from '../../../src/domain/sample';
import { stopAfterEach } from '../../helpers/cleanup';
import { eventually, startComponent } from '../../helpers/components';
import { freePort } from '../../helpers/ports';

const cleanup = stopAfterEach();

/**
 * A node-opcua server with one variable the test sets to Doubles. Its DataType is BaseDataType
 * (any value): a Double node would not be used for a `bool` point at all (refused at connect,
 * issue 21.13), and what is tested here is a value refused as it arrives.
 */
async function startServer(): Promise<{
  port: number;
  set(v: number): void;
  stop(): Promise<void>;
}> {
  const pki = mkdtempSync(join(tmpdir(), 'hb-opcua-refused-'));
  const port = await freePort();
  const server = new OPCUAServer({
    port,
    host: '127.0.0.1',
    hostname: '127.0.0.1',
    serverCertificateManager: new OPCUACertificateManager({
      rootFolder: join(pki, 'server'),
      automaticallyAcceptUnknownCertificate: false,
    }),
    userCertificateManager: new OPCUACertificateManager({
      rootFolder: join(pki, 'users'),
      automaticallyAcceptUnknownCertificate: false,
    }),
    allowAnonymous: true,
  });
  await server.initialize();
  const ns = server.engine.addressSpace!.getOwnNamespace();
  const v: UAVariable = ns.addVariable({
    organizedBy: server.engine.addressSpace!.rootFolder.objects,
    browseName: 'flag',
    nodeId: 's=flag',
    dataType: 'BaseDataType',
    minimumSamplingInterval: 50,
    value: { dataType: DataType.Double, value: 0 },
  });
  await server.start();
  return {
    port,
    set: (value) =>
      v.setValueFromSource(new Variant({ dataType: DataType.Double, value }), StatusCodes.Good),
    stop: () => server.shutdown(0),
  };
}

describe('OPC UA values the point cannot hold (issue 18.5)', () => {
  it('one warning per episode of refused values, a line with the count when a value is accepted again', async () => {
    const server = await startServer();
    cleanup(server);
    const parsed = parseSiteConfig(
      `site: { id: s, name: S }
devices:
  dev:
    protocol: opcua
    endpoint: opc.tcp://127.0.0.1:${server.port}
    securityPolicy: None
    securityMode: None
    pkiDir: ${mkdtempSync(join(tmpdir(), 'hb-opcua-client-'))}
    publishingIntervalMs: 100
    samplingIntervalMs: 50
    reconnect: { initialDelayMs: 100, maxDelayMs: 500 }
    points:
      - { name: run, nodeId: 'ns=1;s=flag', unit: bool }
`,
      {},
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const adapter = new OpcuaAdapter('dev', parsed.config.devices.dev as OpcuaDeviceConfig);
    const samples: Sample[] = [];
    adapter.samples$.subscribe((s) => samples.push(s));
    const running = await startComponent(adapter);
    cleanup(running);
    await eventually(() => samples.some((s) => s.quality === 'good'), 15_000, 'a first value');
    // A Boolean point fed 5, 6, 7, 8: each is refused (bad), each is a notification.
    for (const value of [5, 6, 7, 8]) {
      const before = samples.length;
      server.set(value);
      await eventually(() => samples.length > before, 10_000, `the notification of ${value}`);
    }
    server.set(1);
    await eventually(
      () => samples.at(-1)?.quality === 'good' && samples.at(-1)?.value === true,
      10_000,
      'true again',
    );
    const refused = running.lines().filter((l) => String(l.msg).startsWith('OPC UA value refused'));
    expect(refused.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(refused.length).toBe(4); // the other three at debug, counted
    expect(samples.filter((s) => s.quality === 'bad')).toHaveLength(4);
    const cleared = running.lines().filter((l) => l.msg === 'OPC UA values accepted again');
    expect(cleared).toHaveLength(1);
    expect(cleared[0]).toMatchObject({ point: 'dev/run', count: 4 });
  });
});
