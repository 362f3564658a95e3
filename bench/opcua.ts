import {
  AttributeIds,
  ClientMonitoredItemGroup,
  ClientSubscription,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  TimestampsToReturn,
} from 'node-opcua';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOpcuaAdapters } from '../src/adapters/opcua/adapter';
import { memoryLogger } from '../test/helpers/logger';
import { rateOver, round, type Bench } from './lib';
import { startBenchOpcuaServer } from './servers/opcua';
import { opcuaBenchSite } from './sites';

/**
 * OPC UA acquisition: data-change notifications per second through HeatBridge's adapter
 * (samples emitted), 5,000 monitored items, against a bare node-opcua client subscription to
 * the same items on the same server, one after the other.
 */
export const opcuaBench: Bench = async ({ quick, progress }) => {
  const count = quick ? 500 : 5000;
  const periodMs = 500;
  const durationMs = quick ? 3000 : 20_000;
  const t0 = performance.now();
  const server = await startBenchOpcuaServer(count, periodMs);
  try {
    progress(`bare node-opcua client, ${count} items`);
    const bare = await bareRate(server.endpoint, count, periodMs, durationMs, progress);
    progress(`HeatBridge adapter, ${count} items`);
    const site = opcuaBenchSite({ endpoint: server.endpoint, count, periodMs });
    const [adapter] = createOpcuaAdapters(site.devices);
    let samples = 0;
    const sub = adapter!.samples$.subscribe(() => samples++);
    await adapter!.start({ log: memoryLogger().log, report: () => undefined });
    const rate = await rateOver(() => samples, quick ? 1000 : 5000, durationMs, progress);
    sub.unsubscribe();
    await adapter!.stop();
    const ratio = rate / bare;
    return {
      name: 'opcua',
      title: 'OPC UA acquisition',
      figures: { items: count, period_ms: periodMs, notifications_per_s: round(rate, 0) },
      ceiling: {
        what: 'bare node-opcua subscription',
        figures: { notifications_per_s: round(bare, 0) },
      },
      ratio: round(ratio, 3),
      targets: [{ what: 'ratio ≥ 0.8', met: ratio >= 0.8 }],
      notes: [
        `the server changes every item every ${periodMs} ms: ${round((count * 1000) / periodMs, 0)}/s offered`,
      ],
      durationS: round((performance.now() - t0) / 1000, 1),
    };
  } finally {
    await server.stop();
  }
};

async function bareRate(
  endpoint: string,
  count: number,
  periodMs: number,
  durationMs: number,
  progress: (l: string) => void,
): Promise<number> {
  const client = OPCUAClient.create({
    securityMode: MessageSecurityMode.None,
    securityPolicy: SecurityPolicy.None,
    endpointMustExist: false,
    clientCertificateManager: new OPCUACertificateManager({
      rootFolder: join(mkdtempSync(join(tmpdir(), 'hb-bench-bare-')), 'pki'),
      automaticallyAcceptUnknownCertificate: true,
    }),
  });
  await client.connect(endpoint);
  const session = await client.createSession();
  const subscription = ClientSubscription.create(session, {
    requestedPublishingInterval: periodMs,
    requestedLifetimeCount: 100,
    requestedMaxKeepAliveCount: 10,
    maxNotificationsPerPublish: 0,
    publishingEnabled: true,
    priority: 1,
  });
  const items = Array.from({ length: count }, (_, i) => ({
    nodeId: `ns=1;s=v${i}`,
    attributeId: AttributeIds.Value,
  }));
  const group = ClientMonitoredItemGroup.create(
    subscription,
    items,
    { samplingInterval: periodMs, discardOldest: true, queueSize: 1 },
    TimestampsToReturn.Both,
  );
  let n = 0;
  group.on('changed', () => n++);
  const rate = await rateOver(() => n, durationMs < 10_000 ? 1000 : 5000, durationMs, progress);
  await subscription.terminate();
  await session.close();
  await client.disconnect();
  return rate;
}
