import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DataType,
  OPCUACertificateManager,
  OPCUAServer,
  StatusCodes,
  Variant,
  standardUnits,
} from 'node-opcua';
import { OpcuaAdapter } from '../../../src/adapters/opcua/adapter';
import { parseSiteConfig, type OpcuaDeviceConfig } from '../../../src/config';
import type { PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import { eventually, startComponent, type Running } from '../../helpers/components';
import { freePort } from '../../helpers/ports';

/**
 * Issue 21.12, 21.13, 21.17, against a node-opcua server whose nodes are not what the site file
 * says: an Int16 setpoint (2.5 was accepted by the API, then failed at the device), a °C node
 * configured as kW, a Boolean configured as kW (stored as kW), a node without EURange with a
 * percent deadband, and a constant value whose source time is an hour old (the first sample
 * carried it, the confirmations after it their own time).
 */
const HOUR = 3_600_000;
let server: OPCUAServer;
let port: number;

beforeAll(async () => {
  const pki = mkdtempSync(join(tmpdir(), 'hb-opcua-checks-'));
  port = await freePort();
  server = new OPCUAServer({
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
  const space = server.engine.addressSpace!;
  const ns = space.getOwnNamespace();
  const objects = space.rootFolder.objects;
  ns.addAnalogDataItem({
    organizedBy: objects,
    browseName: 'Setpoint',
    nodeId: 's=Setpoint',
    dataType: 'Int16',
    accessLevel: 'CurrentRead | CurrentWrite',
    userAccessLevel: 'CurrentRead | CurrentWrite',
    engineeringUnitsRange: { low: 0, high: 100 },
    engineeringUnits: standardUnits.percent,
    value: { dataType: DataType.Int16, value: 40 },
  });
  ns.addAnalogDataItem({
    organizedBy: objects,
    browseName: 'Temperature',
    nodeId: 's=Temperature',
    dataType: 'Double',
    engineeringUnitsRange: { low: 0, high: 100 },
    engineeringUnits: standardUnits.degree_celsius,
    value: { dataType: DataType.Double, value: 21.5 },
  });
  ns.addVariable({
    organizedBy: objects,
    browseName: 'Running',
    nodeId: 's=Running',
    dataType: 'Boolean',
    value: { dataType: DataType.Boolean, value: true },
  });
  ns.addVariable({
    organizedBy: objects,
    browseName: 'Flow',
    nodeId: 's=Flow',
    dataType: 'Double',
    value: { dataType: DataType.Double, value: 12 },
  });
  const constant = ns.addVariable({
    organizedBy: objects,
    browseName: 'Constant',
    nodeId: 's=Constant',
    dataType: 'Double',
  });
  constant.setValueFromSource(
    new Variant({ dataType: DataType.Double, value: 7 }),
    StatusCodes.Good,
    new Date(Date.now() - HOUR),
  );
  await server.start();
}, 30_000);

afterAll(async () => {
  await server.shutdown(0);
});

function device(mode: 'subscription' | 'polling'): OpcuaDeviceConfig {
  const parsed = parseSiteConfig(
    `site: { id: s, name: S }
devices:
  dev:
    protocol: opcua
    endpoint: opc.tcp://127.0.0.1:${port}
    securityPolicy: None
    securityMode: None
    pkiDir: ${mkdtempSync(join(tmpdir(), 'hb-opcua-client-'))}
    mode: ${mode}
    publishingIntervalMs: 100
    samplingIntervalMs: 50
    pollIntervalMs: 200
    reconnect: { initialDelayMs: 100, maxDelayMs: 500 }
    points:
      - { name: setpoint, nodeId: 'ns=1;s=Setpoint', unit: '%', access: rw, bounds: { min: 0, max: 100 } }
      - { name: temperature, nodeId: 'ns=1;s=Temperature', unit: kW }
      - { name: running, nodeId: 'ns=1;s=Running', unit: kW }
      - { name: flow, nodeId: 'ns=1;s=Flow', unit: m3/h, deadband: { type: percent, value: 1 } }
      - { name: constant, nodeId: 'ns=1;s=Constant', unit: degC }
`,
    {},
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config.devices.dev as OpcuaDeviceConfig;
}

const id = (name: string) => `dev/${name}` as PointId;

describe('OPC UA points checked against the server at connect', () => {
  let running: Running<OpcuaAdapter>;
  const samples: Sample[] = [];
  const latest = (name: string): Sample | undefined =>
    samples.filter((s) => s.id === id(name)).at(-1);
  let startedAt: number;

  beforeAll(async () => {
    const adapter = new OpcuaAdapter('dev', device('subscription'));
    adapter.samples$.subscribe((s) => samples.push(s));
    startedAt = Date.now();
    running = await startComponent(adapter);
    await eventually(() => latest('constant')?.quality === 'good', 15_000, 'connected');
  }, 30_000);

  afterAll(async () => {
    await running.stop();
  });

  it('says why a value cannot be held by the node, from its DataType (21.12)', async () => {
    // Before an adapter has connected, the node's type is not known: nothing to say (C6).
    expect(new OpcuaAdapter('dev', device('subscription')).checkValue(id('setpoint'), 2.5)).toBe(
      undefined,
    );
    const adapter = running.component;
    expect(adapter.checkValue(id('setpoint'), 2.5)).toBe(
      '2.5 is not an Int16 (whole numbers \u221232768..32767)',
    );
    expect(adapter.checkValue(id('setpoint'), 40_000)).toBe(
      '40000 is not an Int16 (whole numbers \u221232768..32767)',
    );
    expect(adapter.checkValue(id('setpoint'), true)).toBe('true is not an Int16 (a number)');
    expect(adapter.checkValue(id('setpoint'), 55)).toBeUndefined();
    // The write says the same, and a value the node can hold is written.
    await expect(adapter.write(id('setpoint'), 2.5)).rejects.toThrow('2.5 is not an Int16');
    await adapter.write(id('setpoint'), 55);
    await eventually(() => latest('setpoint')?.value === 55, 5_000, 'the written value back');
  });

  it('a Boolean node configured as kW is not used: bad with the reason, an error (21.13)', () => {
    const reason = 'the node is a Boolean; a point with unit kW needs a number';
    expect(latest('running')).toMatchObject({ quality: 'bad', value: null });
    expect(samples.some((s) => s.id === id('running') && s.quality === 'good')).toBe(false);
    expect(running.component.checkValue(id('running'), 5)).toBe(reason);
    // (The flow's percent deadband without EURange is refused by this server, as warned below.)
    expect(running.component.details()).toMatchObject({
      problems: [
        `dev/running: ${reason}`,
        'dev/flow: monitored item refused: BadMonitoredItemFilterUnsupported (0x80440000)',
      ],
    });
    expect(running.reports.at(-1)).toEqual({
      state: 'degraded',
      message: '2 point(s) cannot be read; see details',
    });
    expect(running.lines().filter((l) => l.level === 'error')).toEqual([
      expect.objectContaining({ msg: 'OPC UA point not used', point: 'dev/running' }),
    ]);
  });

  it("warns once per point when the unit is not the server's, or a percent deadband has no EURange (21.13)", () => {
    const doubts = running.lines().filter((l) => l.msg === 'OPC UA point doubtful');
    expect(doubts.map((l) => [l.level, l.point, l.problem])).toEqual([
      [
        'warn',
        'dev/temperature',
        "unit kW is configured, but the server's EngineeringUnits are °C (CEL); values are taken as kW, unconverted",
      ],
      ['warn', 'dev/flow', expect.stringMatching(/^a percent deadband needs .* EURange/)],
    ]);
    expect((running.component.details() as { warnings: string[] }).warnings).toHaveLength(2);
    // Doubtful, not impossible: the values are still read.
    expect(latest('temperature')).toMatchObject({ quality: 'good', value: 21.5 });
    // The setpoint's % is the server's P1: no warning.
    expect(doubts.some((l) => l.point === 'dev/setpoint')).toBe(false);
  });

  it("stamps an unchanged value's first sample with the time it arrived, not its hour-old source time (21.17)", async () => {
    const first = samples.find((s) => s.id === id('constant'))!;
    expect(first.ts).toBeGreaterThanOrEqual(startedAt);
    expect(first.ts).toBe(first.receivedAt);
    // Confirmations (keep-alives) after it: later times, never back to the source time.
    await eventually(
      () => samples.filter((s) => s.id === id('constant')).length >= 2,
      15_000,
      'a confirmation',
    );
    const times = samples.filter((s) => s.id === id('constant')).map((s) => s.ts);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  }, 20_000);
});

describe('OPC UA polling mode: sample times of an unchanged value (21.17)', () => {
  it('every poll of an unchanged value is a confirmation stamped with its own time', async () => {
    const adapter = new OpcuaAdapter('dev', device('polling'));
    const got: Sample[] = [];
    adapter.samples$.subscribe((s) => s.id === id('constant') && got.push(s));
    const startedAt = Date.now();
    const running = await startComponent(adapter);
    try {
      await eventually(() => got.length >= 3, 10_000, 'three polls');
      expect(got[0]!.ts).toBeGreaterThanOrEqual(startedAt);
      expect(got.map((s) => s.ts)).toEqual(got.map((s) => s.receivedAt));
    } finally {
      await running.stop();
    }
  });
});
