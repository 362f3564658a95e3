import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestScheduler } from 'rxjs/testing';
import { buildApp } from '../../../src/app';
import { loadSiteConfig, type SiteConfig } from '../../../src/config';
import { ClosedLoop, type WriteTrace } from '../../../src/simulation/closed-loop';
import { PlantCoupling, type ScenarioEvent } from '../../../src/simulation/plant-coupling';
import { createLogger } from '../../../src/log';
import { DEFAULT_WEATHER_FILE, hourlyCsvWeather } from '../../../simulators';

/**
 * One control loop: `heatbridge simulate` (ClosedLoop, on its VirtualClock) and the site's loop
 * as `buildApp` wires it (on RxJS's TestScheduler), both against the same plant model behind
 * the same in-process adapters, through a fault scenario: a write that fails twice and a
 * device whose values stop arriving. The devices must see the same writes, in the same order,
 * at the same instants, with the same outcomes.
 */
const START = Date.UTC(2021, 0, 15, 6);
const RUN_S = 20 * 60;
const EVENTS: ScenarioEvent[] = [
  { atS: 300, kind: 'write-fails', point: 'hp1/enable', times: 2 },
  { atS: 600, kind: 'stale', point: 'hp2', forS: 120 },
];
const HP2_STALE_MS = 20_000;
const weather = hourlyCsvWeather(DEFAULT_WEATHER_FILE);
let site: SiteConfig;

beforeAll(async () => {
  const loaded = await loadSiteConfig(join(__dirname, '../../../config/demo.yaml'), {});
  if (!loaded.ok) throw new Error('demo config invalid');
  // The app keeps its alarm state and audit trail on disk: somewhere of the test's own.
  const dir = mkdtempSync(join(tmpdir(), 'heatbridge-one-loop-'));
  const demo = loaded.config;
  const hp2 = demo.devices.hp2!;
  site = {
    ...demo,
    // hp2's values count as stale 20 s after they stop: four cycles, so "not before" can fail.
    devices: {
      ...demo.devices,
      hp2: { ...hp2, points: hp2.points.map((p) => ({ ...p, staleAfterMs: HP2_STALE_MS })) },
    } as SiteConfig['devices'],
    alarms: { ...loaded.config.alarms, stateFile: join(dir, 'alarms.json') },
    api: { ...loaded.config.api, auditFile: join(dir, 'audit.jsonl') },
    // The utility's plan and value books in the test's folder, not the repository's data/.
    ...(demo.utility
      ? {
          utility: {
            ...demo.utility,
            plan: { ...demo.utility.plan, stateFile: join(dir, 'utility-plan.json') },
            ...(demo.utility.value
              ? { value: { ...demo.utility.value, stateFile: join(dir, 'value.json') } }
              : {}),
          },
        }
      : {}),
    // And the heat signal's learned IT profile.
    ...(demo.heatSignal
      ? { heatSignal: { ...demo.heatSignal, stateFile: join(dir, 'heat-signal.json') } }
      : {}),
  };
});

function throughSimulate(): WriteTrace[] {
  const loop = new ClosedLoop({ site, weather, start: START, events: EVENTS });
  loop.traceWrites = true;
  loop.run(RUN_S);
  return loop.trace;
}

function throughTheSiteLoop(): WriteTrace[] {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  scheduler.frame = START;
  const plant = new PlantCoupling({ site, weather, start: START, scheduler, events: EVENTS });
  const app = buildApp(site, {
    log: createLogger({ level: 'silent' }),
    now: () => scheduler.now(),
    scheduler,
    adapters: plant.adapters,
  });
  const trace: WriteTrace[] = [];
  app.writes.outcomes$.subscribe((o) =>
    trace.push({
      at: o.at,
      id: o.command.id,
      value: o.value ?? o.command.value,
      status: o.status,
    }),
  );
  plant.start(app.control, { log: createLogger({ level: 'silent' }), report: () => {} });
  // The utility device, as the supervisor would start it (simulate starts it at the same instant).
  const feed = app.utility?.feed;
  if (feed) scheduler.schedule(() => void feed.start(), 1);
  scheduler.maxFrames = START + RUN_S * 1000 + site.control.cycleMs - 1;
  scheduler.flush();
  return trace;
}

const seconds = (t: WriteTrace) => (t.at - START) / 1000;

describe('one control loop for the site and for simulate', () => {
  let simulated: WriteTrace[];
  let live: WriteTrace[];
  beforeAll(() => {
    simulated = throughSimulate();
    live = throughTheSiteLoop();
  });

  it('sends the same writes, at the same instants, with the same outcomes', () => {
    // Setpoints, heat-pump commands and heartbeats of 20 minutes: a comparison of substance.
    expect(simulated.length).toBeGreaterThan(500);
    expect(new Set(simulated.map((w) => w.id)).size).toBeGreaterThanOrEqual(8);
    expect(live).toEqual(simulated);
  });

  it('retries a failed write with the live loop’s back-off: one cycle, then two', () => {
    const cycleS = site.control.cycleMs / 1000;
    const enable = simulated.filter((w) => w.id === 'hp1/enable' && seconds(w) >= 300);
    expect(enable.slice(0, 3).map((w) => w.status)).toEqual(['failed', 'failed', 'written']);
    const [first, second, third] = enable.map(seconds);
    expect(second! - first!).toBe(cycleS);
    expect(third! - second!).toBe(2 * cycleS);
    expect(enable.slice(0, 3).map((w) => w.value)).toEqual([true, true, true]);
  });

  it('stands a heat pump down once its values have gone stale, not before', () => {
    const cycleS = site.control.cycleMs / 1000;
    const enable = simulated.filter((w) => w.id === 'hp2/enable');
    expect(enable.filter((w) => seconds(w) < 600).at(-1)?.value).toBe(true);
    // The first `off` after the values stop: a refresh of `on` may come before it, while the
    // values are still within their stale window (where the 60 s refresh falls depends on when
    // the unit started).
    const after = enable.find((w) => seconds(w) >= 600 && w.value === false)!;
    // Not while its last values are within their stale window, and within two cycles after.
    expect(seconds(after)).toBeGreaterThanOrEqual(600 + HP2_STALE_MS / 1000);
    expect(seconds(after)).toBeLessThanOrEqual(600 + HP2_STALE_MS / 1000 + 2 * cycleS);
  });
});
