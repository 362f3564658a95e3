import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OpcuaAdapter } from '../../../src/adapters/opcua/adapter';
import type { OpcuaDeviceConfig, SiteConfig } from '../../../src/config';
import { opcuaProbeIntervalMs } from '../../../src/config/opcua';
import type { Sample } from '../../../src/domain/sample';
import { backoffDelay } from '../../../src/util/backoff';
import { SimHost } from '../../../simulators/host';
import { constantWeather } from '../../../simulators/weather';
import { eventually, startComponent, type Running } from '../../helpers/components';
import { memoryLogger } from '../../helpers/logger';
import { demoSiteOnFreePorts } from '../../helpers/sites';

/**
 * Issue 21.11: after a server restart, values came back when the reconnect backoff said so: 3.7 s
 * (7 publishing periods) after the server accepted connections again, and up to `maxDelayMs`
 * (30 s by default) after a long outage. Now a cheap TCP probe watches the endpoint between the
 * backed-off attempts, and the first answer after the endpoint was down starts a session at once.
 *
 * What is asserted is the mechanism, not a wall-clock limit: the backoff is set so that it would
 * wait 7 s after the 5-s outage and 6 s after the 30-s one, by then spacing its attempts at its
 * longest delay (initial 4 s, doubling, at most 12 s);
 * the resume must come before even the backoff's shortest delay and must have been started by a
 * probe; full attempts during the outage must not exceed what the backoff allows, and probes must
 * not exceed one per probe interval (the dead server is not hammered). The time from the server
 * listening to the first fresh value is printed (about 0.7 s here with 500-ms publishing: within
 * two publishing periods; docs/reliability.md).
 */
const PUBLISHING_MS = 500;
// The longest delay is reached within the long outage (4, 8, then 12 s): what a long outage
// tests. (At 30 s, and a 60-s outage, the test took 70 s of CI time in each pass.)
const RECONNECT = { initialDelayMs: 4000, maxDelayMs: 12_000 };

let host: SimHost;
let site: SiteConfig;
let hall: OpcuaDeviceConfig;
let running: Running<OpcuaAdapter>;
const samples: Sample[] = [];

interface Counts {
  attempts: number;
  probes: number;
  resumedOnProbe: number;
  connectionLosses: number;
}
const counts = (): Counts => running.component.details() as unknown as Counts;

beforeAll(async () => {
  ({ site } = await demoSiteOnFreePorts());
  hall = site.devices.hall1 as OpcuaDeviceConfig;
  hall.publishingIntervalMs = PUBLISHING_MS;
  hall.samplingIntervalMs = 250;
  hall.reconnect = RECONNECT;
  host = new SimHost({
    site,
    log: memoryLogger().log,
    realtime: true,
    speed: 30,
    adminPort: 0,
    weather: constantWeather(-3),
  });
  await host.start();
  const adapter = new OpcuaAdapter('hall1', hall);
  adapter.samples$.subscribe((s) => samples.push(s));
  running = await startComponent(adapter);
  await eventually(
    () => samples.some((s) => s.id === 'hall1/it_power' && s.quality === 'good'),
    15_000,
    'connected',
  );
}, 30_000);

afterAll(async () => {
  await running.stop();
  await host.stop();
});

/** Full attempts the backoff allows within `ms` of a loss (the first after the initial delay). */
function attemptsAllowed(ms: number): number {
  let n = 0;
  for (let t = backoffDelay(0, RECONNECT); t <= ms; t += backoffDelay(n, RECONNECT)) n += 1;
  return n;
}

describe('OPC UA adapter: resume after a server restart (issue 21.11)', () => {
  it('resumes within two publishing periods of the server listening again, after 5 s and after 30 s away, without hammering it meanwhile', async () => {
    const server = host.opcua[0]!;
    const probeEveryMs = opcuaProbeIntervalMs(hall);
    for (const outageMs of [5_000, 30_000]) {
      const before = counts();
      await server.stop();
      const down = Date.now();
      await eventually(
        () => samples.some((s) => s.receivedAt >= down && s.quality !== 'good'),
        5_000,
        'the loss noticed',
      );
      await new Promise((r) => setTimeout(r, outageMs - (Date.now() - down)));
      const during = counts();
      await server.start();
      const up = Date.now();
      await eventually(
        () => samples.some((s) => s.receivedAt >= up && s.quality === 'good'),
        RECONNECT.maxDelayMs + 10_000,
        'a fresh good sample',
      );
      const resumedAfterMs =
        samples.find((s) => s.receivedAt >= up && s.quality === 'good')!.receivedAt - up;
      const after = counts();
      const what = `after ${outageMs} ms away: resumed ${resumedAfterMs} ms after the server listened`;
      // The figure (about 0.7 s here, two publishing periods being 1 s) is reported, not held to
      // a wall-clock limit a loaded CI machine could break: what must hold is that the resume
      // did not wait for the backoff — not even its shortest delay — because a probe saw the
      // server back (asserted next).
      process.stdout.write(`opcua-restart: ${what}\n`);
      expect({ what, beforeBackoff: resumedAfterMs < RECONNECT.initialDelayMs }).toEqual({
        what,
        beforeBackoff: true,
      });
      // A probe found the server back; the session did not wait for the backoff.
      expect(after.resumedOnProbe - before.resumedOnProbe).toBe(1);
      expect(after.connectionLosses - before.connectionLosses).toBe(1);
      // While it was down: full attempts as the backoff spaces them, probes one per interval.
      const outage = up - down;
      expect(during.attempts - before.attempts).toBeLessThanOrEqual(attemptsAllowed(outage));
      expect(during.probes - before.probes).toBeLessThanOrEqual(
        Math.ceil(outage / probeEveryMs) + attemptsAllowed(outage) + 1,
      );
    }
    // One line per event (21.16): the loss, and the reconnect with how long and how many attempts.
    const said = running
      .lines()
      .filter((l) => l.level !== 'debug')
      .map((l) => String(l.msg));
    expect(said.filter((m) => /^hall1: connection lost \(.*\); retrying$/.test(m))).toHaveLength(2);
    expect(
      said.filter((m) =>
        /^hall1: reconnected after \d+ (s|min \d+ s|min) \(\d+ attempts?\)$/.test(m),
      ),
    ).toHaveLength(2);
  }, 120_000);
});
