import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AttributeIds,
  ClientSubscription,
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  Range,
  constructEventFilter,
  ofType,
  SecurityPolicy,
  TimestampsToReturn,
  UserTokenType,
  type ClientSession,
  type DataValue,
  type EUInformation,
  type StatusCode,
  type UserIdentityInfo,
  type Variant,
} from 'node-opcua';
import { certificateId } from '../../../src/adapters/opcua/certificates';
import { buildApp, type HeatBridgeApp } from '../../../src/app';
import type { SiteConfig } from '../../../src/config';
import { northboundSchema } from '../../../src/config/northbound';
import { Secret } from '../../../src/config/secret';
import { pointId } from '../../../src/domain/point-id';
import { OpcuaNorthbound } from '../../../src/northbound/opcua/opcua-server';
import { SimHost } from '../../../simulators/host';
import { eventually, eventuallyAsync, startComponent } from '../../helpers/components';
import { memoryLogger } from '../../helpers/logger';
import { freePort } from '../../helpers/ports';
import { demoSiteOnFreePorts } from '../../helpers/sites';

/**
 * The northbound OPC UA server in a whole HeatBridge (the demo site against its simulators, 1 s
 * cycles), reached with node-opcua's client over loopback: the address space, units and ranges,
 * a subscription, the SCADA's writes through the gate (as the utility, a viewer, anonymous; out of
 * bounds; to a read-only node), and an untrusted client certificate, refused until an operator
 * moves it to trusted/.
 */
const USERS = {
  'control-room': { role: 'utility', token: 'control-room-token-0123456789' },
  vera: { role: 'viewer', token: 'vera-token-0123456789' },
} as const;
const SUPPLY = pointId('utility', 'scada_supply_temp');

let site: SiteConfig;
let dir: string;
let host: SimHost;
let app: HeatBridgeApp;
let endpoint: string;
let serverPki: string;
const logs = memoryLogger();
const clients: OPCUAClient[] = [];
/** Every sample's source time, per point: what a variable's SourceTimestamp must be one of. */
const sampleTimes = new Map<string, Set<number>>();

beforeAll(async () => {
  ({ site, dir } = await demoSiteOnFreePorts());
  serverPki = join(dir, 'pki-northbound');
  const port = await freePort();
  site.api = {
    ...site.api,
    tokens: Object.entries(USERS).map(([name, u]) => ({
      name,
      role: u.role,
      token: new Secret(u.token, 'test'),
    })),
  };
  site.control.cycleMs = 1000;
  site.northbound = northboundSchema({}).parse({
    requests: { supplyTemp: { min: 55, max: 95 } },
    opcua: {
      port,
      pkiDir: serverPki,
      // The None endpoint keeps the reading tests simple (no client certificate to trust);
      // writes need Sign or SignAndEncrypt, with the pre-trusted client below.
      allowInsecure: true,
      allowAnonymous: true,
    },
  });
  // The writing sessions need a signed channel: their client's certificate is trusted before
  // the server starts, as an operator would have done it.
  const trusted = client('trusted');
  await trusted.clientCertificateManager.initialize();
  await trusted.createDefaultCertificate();
  mkdirSync(join(serverPki, 'trusted', 'certs'), { recursive: true });
  copyFileSync(
    trusted.certificateFile,
    join(serverPki, 'trusted', 'certs', basename(trusted.certificateFile)),
  );
  host = new SimHost({ site, log: memoryLogger().log, adminPort: 0 });
  await host.start();
  app = buildApp(site, { log: logs.log });
  app.samples$.subscribe((x) => {
    const set = sampleTimes.get(x.id) ?? new Set<number>();
    set.add(x.ts);
    sampleTimes.set(x.id, set);
  });
  await app.supervisor.start();
  await eventually(() => app.control.last !== undefined, 20_000, 'a first control cycle');
  endpoint = `opc.tcp://127.0.0.1:${port}/heatbridge`;
}, 30_000);

afterAll(async () => {
  for (const c of clients) await c.disconnect().catch(() => undefined);
  await app?.supervisor.stop();
  await host?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function client(
  name: string,
  security: { policy: SecurityPolicy; mode: MessageSecurityMode } = {
    policy: SecurityPolicy.None,
    mode: MessageSecurityMode.None,
  },
): OPCUAClient {
  const c = OPCUAClient.create({
    applicationName: `test-${name}`,
    applicationUri: `urn:heatbridge:test:${name}`,
    endpointMustExist: false,
    securityPolicy: security.policy,
    securityMode: security.mode,
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    // The test client's own PKI in the test folder; it trusts the server (the server's side of
    // trust is what these tests are about).
    clientCertificateManager: new OPCUACertificateManager({
      rootFolder: join(dir, `pki-client-${name}`),
      automaticallyAcceptUnknownCertificate: true,
    }),
  });
  clients.push(c);
  return c;
}

const SECURE = {
  policy: SecurityPolicy.Basic256Sha256,
  mode: MessageSecurityMode.SignAndEncrypt,
};
/** A client whose certificate the server trusts (copied to trusted/ in beforeAll). */
const trustedClient = (): OPCUAClient => client('trusted', SECURE);

const asUser = (name: keyof typeof USERS): UserIdentityInfo => ({
  type: UserTokenType.UserName,
  userName: name,
  password: USERS[name].token,
});

async function session(
  identity?: UserIdentityInfo,
  c: OPCUAClient = client('plain'),
): Promise<ClientSession> {
  await c.connect(endpoint);
  return identity ? c.createSession(identity) : c.createSession();
}

let nsIndex = 1;
const node = (s: string): string => `ns=${nsIndex};s=${s}`;

async function write(
  s: ClientSession,
  id: string,
  dataType: DataType,
  value: unknown,
): Promise<StatusCode> {
  return s.write({
    nodeId: node(id),
    attributeId: AttributeIds.Value,
    value: { value: { dataType, value } },
  });
}

/** A property of a node: a standard one (EURange…) or, with `own`, one of HeatBridge's. */
async function property(
  s: ClientSession,
  id: string,
  name: string,
  own = false,
): Promise<DataValue> {
  const r = await s.translateBrowsePath({
    startingNode: node(id),
    relativePath: {
      elements: [{ targetName: { namespaceIndex: own ? nsIndex : 0, name } }],
    },
  });
  const target = r.targets?.[0]?.targetId;
  if (!target) throw new Error(`${id} has no ${name}`);
  return s.read({ nodeId: target, attributeId: AttributeIds.Value });
}

function audit(): {
  action: string;
  actor: string;
  target: string;
  new?: unknown;
  result: string;
}[] {
  const file = site.api.auditFile;
  if (!file) throw new Error('no audit file');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ReturnType<typeof audit>[number]);
}

describe('the northbound OPC UA server', () => {
  let utility: ClientSession;

  beforeAll(async () => {
    utility = await session(asUser('control-room'), trustedClient());
    const objects = await utility.browse('i=85');
    const root = objects.references!.find((r) => r.browseName.name === 'HeatBridge');
    expect(root).toBeDefined();
    nsIndex = root!.nodeId.namespace;
    // The namespace is the server's application URI, with the site id in it.
    const namespaces = await utility.readNamespaceArray();
    expect(namespaces[nsIndex]).toBe('urn:heatbridge:demo:opcua-server');
  });

  it('lists every device HeatBridge knows under HeatBridge/Devices, each with its points', async () => {
    const devices = await utility.browse(node('Devices'));
    const names = devices.references!.map((r) => r.browseName.name).sort();
    const expected = [...new Set([...app.defs.values()].map((d) => d.device))].sort();
    expect(names).toEqual(expected);
    expect(names).toEqual(expect.arrayContaining(['hall1', 'utility', 'control', 'derived']));
    const utilityPoints = await utility.browse(node('Devices/utility'));
    expect(utilityPoints.references!.map((r) => r.browseName.name)).toEqual(
      expect.arrayContaining(['scada_supply_temp', 'scada_active']),
    );
    // Plant devices carry their mode.
    const mode = await property(utility, 'Devices/hall1', 'Mode', true);
    expect(mode.value.value).toBe('auto');
  });

  it('serves a value with its quality, source time, EngineeringUnits and EURange', async () => {
    // A point with bounds (its EURange) and a unit in degC.
    const def = [...app.defs.values()].find(
      (d) => d.bounds && d.unit === 'degC' && d.device !== 'utility',
    )!;
    expect(def).toBeDefined();
    await eventuallyAsync(
      async () => (await utility.read({ nodeId: node(def.id) })).statusCode.isGood(),
      10_000,
      `${def.id} good`,
    );
    const dv = await utility.read({ nodeId: node(def.id) });
    expect(dv.value.dataType).toBe(DataType.Double);
    expect(typeof dv.value.value).toBe('number');
    expect(dv.sourceTimestamp).toBeInstanceOf(Date);
    // The SourceTimestamp is a sample's own `ts`, not the server's clock.
    expect(sampleTimes.get(def.id)?.has(dv.sourceTimestamp!.getTime())).toBe(true);
    const eu = (await property(utility, def.id, 'EngineeringUnits')).value.value as EUInformation;
    expect(eu.displayName.text).toBe('°C');
    expect(eu.unitId).toBe(0x43454c); // "CEL", UNECE
    const range = (await property(utility, def.id, 'EURange')).value.value as Range;
    expect({ low: range.low, high: range.high }).toEqual({
      low: def.bounds!.min,
      high: def.bounds!.max,
    });
  });

  it('takes a request written by the utility: in force, in the point’s next sample, audited; a subscription sees it', async () => {
    const sub = ClientSubscription.create(utility, {
      requestedPublishingInterval: 100,
      requestedMaxKeepAliveCount: 10,
      publishingEnabled: true,
    });
    const seen: DataValue[] = [];
    const item = await sub.monitor(
      { nodeId: node(SUPPLY), attributeId: AttributeIds.Value },
      { samplingInterval: 100, queueSize: 10, discardOldest: true },
      TimestampsToReturn.Both,
    );
    item.on('changed', (dv: DataValue) => seen.push(dv));
    const status = await write(utility, `Requests/scada_supply_temp`, DataType.Double, 72);
    expect(status.name).toBe('Good');
    expect(app.gate!.current(SUPPLY)?.value).toBe(72);
    // The utility point's next sample carries it, and the subscription sees that change.
    await eventually(
      () => seen.some((dv) => dv.value.value === 72 && dv.statusCode.isGood()),
      10_000,
      'the subscription to see 72',
    );
    expect(app.latest.get(SUPPLY)).toMatchObject({ value: 72, quality: 'good' });
    const active = await property(utility, 'Requests/scada_supply_temp', 'Active', true);
    expect(active.value.value).toBe(true);
    const expires = (await property(utility, 'Requests/scada_supply_temp', 'ExpiresAt', true)).value
      .value as Date;
    expect(expires.getTime()).toBe(app.gate!.current(SUPPLY)!.expiresAt);
    expect(audit()).toContainEqual(
      expect.objectContaining({
        action: 'scada-request',
        actor: 'user:control-room',
        target: SUPPLY,
        new: 72,
      }),
    );
    await sub.terminate();
  }, 20_000);

  it('clamps a value outside the bounds into them and says so (GoodClamped)', async () => {
    const status = await write(utility, 'Requests/scada_supply_temp', DataType.Double, 500);
    expect(status.name).toBe('GoodClamped');
    expect(app.gate!.current(SUPPLY)?.value).toBe(95);
    const dv = await utility.read({ nodeId: node('Requests/scada_supply_temp') });
    expect(dv.value.value).toBe(95);
  });

  it('refuses a value of the wrong type (BadTypeMismatch)', async () => {
    const status = await write(utility, 'Requests/scada_supply_temp', DataType.String, 'hot');
    expect(status.name).toBe('BadTypeMismatch');
    expect(app.gate!.current(SUPPLY)?.value).toBe(95);
  });

  it('refuses a viewer’s write (BadUserAccessDenied), and audits the refusal', async () => {
    const viewer = await session(asUser('vera'), trustedClient());
    const dv = await viewer.read({ nodeId: node(SUPPLY) });
    expect(dv.statusCode.isGood()).toBe(true);
    const status = await write(viewer, 'Requests/scada_supply_temp', DataType.Double, 60);
    expect(status.name).toBe('BadUserAccessDenied');
    expect(app.gate!.current(SUPPLY)?.value).toBe(95);
    expect(audit()).toContainEqual(
      expect.objectContaining({ actor: 'user:vera', result: expect.stringMatching(/^rejected/) }),
    );
  });

  it('lets an anonymous session read (when allowed) but never write', async () => {
    const anonymous = await session(undefined, trustedClient());
    const dv = await anonymous.read({ nodeId: node(SUPPLY) });
    expect(dv.statusCode.isGood()).toBe(true);
    const status = await write(anonymous, 'Requests/scada_supply_temp', DataType.Double, 60);
    expect(status.name).toBe('BadUserAccessDenied');
    expect(app.gate!.current(SUPPLY)?.value).toBe(95);
  });

  it('refuses writes over an unsigned channel (security mode None), even the utility’s', async () => {
    // Over None the session's authentication token travels in clear: a watcher could reuse it.
    const before = logs.lines().length;
    const insecure = await session(asUser('control-room'), client('insecure'));
    const dv = await insecure.read({ nodeId: node(SUPPLY) });
    expect(dv.statusCode.isGood()).toBe(true);
    for (let i = 0; i < 3; i++) {
      const status = await write(insecure, 'Requests/scada_supply_temp', DataType.Double, 60);
      expect(status.name).toBe('BadSecurityModeInsufficient');
    }
    expect(app.gate!.current(SUPPLY)?.value).toBe(95);
    const warned = (): number =>
      logs
        .lines()
        .slice(before)
        .filter((l) => l.level === 'warn' && /signed channel/.test(String(l.msg))).length;
    // A SCADA retrying is one warning per address and point, then debug …
    expect(warned()).toBe(1);
    // … until a write from that address succeeds (here the same value again: a renewal).
    expect((await write(utility, 'Requests/scada_supply_temp', DataType.Double, 95)).name).toBe(
      'Good',
    );
    await write(insecure, 'Requests/scada_supply_temp', DataType.Double, 60);
    expect(warned()).toBe(2);
  });

  it('refuses writes to every other node: points, KPIs, properties (BadNotWritable)', async () => {
    const def = [...app.defs.values()].find((d) => d.bounds && d.device !== 'utility')!;
    expect((await write(utility, def.id, DataType.Double, 1)).name).toBe('BadNotWritable');
    // The request point itself under Devices is read-only: requests go through Requests/.
    expect((await write(utility, SUPPLY, DataType.Double, 60)).name).toBe('BadNotWritable');
    expect((await write(utility, 'KPIs/now/recoveredKw', DataType.Double, 1)).name).toBe(
      'BadNotWritable',
    );
    const range = await utility.translateBrowsePath({
      startingNode: node('Requests/scada_supply_temp'),
      relativePath: { elements: [{ targetName: { namespaceIndex: 0, name: 'EURange' } }] },
    });
    const status = await utility.write({
      nodeId: range.targets![0]!.targetId,
      attributeId: AttributeIds.Value,
      value: {
        value: { dataType: DataType.ExtensionObject, value: new Range({ low: 0, high: 500 }) },
      },
    });
    expect(status.name).toBe('BadNotWritable');
    expect(app.gate!.current(SUPPLY)?.value).toBe(95);
  });

  it('serves the KPIs and counts sessions and writes in its health details', async () => {
    const kpi = await utility.read({ nodeId: node('KPIs/now/recoveredKw') });
    expect(kpi.value.dataType === DataType.Double || kpi.value.dataType === DataType.Null).toBe(
      true,
    );
    const eu = (await property(utility, 'KPIs/now/recoveredKw', 'EngineeringUnits')).value
      .value as EUInformation;
    expect(eu.displayName.text).toBe('kW');
    const health = app.supervisor.health().components.find((c) => c.name === 'opcua-server')!;
    expect(health.state).toBe('running');
    expect(health.details).toMatchObject({
      // 72, 500 (clamped) and the renewal of 95 by the utility.
      writesAccepted: 3,
      sessions: expect.any(Number),
    });
    expect((health.details!.writesRefused as number) >= 3).toBe(true);
    // The tokens (passwords) never reach the log.
    const text = JSON.stringify(logs.lines());
    for (const u of Object.values(USERS)) expect(text).not.toContain(u.token);
  });

  it('raises an Alarms & Conditions event for each alarm change, and shows the alarm as variables', async () => {
    const fields = [
      'SourceName',
      'Message',
      'Severity',
      'ActiveState.Id',
      'AckedState.Id',
      'Retain',
      'ConditionName',
    ];
    const filter = constructEventFilter(fields, ofType('AlarmConditionType'));
    const sub = ClientSubscription.create(utility, {
      requestedPublishingInterval: 100,
      requestedMaxKeepAliveCount: 10,
      publishingEnabled: true,
    });
    const events: Record<string, unknown>[] = [];
    const item = await sub.monitor(
      { nodeId: 'i=2253', attributeId: AttributeIds.EventNotifier },
      {
        queueSize: 100,
        discardOldest: true,
        filter,
      },
      TimestampsToReturn.Both,
    );
    item.on('changed', (values: Variant[]) =>
      events.push(Object.fromEntries(fields.map((f, i) => [f, values[i]?.value as unknown]))),
    );
    const key = 'test/opcua-northbound';
    const mine = (): Record<string, unknown>[] => events.filter((e) => e.ConditionName === key);
    app.alarms.apply({
      key,
      active: true,
      priority: 'high',
      message: 'Test alarm',
      at: Date.now(),
    });
    await eventually(() => mine().length >= 1, 5_000, 'the raised event');
    expect(mine()[0]).toMatchObject({
      Severity: 700,
      'ActiveState.Id': true,
      'AckedState.Id': false,
      Retain: true,
    });
    expect(String((mine()[0]!.Message as { text: string }).text)).toBe('Test alarm');
    expect((await utility.read({ nodeId: node(`Alarms/${key}.State`) })).value.value).toBe(
      'active-unacked',
    );
    // A client subscribing later asks for the retained conditions (ConditionRefresh) and gets it.
    const late = ClientSubscription.create(utility, {
      requestedPublishingInterval: 100,
      requestedMaxKeepAliveCount: 10,
      publishingEnabled: true,
    });
    const refreshed: unknown[] = [];
    const lateItem = await late.monitor(
      { nodeId: 'i=2253', attributeId: AttributeIds.EventNotifier },
      { queueSize: 100, discardOldest: true, filter },
      TimestampsToReturn.Both,
    );
    lateItem.on('changed', (values: Variant[]) => refreshed.push(values[6]?.value));
    const refresh = await utility.call({
      objectId: 'i=2782', // ConditionType
      methodId: 'i=3875', // ConditionRefresh
      inputArguments: [{ dataType: DataType.UInt32, value: late.subscriptionId }],
    });
    expect(refresh.statusCode.name).toBe('Good');
    await eventually(() => refreshed.includes(key), 5_000, 'the refreshed condition');
    await late.terminate();
    // Acknowledging over OPC UA is refused: operators acknowledge in HeatBridge, audited.
    const ack = await utility.call({
      objectId: node(`Alarms/${key}.Condition`),
      methodId: 'i=9111',
      inputArguments: [
        { dataType: DataType.ByteString, value: Buffer.alloc(16) },
        { dataType: DataType.LocalizedText, value: { text: 'seen' } },
      ],
    });
    expect(ack.statusCode.name).toBe('BadUserAccessDenied');
    app.alarms.acknowledge(key, 'olli', Date.now());
    await eventually(
      () => mine().some((e) => e['AckedState.Id'] === true),
      5_000,
      'the acked event',
    );
    app.alarms.apply({
      key,
      active: false,
      priority: 'high',
      message: 'Test alarm',
      at: Date.now(),
    });
    await eventually(() => mine().some((e) => e.Retain === false), 5_000, 'the last event');
    expect(mine().at(-1)).toMatchObject({ 'ActiveState.Id': false, Retain: false });
    // It left the list: its object is gone.
    const gone = await utility.read({ nodeId: node(`Alarms/${key}.State`) });
    expect(gone.statusCode.name).toBe('BadNodeIdUnknown');
    await sub.terminate();
  }, 20_000);

  it('refuses a wrong token', async () => {
    const c = client('wrong');
    await c.connect(endpoint);
    await expect(
      c.createSession({ type: UserTokenType.UserName, userName: 'control-room', password: 'nope' }),
    ).rejects.toThrow(/BadUserAccessDenied|BadIdentityTokenRejected|BadIdentityTokenInvalid/);
  });
});

describe('a second server on the same deps, without allowAnonymous', () => {
  const component = (over: Record<string, unknown>): OpcuaNorthbound => {
    const first = app.northbound.find((c) => c instanceof OpcuaNorthbound);
    if (!first) throw new Error('no OPC UA server in the app');
    const cfg = northboundSchema({}).parse({
      opcua: { pkiDir: serverPki, allowInsecure: true, ...over },
    }).opcua!;
    return new OpcuaNorthbound(cfg, first.deps);
  };

  it('refuses anonymous sessions unless allowAnonymous is set', async () => {
    const port = await freePort();
    const running = await startComponent(component({ port }));
    try {
      const c = client('no-anonymous');
      await c.connect(`opc.tcp://127.0.0.1:${port}/heatbridge`);
      await expect(c.createSession()).rejects.toThrow(
        /Anonymous|BadIdentityToken|BadUserAccessDenied/i,
      );
      // A user still signs in.
      const s = await c.createSession(asUser('vera'));
      await s.close();
    } finally {
      await running.stop();
    }
  });
});

describe('a stop() while start() is still running', () => {
  it('closes the server the start opened: the port is free afterwards', async () => {
    const first = app.northbound.find((c) => c instanceof OpcuaNorthbound)!;
    const port = await freePort();
    const cfg = northboundSchema({}).parse({ opcua: { port, pkiDir: serverPki } }).opcua!;
    const server = new OpcuaNorthbound(cfg, first.deps);
    const { log } = memoryLogger();
    // As after the supervisor's start timeout: the start goes on, then a stop() arrives.
    const starting = server.start({ log, report: () => undefined });
    await server.stop();
    await expect(starting).rejects.toThrow(/stopped while starting/);
    // Nothing listens: the port can be bound again.
    await new Promise<void>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
    });
    expect(server.details()).toMatchObject({ sessions: 0 });
  });
});

describe('sign-ins throttled per client address', () => {
  it('throttles sign-ins after site.api.failedLogins.max failures; the right token still gets in, as at the API', async () => {
    const first = app.northbound.find((c) => c instanceof OpcuaNorthbound)!;
    // A server of its own with a small limit and a window no test run outlasts: the third
    // failure is throttled because of the two before it, not the window's timing.
    const deps = {
      ...first.deps,
      site: {
        ...first.deps.site,
        api: { ...first.deps.site.api, failedLogins: { max: 2, windowMs: 600_000 } },
      },
    };
    const port = await freePort();
    const cfg = northboundSchema({}).parse({
      opcua: { port, pkiDir: serverPki, allowInsecure: true },
    }).opcua!;
    const running = await startComponent(new OpcuaNorthbound(cfg, deps));
    try {
      const c = client('throttled');
      await c.connect(`opc.tcp://127.0.0.1:${port}/heatbridge`);
      const wrong: UserIdentityInfo = {
        type: UserTokenType.UserName,
        userName: 'control-room',
        password: 'a-guess',
      };
      for (let i = 0; i < 3; i++)
        await expect(c.createSession(wrong)).rejects.toThrow(/BadUserAccessDenied|BadIdentity/);
      const session = await c.createSession(asUser('control-room'));
      await session.close();
      expect(running.component.details()).toMatchObject({
        signInsRefused: 3,
        signInsThrottled: 1,
      });
      const throttled = running.lines().filter((l) => /throttled/.test(String(l.msg)));
      // Keyed by the session's channel's address: the client's, not a shared 'unknown'.
      expect(throttled).toEqual([
        expect.objectContaining({ client: expect.stringMatching(/127\.0\.0\.1/) }),
      ]);
    } finally {
      await running.stop();
    }
  });
});

describe('client certificates', () => {
  it('refuses an unknown client certificate, files it under rejected/, and accepts it once moved to trusted/', async () => {
    const secure = {
      policy: SecurityPolicy.Basic256Sha256,
      mode: MessageSecurityMode.SignAndEncrypt,
    };
    const first = client('untrusted', secure);
    await expect(
      (async () => {
        await first.connect(endpoint);
        await first.createSession(asUser('control-room'));
      })(),
    ).rejects.toThrow();
    await first.disconnect();
    const rejected = join(serverPki, 'rejected');
    const files = readdirSync(rejected).filter((f) => f.startsWith('test-untrusted'));
    expect(files).toHaveLength(1);
    // One warning naming the certificate and the file it lies in.
    const { thumbprint } = certificateId(readFileSync(join(rejected, files[0]!)));
    const about = logs.lines().filter((l) => l.thumbprint === thumbprint);
    expect(about).toHaveLength(1);
    expect(about[0]!.level).toBe('warn');
    expect(about[0]!.msg).toContain(`is not trusted: it was filed as ${join(rejected, files[0]!)}`);
    // The operator trusts it.
    mkdirSync(join(serverPki, 'trusted', 'certs'), { recursive: true });
    renameSync(join(rejected, files[0]!), join(serverPki, 'trusted', 'certs', files[0]!));
    // Trusted at the next attempt (TrustStore); retries only absorb a loaded machine.
    let s: ClientSession | undefined;
    await eventuallyAsync(
      async () => {
        const again = client('untrusted', secure);
        try {
          await again.connect(endpoint);
          s = await again.createSession(asUser('control-room'));
          return true;
        } catch (err) {
          await again.disconnect();
          throw err;
        }
      },
      15_000,
      'the moved certificate to be trusted',
    );
    if (!s) throw new Error('no session');
    const status = await write(s, 'Requests/scada_capacity', DataType.Double, 1200);
    expect(status.name).toBe('Good');
    expect(app.gate!.current(pointId('utility', 'scada_capacity'))?.value).toBe(1200);
    await s.close();
  }, 30_000);

  it('offers only the configured secure policies, and None only because the config allows it', async () => {
    const c = client('endpoints');
    await c.connect(endpoint);
    const endpoints = await c.getEndpoints();
    const policies = new Set(endpoints.map((e) => (e.securityPolicyUri ?? '').split('#')[1]));
    expect([...policies].sort()).toEqual(
      ['Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss', 'Basic256Sha256', 'None'].sort(),
    );
  });
});
