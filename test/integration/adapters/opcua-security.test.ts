import { copyFileSync, existsSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OpcuaAdapter } from '../../../src/adapters/opcua/adapter';
import { certificateId } from '../../../src/adapters/opcua/certificates';
import { Secret, type OpcuaDeviceConfig, type SiteConfig } from '../../../src/config';
import type { Sample } from '../../../src/domain/sample';
import { SimHost } from '../../../simulators/host';
import { constantWeather } from '../../../simulators/weather';
import { eventually, startComponent } from '../../helpers/components';
import { LEVEL_RANK, levelRank, memoryLogger } from '../../helpers/logger';
import { demoSiteOnFreePorts } from '../../helpers/sites';

let host: SimHost;
let site: SiteConfig;
let dir: string;
let serverPki: string;

beforeAll(async () => {
  ({ site, dir } = await demoSiteOnFreePorts());
  site.simulation!.opcua.users = [
    { username: 'heatbridge', password: new Secret('s3cret', 'test') },
  ];
  serverPki = join(site.simulation!.opcua.pkiDir, 'server');
  host = new SimHost({
    site,
    log: memoryLogger().log,
    realtime: false,
    adminPort: 0,
    weather: constantWeather(0),
  });
  await host.start();
});

afterAll(async () => {
  await host.stop();
});

function secureConfig(name: string, over: Partial<OpcuaDeviceConfig> = {}): OpcuaDeviceConfig {
  const hall = site.devices.hall1 as OpcuaDeviceConfig;
  return {
    ...hall,
    securityPolicy: 'Basic256Sha256',
    securityMode: 'SignAndEncrypt',
    trustOnFirstUse: false,
    pkiDir: join(dir, name),
    auth: { type: 'username', username: 'heatbridge', password: new Secret('s3cret', 'test') },
    reconnect: { initialDelayMs: 100, maxDelayMs: 300 },
    points: hall.points.filter((p) => p.name === 'cdu_flow'),
    ...over,
  };
}

/** Moves every certificate in `from` into `to` (what an engineer does to trust a peer). */
function trustRejected(from: string, to: string): number {
  const files = existsSync(from) ? readdirSync(from).filter((f) => f.endsWith('.pem')) : [];
  for (const f of files) renameSync(join(from, f), join(to, f));
  return files.length;
}

describe('OPC UA adapter security', () => {
  it('refuses an unknown server certificate, files it under rejected/, and says how to trust it', async () => {
    const cfg = secureConfig('pki-strict');
    const got: Sample[] = [];
    const adapter = new OpcuaAdapter('hall1', cfg);
    adapter.samples$.subscribe((s) => got.push(s));
    const r = await startComponent(adapter);
    try {
      await eventually(() => r.reports.some((x) => x.state === 'degraded'), 10_000, 'degraded');
      expect(r.reports.find((x) => x.state === 'degraded')!.message).toContain(
        'is not trusted: it was filed as',
      );
      const rejected = readdirSync(join(cfg.pkiDir, 'rejected')).filter((f) => f.endsWith('.pem'));
      expect(rejected).toHaveLength(1);
      expect(got.filter((s) => s.quality === 'good')).toEqual([]);
      expect(host.opcua[0]!.monitoredItemCount().sessions).toBe(0);
      // One clear line for the event, naming the certificate and the file it now lies in; not
      // node-opcua's dozen warnings with a base64 dump of it.
      const file = join(cfg.pkiDir, 'rejected', rejected[0]!);
      const id = certificateId(readFileSync(file));
      const warnings = r.lines().filter((l) => levelRank(l) >= LEVEL_RANK.warn);
      const about = warnings.filter((l) => JSON.stringify(l).includes(id.thumbprint));
      expect(about).toHaveLength(1);
      expect(JSON.stringify(about[0])).toContain(
        `the server certificate \\"${id.subject}\\" (thumbprint ${id.thumbprint}) is not trusted: it was filed as ${file}; move it to ${join(cfg.pkiDir, 'trusted', 'certs')}/ to trust it`,
      );
      expect(warnings.filter((l) => l.source === 'node-opcua')).toEqual([]);
      expect(JSON.stringify(r.lines())).not.toMatch(/[A-Za-z0-9+/]{64,}/);
      // The application certificate made on the first start is routine, not a warning.
      expect(JSON.stringify(warnings)).not.toContain('Creating default certificate');
    } finally {
      await r.stop();
    }
  });

  it('says that a server certificate copied (not moved) to trusted/ stays refused because its copy in rejected/ wins', async () => {
    const cfg = secureConfig('pki-both');
    const first = await startComponent(new OpcuaAdapter('hall1', cfg));
    try {
      await eventually(() => first.reports.some((x) => x.state === 'degraded'), 10_000, 'refused');
    } finally {
      await first.stop();
    }
    const [name] = readdirSync(join(cfg.pkiDir, 'rejected')).filter((f) => f.endsWith('.pem'));
    const rejected = join(cfg.pkiDir, 'rejected', name!);
    const trusted = join(cfg.pkiDir, 'trusted', 'certs', name!);
    copyFileSync(rejected, trusted);
    const again = await startComponent(new OpcuaAdapter('hall1', cfg));
    try {
      await eventually(() => again.reports.some((x) => x.state === 'degraded'), 10_000, 'refused');
      expect(again.reports.find((x) => x.state === 'degraded')!.message).toContain(
        `it is in both ${trusted} and ${rejected}, and the copy in rejected/ wins: delete ${rejected} to trust it`,
      );
    } finally {
      await again.stop();
    }
  });

  it('connects once both sides trust each other: server certificate trusted by us, ours by the server', async () => {
    const cfg = secureConfig('pki-trusting');
    const latest = new Map<string, Sample>();
    const adapter = new OpcuaAdapter('hall1', cfg);
    adapter.samples$.subscribe((s) => latest.set(s.id, s));
    const r = await startComponent(adapter);
    try {
      // 1. Our side: the server's certificate lands in rejected/; the engineer trusts it.
      await eventually(
        () =>
          existsSync(join(cfg.pkiDir, 'rejected')) &&
          readdirSync(join(cfg.pkiDir, 'rejected')).length > 0,
        10_000,
        'server cert rejected',
      );
      expect(
        trustRejected(join(cfg.pkiDir, 'rejected'), join(cfg.pkiDir, 'trusted', 'certs')),
      ).toBe(1);
      // 2. The server does not know our certificate: it files it under its rejected/.
      await eventually(
        () => r.reports.some((x) => x.message?.includes('the server refused our certificate')),
        10_000,
        'refused by the server',
      );
      await eventually(
        () => readdirSync(join(serverPki, 'rejected')).some((f) => f.startsWith('HeatBridge')),
        5_000,
        'client cert on the server',
      );
      trustRejected(join(serverPki, 'rejected'), join(serverPki, 'trusted', 'certs'));
      // 3. Signed, encrypted, signed in with a username: values flow.
      await eventually(
        () => latest.get('hall1/cdu_flow')?.quality === 'good',
        20_000,
        'good value over SignAndEncrypt',
      );
      expect(r.reports.at(-1)).toEqual({ state: 'running' });
    } finally {
      await r.stop();
    }
  }, 60_000);

  it('trust on first use accepts the server certificate when the config opts in', async () => {
    const cfg = secureConfig('pki-tofu', { trustOnFirstUse: true });
    const adapter = new OpcuaAdapter('hall1', cfg);
    const r = await startComponent(adapter);
    try {
      await eventually(
        () =>
          existsSync(join(cfg.pkiDir, 'trusted', 'certs')) &&
          readdirSync(join(cfg.pkiDir, 'trusted', 'certs')).length > 0,
        10_000,
        'server cert trusted on first use',
      );
      expect(readdirSync(join(cfg.pkiDir, 'rejected')).filter((f) => f.endsWith('.pem'))).toEqual(
        [],
      );
    } finally {
      await r.stop();
    }
  });

  it('a wrong password is refused with a clear reason', async () => {
    const cfg = secureConfig('pki-badpw', {
      securityPolicy: 'None',
      securityMode: 'None',
      auth: { type: 'username', username: 'heatbridge', password: new Secret('wrong', 'test') },
    });
    const adapter = new OpcuaAdapter('hall1', cfg);
    const r = await startComponent(adapter);
    try {
      await eventually(
        () => r.reports.some((x) => x.message?.includes('the server refused our identity')),
        10_000,
        'identity refused',
      );
      // The password itself is never logged.
      expect(JSON.stringify(r.lines())).not.toContain('wrong');
    } finally {
      await r.stop();
    }
  });
});
