import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildApp, type HeatBridgeApp } from '../../src/app';
import { loadSiteConfig, type SiteConfig } from '../../src/config';
import { demoConfigPath } from '../../src/cli/commands';
import type { Component } from '../../src/runtime/component';
import { loadSimulatorsComponent } from '../../simulators';
import { eventuallyAsync, startComponent } from '../helpers/components';
import { memoryLogger } from '../helpers/logger';
import { demoSiteOnFreePorts } from '../helpers/sites';

/** The real HTTP server on a loopback port, with a component that fails to start beside it. */
describe('GET /api/health over HTTP', () => {
  let app: HeatBridgeApp;
  let base: string;

  beforeAll(async () => {
    const loaded = await loadSiteConfig(demoConfigPath(), {});
    if (!loaded.ok) throw new Error('demo config invalid');
    // No devices: this test is about the API and the supervisor, not about adapters.
    const site: SiteConfig = {
      ...loaded.config,
      devices: {},
      control: { ...loaded.config.control, controllers: [] },
      // Nor about the utility's plans and value (their components have their own tests).
      utility: undefined,
      // Nor the heat signal (its learned IT profile would go to the repository's data/).
      heatSignal: undefined,
      // Its servers on fixed ports are not this test's subject (test/integration/northbound).
      northbound: undefined,
      historian: {
        ...loaded.config.historian,
        dir: mkdtempSync(join(tmpdir(), 'hb-hist-')),
      } as SiteConfig['historian'],
      api: {
        ...loaded.config.api,
        host: '127.0.0.1',
        port: 0,
        tokensFile: undefined,
        auditFile: join(mkdtempSync(join(tmpdir(), 'hb-audit-')), 'audit.jsonl'),
      },
      alarms: {
        ...loaded.config.alarms,
        stateFile: join(mkdtempSync(join(tmpdir(), 'hb-alarms-')), 'alarms.json'),
      },
    };
    const broken: Component = {
      name: 'reports',
      start: () => Promise.reject(new Error('disk full')),
      stop: () => Promise.resolve(),
    };
    app = buildApp(site, { log: memoryLogger().log, extraComponents: [broken] });
    await app.supervisor.start();
    base = `http://127.0.0.1:${app.api.address().port}`;
  });

  afterAll(async () => {
    await app.supervisor.stop();
  });

  it('lists every component with its state, and answers 503 while one has failed', async () => {
    const res = await fetch(`${base}/api/health`);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: 'failed',
      site: { id: 'demo' },
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      components: [
        { name: 'api', state: 'running' },
        { name: 'historian', state: 'running' },
        { name: 'reports', state: 'failed', message: 'disk full' },
        { name: 'control', state: 'running' },
        { name: 'alarms', state: 'running' },
      ],
    });
  });

  it('answers unknown API routes with a JSON 404', async () => {
    const res = await fetch(`${base}/api/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'not_found', message: 'no API route GET /api/nope' });
  });

  it('serves the web page with security headers and no framework banner', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>HeatBridge</title>');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

/**
 * Issue 21: /api/health said "ok" before the OPC UA device was connected. A device whose server
 * is not up yet keeps HeatBridge from "ok" until it connects.
 */
describe('GET /api/health while a device has never connected', () => {
  it('is not "ok" until the device’s server is up and connected, then is', async () => {
    const { site: demo } = await demoSiteOnFreePorts();
    const hall1 = demo.devices.hall1!;
    if (hall1.protocol !== 'opcua') throw new Error('hall1 is the demo’s OPC UA device');
    const site: SiteConfig = {
      ...demo,
      devices: { hall1: { ...hall1, reconnect: { initialDelayMs: 200, maxDelayMs: 500 } } },
      control: { ...demo.control, controllers: [] },
      alarms: { ...demo.alarms, definitions: [] },
      api: { ...demo.api, port: 0 },
    };
    const app = buildApp(site, { log: memoryLogger().log });
    const { SimulatorsComponent } = loadSimulatorsComponent();
    let simulators: Awaited<ReturnType<typeof startComponent>> | undefined;
    try {
      await app.supervisor.start();
      // Started is not connected: the adapter connects in the background.
      expect(app.supervisor.health().status).not.toBe('ok');
      const base = `http://127.0.0.1:${app.api.address().port}`;
      const health = async (): Promise<{ status: number; body: Record<string, unknown> }> => {
        const res = await fetch(`${base}/api/health`);
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const before = await health();
      // Connecting ("starting", 503) or refused ("degraded" with the reason): never "ok".
      expect(['starting', 'degraded']).toContain(before.body.status);
      expect(before.body.components).toContainEqual(
        expect.objectContaining({
          name: 'opcua hall1',
          state: expect.stringMatching(/^(starting|degraded)$/),
          message: expect.any(String),
        }),
      );
      // The server comes up (the simulators serve hall1 on its endpoint): "ok" once connected.
      simulators = await startComponent(
        new SimulatorsComponent({ site: { ...demo, devices: { hall1 } }, adminPort: 0 }),
      );
      await eventuallyAsync(
        async () => (await health()).body.status === 'ok',
        30_000,
        'health ok once connected',
      );
      const after = await health();
      expect(after.status).toBe(200);
      expect(after.body.components).toContainEqual(
        expect.objectContaining({ name: 'opcua hall1', state: 'running' }),
      );
    } finally {
      await app.supervisor.stop();
      await simulators?.stop();
    }
  }, 60_000);
});
