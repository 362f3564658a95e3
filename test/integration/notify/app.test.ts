import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { buildApp } from '../../../src/app';
import { demoConfigPath } from '../../../src/cli/commands';
import { loadSiteConfig, type SiteConfig } from '../../../src/config';
import { notificationsSchema } from '../../../src/config/notifications';
import { stopAfterEach } from '../../helpers/cleanup';
import { eventually, eventuallyAsync } from '../../helpers/components';
import { memoryLogger } from '../../helpers/logger';
import { WebhookReceiver } from './receiver';

const stopLater = stopAfterEach();

/** The demo site without devices, its files in a fresh folder, notifying `receiver`. */
async function siteNotifying(receiver: WebhookReceiver): Promise<SiteConfig> {
  const loaded = await loadSiteConfig(demoConfigPath(), {});
  if (!loaded.ok) throw new Error('demo config invalid');
  const dir = mkdtempSync(join(tmpdir(), 'hb-notify-app-'));
  return {
    ...loaded.config,
    devices: {},
    control: { ...loaded.config.control, controllers: [] },
    // No utility: its plan and value books would go to the repository's data/ folder.
    utility: undefined,
    // Nor the heat signal: its IT profile would go to data/ too.
    heatSignal: undefined,
    // Its servers on fixed ports are not this test's subject (test/integration/northbound).
    northbound: undefined,
    historian: {
      ...loaded.config.historian,
      dir: join(dir, 'historian'),
    } as SiteConfig['historian'],
    api: {
      ...loaded.config.api,
      port: 0,
      tokensFile: undefined,
      openReads: true,
      auditFile: join(dir, 'audit.jsonl'),
    },
    alarms: { ...loaded.config.alarms, stateFile: join(dir, 'alarms.json') },
    notifications: notificationsSchema({}).parse({
      spoolDir: join(dir, 'notifications'),
      targets: { hook: { type: 'webhook', url: receiver.url() } },
      rules: [{ priorities: ['critical'], targets: ['hook'] }],
    }),
  };
}

describe('the notifier in the app', () => {
  it('is a supervised component: alarms reach the webhook, /api/health shows it', async () => {
    const receiver = new WebhookReceiver();
    await receiver.start();
    stopLater(receiver);
    const app = buildApp(await siteNotifying(receiver), { log: memoryLogger().log });
    await app.supervisor.start();
    stopLater({ stop: async () => void (await app.supervisor.stop()) });
    app.alarms.apply({
      key: 'cooling-safety',
      active: true,
      priority: 'critical',
      message: 'cooling safety acting',
      at: Date.now(),
    });
    await eventually(() => receiver.received.length === 1, 10_000, 'the webhook message');
    expect(receiver.received[0]!.body).toMatchObject({
      site: { id: 'demo' },
      alarm: { key: 'cooling-safety', priority: 'critical' },
    });
    type Health = { components: { name: string; state: string; details?: unknown }[] };
    const notifications = async () =>
      (
        (await (
          await fetch(`http://127.0.0.1:${app.api.address().port}/api/health`)
        ).json()) as Health
      ).components.find((c) => c.name === 'notifications');
    // The receiver has the message before the notifier has its answer.
    await eventuallyAsync(
      async () =>
        ((await notifications())?.details as { targets?: { hook?: { delivered?: number } } })
          ?.targets?.hook?.delivered === 1,
      10_000,
      'the health to count the delivery',
    );
    expect(await notifications()).toMatchObject({
      state: 'running',
      details: { targets: { hook: { type: 'webhook', delivered: 1, pending: 0 } } },
    });
  });
});
