import { X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AttributeIds,
  BrowseDirection,
  DataType,
  MessageSecurityMode,
  NodeClassMask,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  UserTokenType,
  makeBrowsePath,
  type ClientSession,
  type EUInformation,
  Range,
} from 'node-opcua';
import { certificateId } from '../../../src/adapters/opcua/certificates';
import { Secret } from '../../../src/config';
import {
  HALL_FOLDERS,
  HALL_VARIABLES,
  hallBrowsePath,
  hallNodeId,
} from '../../../simulators/opcua/hall-variables';
import { SimHost } from '../../../simulators/host';
import { constantWeather } from '../../../simulators/weather';
import { eventually, eventuallyAsync } from '../../helpers/components';
import { LEVEL_RANK, levelRank, memoryLogger } from '../../helpers/logger';
import { demoSiteOnFreePorts } from '../../helpers/sites';

let host: SimHost;
let endpoint: string;
let dir: string;
let pkiDir: string;
const simLog = memoryLogger('debug');

beforeAll(async () => {
  const made = await demoSiteOnFreePorts();
  dir = made.dir;
  const sim = made.site.simulation!;
  sim.opcua.users = [{ username: 'operator', password: new Secret('correct horse', 'test') }];
  pkiDir = sim.opcua.pkiDir;
  endpoint = `opc.tcp://127.0.0.1:${made.ports.opcua}/heatbridge/hall1`;
  host = new SimHost({
    site: made.site,
    log: simLog.log,
    realtime: false,
    adminPort: 0,
    weather: constantWeather(0),
  });
  await host.start();
  host.sim.advance(600);
});

afterAll(async () => {
  await host.stop();
});

/** A client with its own PKI folder that trusts nothing it was not told to. */
async function clientManager(name: string): Promise<OPCUACertificateManager> {
  const cm = new OPCUACertificateManager({
    rootFolder: join(dir, name),
    automaticallyAcceptUnknownCertificate: false,
  });
  await cm.initialize();
  return cm;
}

function serverCertificate(): Buffer {
  return new X509Certificate(
    readFileSync(join(pkiDir, 'server', 'own', 'certs', 'certificate.pem')),
  ).raw;
}

async function withSession<T>(
  opts: {
    cm?: OPCUACertificateManager;
    policy?: SecurityPolicy;
    mode?: MessageSecurityMode;
    user?: [string, string];
  },
  fn: (s: ClientSession) => Promise<T>,
): Promise<T> {
  const client = OPCUAClient.create({
    applicationName: 'HeatBridgeTestClient',
    applicationUri: 'urn:heatbridge:test-client',
    clientCertificateManager:
      opts.cm ?? (await clientManager(`client-${Math.random().toString(36).slice(2)}`)),
    securityPolicy: opts.policy ?? SecurityPolicy.None,
    securityMode: opts.mode ?? MessageSecurityMode.None,
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 0 },
  });
  await client.connect(endpoint);
  try {
    const session = await client.createSession(
      opts.user
        ? { type: UserTokenType.UserName, userName: opts.user[0], password: opts.user[1] }
        : undefined,
    );
    try {
      return await fn(session);
    } finally {
      await session.close();
    }
  } finally {
    await client.disconnect();
  }
}

describe('the data hall over OPC UA (node-opcua client)', () => {
  it('is browsable by equipment: Objects/Hall1/<folder>/<variable>', async () => {
    await withSession({}, async (s) => {
      const objects = await s.browse('ObjectsFolder');
      expect(objects.references!.map((r) => r.browseName.toString())).toContain('1:Hall1');
      const folders = await s.browse('ns=1;s=Hall1');
      expect(folders.references!.map((r) => r.browseName.name).sort()).toEqual(
        Object.keys(HALL_FOLDERS).sort(),
      );
      for (const folder of Object.keys(HALL_FOLDERS)) {
        const vars = await s.browse({
          nodeId: `ns=1;s=Hall1.${folder}`,
          browseDirection: BrowseDirection.Forward,
          referenceTypeId: 'HasComponent',
          includeSubtypes: true,
          nodeClassMask: NodeClassMask.Variable,
          resultMask: 63,
        });
        const expected = HALL_VARIABLES.filter((v) => v.folder === folder).map((v) => v.name);
        expect(vars.references!.map((r) => r.browseName.name).sort()).toEqual(expected.sort());
      }
    });
  });

  it('serves every variable with its engineering unit, range and the simulated value', async () => {
    const unitText: Record<string, string> = { degC: '°C', kW: 'kW', kWh: 'kWh', 'm3/h': 'm³/h' };
    await withSession({}, async (s) => {
      for (const v of HALL_VARIABLES) {
        if (v.dataType === 'Boolean') continue; // a two-state variable has no unit or range
        const byPath = await s.translateBrowsePath(
          makeBrowsePath('ObjectsFolder', hallBrowsePath(v)),
        );
        expect(byPath.targets![0]!.targetId.toString()).toBe(hallNodeId(v));
        const eu = await s.translateBrowsePath(makeBrowsePath(hallNodeId(v), '.EngineeringUnits'));
        const range = await s.translateBrowsePath(makeBrowsePath(hallNodeId(v), '.EURange'));
        const [value, euValue, rangeValue] = await s.read([
          { nodeId: hallNodeId(v), attributeId: AttributeIds.Value },
          { nodeId: eu.targets![0]!.targetId, attributeId: AttributeIds.Value },
          { nodeId: range.targets![0]!.targetId, attributeId: AttributeIds.Value },
        ]);
        expect({ key: v.key, status: value!.statusCode.name }).toEqual({
          key: v.key,
          status: 'Good',
        });
        const expected =
          v.access === 'rw' ? host.sim.readCommand(v.key) : host.sim.read(v.key)!.value;
        expect(value!.value.value).toBeCloseTo(expected as number, 6);
        expect((euValue!.value.value as EUInformation).displayName.text).toBe(unitText[v.unit]);
        const r = rangeValue!.value.value as Range;
        expect([r.low, r.high]).toEqual(v.range);
      }
    });
  });

  it('turns the status bad when a sensor fault is injected, good again when cleared', async () => {
    const fault = host.sim.addFault({ kind: 'bad', point: 'hall1/cdu_supply_temp' });
    const nodeId = 'ns=1;s=Hall1.CDU.SupplyTemperature';
    await withSession({}, async (s) => {
      expect((await s.read({ nodeId, attributeId: AttributeIds.Value })).statusCode.name).toBe(
        'BadSensorFailure',
      );
      host.sim.clearFault(fault.id);
      expect((await s.read({ nodeId, attributeId: AttributeIds.Value })).statusCode.name).toBe(
        'Good',
      );
    });
  });
});

describe("the data hall's properties", () => {
  it('are read-only: no client (anonymous or signed in) can change an EURange or EngineeringUnits', async () => {
    const nodeId = 'ns=1;s=Hall1.CDU.SupplyTemperature';
    for (const user of [undefined, ['operator', 'correct horse'] as [string, string]]) {
      await withSession({ ...(user ? { user } : {}) }, async (s) => {
        for (const property of ['.EURange', '.EngineeringUnits']) {
          const found = await s.translateBrowsePath(makeBrowsePath(nodeId, property));
          const target = found.targets![0]!.targetId;
          const [access, userAccess] = await s.read([
            { nodeId: target, attributeId: AttributeIds.AccessLevel },
            { nodeId: target, attributeId: AttributeIds.UserAccessLevel },
          ]);
          expect({ property, access: access!.value.value as number }).toEqual({
            property,
            access: 1, // CurrentRead only
          });
          expect(userAccess!.value.value).toBe(1);
        }
        const range = await s.translateBrowsePath(makeBrowsePath(nodeId, '.EURange'));
        const status = await s.write({
          nodeId: range.targets![0]!.targetId,
          attributeId: AttributeIds.Value,
          value: {
            value: { dataType: DataType.ExtensionObject, value: new Range({ low: 0, high: 1 }) },
          },
        });
        expect(['BadNotWritable', 'BadUserAccessDenied']).toContain(status.name);
        const after = await s.read({
          nodeId: range.targets![0]!.targetId,
          attributeId: AttributeIds.Value,
        });
        const r = after.value.value as Range;
        expect([r.low, r.high]).toEqual([0, 80]);
      });
    }
  });
});

/** The simulator's lines at warn or above that mention this certificate. */
const warningsAbout = (thumbprint: string): Record<string, unknown>[] =>
  simLog
    .lines()
    .filter((l) => levelRank(l) >= LEVEL_RANK.warn && JSON.stringify(l).includes(thumbprint));

const ownCertificate = (clientFolder: string): ReturnType<typeof certificateId> =>
  certificateId(readFileSync(join(dir, clientFolder, 'own', 'certs', 'client_certificate.pem')));

describe('OPC UA security of the simulated server', () => {
  it('refuses SignAndEncrypt from an untrusted client certificate, and files it under rejected/', async () => {
    const cm = await clientManager('untrusted-client');
    await cm.trustCertificate(serverCertificate()); // we trust the server; it does not trust us
    await expect(
      withSession(
        { cm, policy: SecurityPolicy.Basic256Sha256, mode: MessageSecurityMode.SignAndEncrypt },
        () => Promise.resolve(),
      ),
    ).rejects.toThrow(/BadSecurityChecksFailed|rejected/);
    const rejected = readdirSync(join(pkiDir, 'server', 'rejected'));
    expect(rejected.some((f) => f.startsWith('HeatBridgeTestClient'))).toBe(true);
  });

  it('logs a refused client certificate in one line: whose, the file it lies in, where to move it', async () => {
    const cm = await clientManager('one-line-client');
    await cm.trustCertificate(serverCertificate());
    const attempt = (): Promise<void> =>
      withSession(
        { cm, policy: SecurityPolicy.Basic256Sha256, mode: MessageSecurityMode.SignAndEncrypt },
        () => Promise.resolve(),
      );
    await expect(attempt()).rejects.toThrow();
    await expect(attempt()).rejects.toThrow(); // a client retrying is not a new event
    const { subject, thumbprint } = ownCertificate('one-line-client');
    expect(subject).toMatch(/^HeatBridgeTestClient@/);
    const file = readdirSync(join(pkiDir, 'server', 'rejected')).find((f) =>
      f.endsWith(`[${thumbprint}].pem`),
    )!;
    const lines = warningsAbout(thumbprint);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toBe(
      `OPC UA client certificate "${subject}" ` +
        `(thumbprint ${thumbprint}) of urn:heatbridge:test-client is not trusted: it was filed as ` +
        `${join(pkiDir, 'server', 'rejected', file)}; move it to ${join(pkiDir, 'server', 'trusted', 'certs')}/ to trust it`,
    );
    // node-opcua's own lines about it (thumbprints, "Sender Certificate Error") stay at debug.
    const warnings = simLog.lines().filter((l) => levelRank(l) >= LEVEL_RANK.warn);
    expect(
      warnings.filter((l) => /Sender Certificate|certificate invalid/.test(String(l.msg))),
    ).toEqual([]);
  });

  it('says that a certificate copied (not moved) to trusted/ is still refused because its copy in rejected/ wins', async () => {
    const cm = await clientManager('copied-client');
    await cm.trustCertificate(serverCertificate());
    const attempt = (): Promise<void> =>
      withSession(
        { cm, policy: SecurityPolicy.Basic256Sha256, mode: MessageSecurityMode.SignAndEncrypt },
        () => Promise.resolve(),
      );
    await expect(attempt()).rejects.toThrow();
    const { thumbprint } = ownCertificate('copied-client');
    const file = readdirSync(join(pkiDir, 'server', 'rejected')).find((f) =>
      f.endsWith(`[${thumbprint}].pem`),
    )!;
    const rejected = join(pkiDir, 'server', 'rejected', file);
    const trusted = join(pkiDir, 'server', 'trusted', 'certs', file);
    copyFileSync(rejected, trusted);
    await expect(attempt()).rejects.toThrow();
    const lines = warningsAbout(thumbprint);
    expect(lines).toHaveLength(2);
    expect(lines[1]!.msg).toContain(
      `is not trusted: it is in both ${trusted} and ${rejected}, and the copy in rejected/ wins: delete ${rejected} to trust it`,
    );
  });

  it('accepts the client once an engineer moves its certificate to trusted/, with username sign-in', async () => {
    const cm = await clientManager('trusted-client');
    await cm.trustCertificate(serverCertificate());
    // First attempt fails and files the certificate; the engineer then trusts it.
    await expect(
      withSession(
        {
          cm,
          policy: SecurityPolicy.Aes128_Sha256_RsaOaep,
          mode: MessageSecurityMode.SignAndEncrypt,
        },
        () => Promise.resolve(),
      ),
    ).rejects.toThrow();
    const rejectedDir = join(pkiDir, 'server', 'rejected');
    const trustedDir = join(pkiDir, 'server', 'trusted', 'certs');
    const { thumbprint } = ownCertificate('trusted-client');
    // node-opcua answers a refusal once the file is written or after 5 s, whichever is first; a
    // loaded machine can take that long, so the engineer waits until the file is there.
    let filed: string | undefined;
    await eventually(
      () => {
        filed = readdirSync(rejectedDir).find((f) => f.endsWith(`[${thumbprint}].pem`));
        return filed !== undefined;
      },
      20_000,
      'the refused certificate to be filed under rejected/',
    );
    renameSync(join(rejectedDir, filed!), join(trustedDir, filed!));
    // Trusted at the next attempt however soon after the refusal it is moved (TrustStore); the
    // retries only absorb a loaded machine.
    let value: number | undefined;
    await eventuallyAsync(
      async () => {
        value = await withSession(
          {
            cm,
            policy: SecurityPolicy.Aes128_Sha256_RsaOaep,
            mode: MessageSecurityMode.SignAndEncrypt,
            user: ['operator', 'correct horse'],
          },
          async (s) => {
            const dv = await s.read({
              nodeId: 'ns=1;s=Hall1.IT.Power',
              attributeId: AttributeIds.Value,
            });
            return dv.value.value as number;
          },
        );
        return true;
      },
      60_000,
      'the moved certificate to be trusted',
    );
    expect(value).toBeCloseTo(host.sim.read('hall/it_power')!.value as number, 6);
    // A wrong password is refused even on a trusted secure channel.
    await expect(
      withSession(
        {
          cm,
          policy: SecurityPolicy.Aes128_Sha256_RsaOaep,
          mode: MessageSecurityMode.SignAndEncrypt,
          user: ['operator', 'wrong'],
        },
        () => Promise.resolve(),
      ),
    ).rejects.toThrow(/BadUserAccessDenied/);
  }, 120_000);

  it('keeps its PKI in the project data folder it was given', () => {
    expect(existsSync(join(pkiDir, 'server', 'own', 'certs', 'certificate.pem'))).toBe(true);
    expect(existsSync(join(pkiDir, 'server', 'own', 'private', 'private_key.pem'))).toBe(true);
  });
});
