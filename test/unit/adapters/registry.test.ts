import { describe, expect, it } from '@jest/globals';
import { EMPTY } from 'rxjs';
import { isFieldAdapter } from '../../../src/adapters/adapter';
import { ADAPTER_FACTORIES, createAdapters, protocolsOf } from '../../../src/adapters/registry';
import { parseSiteConfig, type SiteConfig } from '../../../src/config';
import { pointId } from '../../../src/domain/point-id';
import { demoSiteOnFreePorts } from '../../helpers/sites';

const POINT = '[{ name: a, table: holding, register: 0, type: uint16, unit: count }]';

function parse(devices: string): SiteConfig {
  const parsed = parseSiteConfig(`site: { id: s, name: S }\ndevices:\n${devices}`, {});
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
}

/** Two Modbus connections (one shared by two devices, one a serial line), one off, OPC UA. */
const SITE = parse(`  plc: { protocol: modbus, host: 10.0.0.5, points: ${POINT} }
  hp1: { protocol: modbus, host: 10.0.0.5, unitId: 2, points: ${POINT} }
  meter:
    protocol: modbus
    transport: rtu
    serial: { path: /dev/ttyUSB0 }
    points: ${POINT}
  off: { protocol: modbus, enabled: false, host: 10.0.0.9, points: ${POINT} }
  hall:
    protocol: opcua
    endpoint: opc.tcp://bms.example:4841/hall
    securityPolicy: None
    securityMode: None
    points: [{ name: t, nodeId: 'ns=1;s=T', unit: degC }]
`);

describe('the adapter registry', () => {
  it('builds one adapter per connection, every protocol through its registry entry', () => {
    const adapters = createAdapters(SITE);
    expect(adapters.map((a) => [a.name, a.protocol, a.connection])).toEqual([
      ['modbus tcp:10.0.0.5:502', 'modbus', 'plc'],
      ['modbus rtu:/dev/ttyUSB0', 'modbus', 'meter'],
      ['opcua hall', 'opcua', 'hall'],
    ]);
    expect(adapters.every(isFieldAdapter)).toBe(true);
    const inProcess = { name: 'plant', samples$: EMPTY, owns: () => true, write: () => EMPTY };
    expect(isFieldAdapter(inProcess)).toBe(false);
    // A disabled device has no adapter, so nothing carries its points.
    expect(adapters.some((a) => a.owns(pointId('off', 'a')))).toBe(false);
    expect(adapters.find((a) => a.owns(pointId('hp1', 'a')))?.name).toBe('modbus tcp:10.0.0.5:502');
  });

  it('lets each adapter say where its connection goes (heatbridge_adapter_info)', () => {
    expect(createAdapters(SITE).map((a) => a.identity())).toEqual([
      {
        protocol: 'modbus',
        connection: 'plc',
        transport: 'tcp',
        host: '10.0.0.5',
        port: 502,
        devices: ['plc', 'hp1'],
      },
      {
        protocol: 'modbus',
        connection: 'meter',
        transport: 'rtu',
        path: '/dev/ttyUSB0',
        devices: ['meter'],
      },
      {
        protocol: 'opcua',
        connection: 'hall',
        transport: 'opc.tcp',
        host: 'bms.example',
        port: 4841,
        path: '/hall',
        devices: ['hall'],
      },
    ]);
    const bare = parse(`  b:
    protocol: opcua
    endpoint: opc.tcp://bms.example
    securityPolicy: None
    securityMode: None
    points: [{ name: t, nodeId: 'ns=1;s=T', unit: degC }]
`);
    // OPC UA's registered port when the endpoint names none; no path for a bare endpoint.
    expect(createAdapters(bare)[0]!.identity()).toEqual({
      protocol: 'opcua',
      connection: 'b',
      transport: 'opc.tcp',
      host: 'bms.example',
      port: 4840,
      devices: ['b'],
    });
  });

  it('asks only the protocols of enabled devices, in the registry order', () => {
    expect(Object.keys(ADAPTER_FACTORIES)).toEqual(['modbus', 'opcua']);
    expect(protocolsOf(SITE.devices)).toEqual(['modbus', 'opcua']);
    const modbusOnly = parse(`  plc: { protocol: modbus, host: 10.0.0.5, points: ${POINT} }
  hall:
    protocol: opcua
    enabled: false
    endpoint: opc.tcp://bms.example
    securityPolicy: None
    securityMode: None
    points: [{ name: t, nodeId: 'ns=1;s=T', unit: degC }]
`);
    expect(protocolsOf(modbusOnly.devices)).toEqual(['modbus']);
    expect(createAdapters(modbusOnly).map((a) => a.name)).toEqual(['modbus tcp:10.0.0.5:502']);
  });

  it('carries every point of every enabled device of the demo site on exactly one adapter', async () => {
    const { site } = await demoSiteOnFreePorts();
    const adapters = createAdapters(site);
    const points = Object.entries(site.devices)
      .filter(([, d]) => d.enabled)
      .flatMap(([device, d]) => d.points.map((p) => pointId(device, p.name)));
    expect(points.length).toBeGreaterThan(0);
    for (const id of points)
      expect([id, adapters.filter((a) => a.owns(id)).length]).toEqual([id, 1]);
    expect(new Set(adapters.map((a) => a.protocol))).toEqual(new Set(['modbus', 'opcua']));
  });
});
