import { describe, expect, it } from '@jest/globals';
import { OpcuaAdapter } from '../../../src/adapters/opcua/adapter';
import type { OpcuaDeviceConfig } from '../../../src/config';
import type { Sample } from '../../../src/domain/sample';
import { stopAfterEach } from '../../helpers/cleanup';
import { eventually, startComponent } from '../../helpers/components';
import { demoSiteOnFreePorts } from '../../helpers/sites';

/** Issue 18.5b: an OPC UA server that refuses the connection makes the points bad, not stale. */
const cleanup = stopAfterEach();

describe('OPC UA adapter health (issue 18)', () => {
  it('a refused connection makes the points bad, and polling mode counts skipped polls', async () => {
    // The demo site on free ports, with no simulator started: nothing listens on the endpoint.
    const { site } = await demoSiteOnFreePorts();
    const hall = site.devices.hall1 as OpcuaDeviceConfig;
    const cfg: OpcuaDeviceConfig = {
      ...hall,
      mode: 'polling',
      reconnect: { initialDelayMs: 100, maxDelayMs: 200 },
    };
    const latest = new Map<string, Sample>();
    const adapter = new OpcuaAdapter('hall1', cfg);
    adapter.samples$.subscribe((s) => latest.set(s.id, s));
    const running = await startComponent(adapter);
    cleanup(running);
    const readable = cfg.points.filter((p) => p.access !== 'w').map((p) => `hall1/${p.name}`);
    await eventually(
      () => readable.every((id) => latest.get(id) !== undefined),
      10_000,
      'a sample of every point',
    );
    expect(readable.map((id) => latest.get(id)!.quality)).toEqual(readable.map(() => 'bad'));
    expect(running.reports.at(-1)?.state).toBe('degraded');
    expect(adapter.details()).toMatchObject({
      connected: false,
      skippedPolls: { hall1: 0 },
      overloaded: [],
    });
  });
});
