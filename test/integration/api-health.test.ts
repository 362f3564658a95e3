import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildApp, type HeatBridgeApp } from '../../src/app';
import { loadSiteConfig, type SiteConfig } from '../../src/config';
import { demoConfigPath } from '../../src/cli/commands';
import type { Component } from '../../src/runtime/component';
import { memoryLogger } from '../helpers/logger';

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
