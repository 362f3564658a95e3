import { createServer, type Server } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import express from 'express';
import { demoConfigPath } from '../../../src/cli/commands';
import {
  apiListener,
  movePorts,
  northboundListeners,
  portProblems,
  simulatorListeners,
} from '../../../src/cli/ports';
import { Secret, loadSiteConfig, type SiteConfig } from '../../../src/config';
import { ListenError } from '../../../src/util/listen-error';
import { listenAdmin } from '../../../simulators/admin/server';

async function demo(env: Record<string, string> = {}): Promise<SiteConfig> {
  const r = await loadSiteConfig(demoConfigPath(), env);
  if (!r.ok) throw new Error('demo config invalid');
  return r.config;
}

/** Where each listener of the demo is: "kind host:port". */
const where = (site: SiteConfig): string[] =>
  [apiListener(site), ...simulatorListeners(site)].map((l) => `${l.kind} ${l.host}:${l.port}`);

describe('moving the demo’s ports (issue 21: they could only be moved with an extends: file)', () => {
  it('--port-offset moves every port, the devices’ addresses with the simulators', async () => {
    const site = movePorts(await demo(), { portOffset: 100 });
    expect(where(site)).toEqual([
      'api 127.0.0.1:8180',
      'opcua 127.0.0.1:4940',
      'modbus 127.0.0.1:5120',
      'modbus 127.0.0.1:5121',
      'admin 127.0.0.1:8191',
    ]);
    // What the adapters connect to is what the simulators serve.
    expect(site.devices.hall1).toMatchObject({
      endpoint: 'opc.tcp://127.0.0.1:4940/heatbridge/hall1',
    });
    expect([site.devices.plant, site.devices.hp1, site.devices.dh]).toEqual([
      expect.objectContaining({ port: 5120 }),
      expect.objectContaining({ port: 5120 }),
      expect.objectContaining({ port: 5121 }),
    ]);
  });

  it('one kind at a time: Modbus servers keep their spacing; an explicit port wins over the offset', async () => {
    const site = movePorts(await demo(), {
      portOffset: 10,
      apiPort: 9000,
      modbusPort: 6000,
      opcuaPort: 14840,
      adminPort: 9001,
    });
    expect(where(site)).toEqual([
      'api 127.0.0.1:9000',
      'opcua 127.0.0.1:14840',
      'modbus 127.0.0.1:6000',
      'modbus 127.0.0.1:6001',
      'admin 127.0.0.1:9001',
    ]);
  });

  it('moves the northbound servers with the offset, or the lowest to --northbound-port', async () => {
    const base = await demo();
    const site: SiteConfig = {
      ...base,
      northbound: {
        ...base.northbound,
        opcua: { ...base.northbound?.opcua, host: '127.0.0.1', port: 4841 } as never,
        modbus: { ...base.northbound?.modbus, host: '0.0.0.0', port: 1502 } as never,
      },
    };
    const at = (s: SiteConfig): string[] =>
      northboundListeners(s).map((l) => `${l.kind} ${l.what} ${l.host}:${l.port}`);
    expect(at(movePorts(site, { portOffset: 100 }))).toEqual([
      'northbound the northbound OPC UA server 127.0.0.1:4941',
      'northbound the northbound Modbus TCP server 0.0.0.0:1602',
    ]);
    // The lowest (Modbus, 1502) moves to 20000, the OPC UA server keeps its 3,339 above it.
    expect(at(movePorts(site, { portOffset: 100, northboundPort: 20000 }))).toEqual([
      'northbound the northbound OPC UA server 127.0.0.1:23339',
      'northbound the northbound Modbus TCP server 0.0.0.0:20000',
    ]);
    expect(() => movePorts(site, { northboundPort: 65000 })).toThrow(/--northbound-port/);
  });

  it('refuses a port out of range, naming the option; keeps the config’s secrets', async () => {
    const base = await demo();
    expect(() => movePorts(base, { portOffset: 65000 })).toThrow(
      '--port-offset moves a port to 69840: ports go from 1 to 65535',
    );
    expect(() => movePorts(base, { modbusPort: 65535 })).toThrow(
      '--modbus-port moves a port to 65536: ports go from 1 to 65535',
    );
    const withSecret: SiteConfig = {
      ...base,
      simulation: {
        ...base.simulation!,
        opcua: {
          ...base.simulation!.opcua,
          users: [{ username: 'u', password: new Secret('s3cret-pass', 'env PW') }],
        },
      },
    };
    // A deep clone would strip a Secret's private value: only what changes is copied.
    const moved = movePorts(withSecret, { portOffset: 1 });
    expect(moved.simulation!.opcua.users[0]!.password.reveal()).toBe('s3cret-pass');
  });
});

describe('OPC UA endpoints as the adapter parses them (endpointParts), IPv6 too', () => {
  /** The demo with hall1's simulated server at `endpoint`. */
  async function hallAt(endpoint: string): Promise<SiteConfig> {
    const site = await demo();
    const hall1 = site.devices.hall1!;
    if (hall1.protocol !== 'opcua') throw new Error('hall1 is not OPC UA');
    return { ...site, devices: { ...site.devices, hall1: { ...hall1, endpoint } } };
  }
  const opcua = (site: SiteConfig) => simulatorListeners(site).find((l) => l.kind === 'opcua')!;
  const endpointOf = (site: SiteConfig): string | undefined => {
    const d = site.devices.hall1!;
    return d.protocol === 'opcua' ? d.endpoint : undefined;
  };

  it.each([
    // The old pattern read [::1] as host "[" and, not matching, port 4840: the preflight probed
    // the wrong port and --opcua-port left the endpoint where it was.
    ['opc.tcp://[::1]:4841/x', '::1', 4841, 'opc.tcp://[::1]:14840/x', 'opc.tcp://[::1]:4941/x'],
    ['opc.tcp://host:4841/x', 'host', 4841, 'opc.tcp://host:14840/x', 'opc.tcp://host:4941/x'],
    ['opc.tcp://host/x', 'host', 4840, 'opc.tcp://host:14840/x', 'opc.tcp://host:4940/x'],
  ])(
    '%s: listens on %s port %d, moves to %s and by the offset to %s',
    async (at, host, port, moved, offset) => {
      const site = await hallAt(at);
      expect(opcua(site)).toMatchObject({ host, port });
      const toPort = movePorts(site, { opcuaPort: 14840 });
      expect(endpointOf(toPort)).toBe(moved);
      expect(opcua(toPort)).toMatchObject({ host, port: 14840 });
      expect(endpointOf(movePorts(site, { portOffset: 100 }))).toBe(offset);
    },
  );

  it('the preflight probes the IPv6 endpoint’s own port', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '::1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    try {
      const site = await hallAt(`opc.tcp://[::1]:${port}/heatbridge/hall1`);
      expect(await portProblems([opcua(site)], () => 'use --opcua-port')).toEqual([
        `port ${port} on ::1 (the simulated OPC UA server of hall1) is already in use: use --opcua-port`,
      ]);
    } finally {
      server.close();
    }
  });
});

describe('a port another program holds', () => {
  async function occupy(): Promise<{ server: Server; port: number }> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return { server, port: (server.address() as { port: number }).port };
  }

  it('the preflight names the port, what listens there and the option', async () => {
    const { server, port } = await occupy();
    try {
      const site = movePorts(await demo(), { adminPort: port });
      const lines = await portProblems(
        simulatorListeners(site).slice(-1),
        (kind) => `use --${kind}-port`,
      );
      expect(lines).toEqual([
        `port ${port} on 127.0.0.1 (the simulators' admin API) is already in use: use --admin-port`,
      ]);
      // The same port twice in one site is said too, without trying it.
      const twice = movePorts(await demo(), { apiPort: 18_555, adminPort: 18_555 });
      expect(
        await portProblems([apiListener(twice), ...simulatorListeners(twice).slice(-1)], () => 'x'),
      ).toEqual([
        "port 18555 on 127.0.0.1 is both the API and web page and the simulators' admin API: x",
      ]);
    } finally {
      server.close();
    }
  });

  it('a listener that loses the race says it in one line, without a stack trace', async () => {
    const { server, port } = await occupy();
    try {
      const err = await listenAdmin(express(), port).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ListenError);
      expect((err as Error).message).toBe(
        `port ${port} on 127.0.0.1 (the simulators' admin API) is already in use`,
      );
      expect((err as Error).stack).toBe(`ListenError: ${(err as Error).message}`);
    } finally {
      server.close();
    }
  });
});
