import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestScheduler } from 'rxjs/testing';
import { buildApp } from '../../../src/app';
import type { AuditEntry } from '../../../src/api/audit-log';
import { loadSiteConfig, type SiteConfig } from '../../../src/config';
import type { PointId } from '../../../src/domain/point-id';
import type { WriteOutcome } from '../../../src/domain/write-outcome';
import { writeRecord } from '../../../src/historian/schema';
import { createLogger } from '../../../src/log';
import { PlantCoupling, type ScenarioEvent } from '../../../src/simulation/plant-coupling';
import { DEFAULT_WEATHER_FILE, hourlyCsvWeather } from '../../../simulators';

/**
 * The audit trail under an operator's override that the write guard ramps over many cycles
 * (issue 21, item 2: one 30-minute override gave 30 "user:demo-operator write" entries in 13
 * minutes). The site's loop as `buildApp` wires it — write guard, audit trail, historian records —
 * against the plant model behind in-process adapters, on virtual time.
 */
const START = Date.UTC(2021, 0, 15, 6);
const POINT = 'hp1/condenser_out_setpoint' as PointId;
const OPERATOR = { kind: 'user' as const, name: 'demo-operator' };
const weather = hourlyCsvWeather(DEFAULT_WEATHER_FILE);
let site: SiteConfig;

beforeAll(async () => {
  const loaded = await loadSiteConfig(join(__dirname, '../../../config/demo.yaml'), {});
  if (!loaded.ok) throw new Error('demo config invalid');
  const dir = mkdtempSync(join(tmpdir(), 'heatbridge-audit-trail-'));
  site = {
    ...loaded.config,
    alarms: { ...loaded.config.alarms, stateFile: join(dir, 'alarms.json') },
    api: { ...loaded.config.api, auditFile: join(dir, 'audit.jsonl') },
    // No utility: its plan store would read the repository's data/ folder.
    utility: undefined,
    // Nor the heat signal: its IT profile would go to data/.
    heatSignal: undefined,
    // Its servers on fixed ports are not this test's subject (test/integration/northbound).
    northbound: undefined,
  };
});

/**
 * An override of the heat pump's supply setpoint (maxRatePerMin 2) from minute 5 for 30 minutes,
 * far enough from the controller's value that the guard ramps it over minutes; `minutes` run.
 */
function overrideRun(
  events: ScenarioEvent[],
  minutes: number,
): { entries: AuditEntry[]; outcomes: WriteOutcome[] } {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  scheduler.frame = START;
  const plant = new PlantCoupling({ site, weather, start: START, scheduler, events });
  const app = buildApp(site, {
    log: createLogger({ level: 'silent' }),
    now: () => scheduler.now(),
    scheduler,
    adapters: plant.adapters,
  });
  const outcomes: WriteOutcome[] = [];
  app.writes.outcomes$.subscribe((o) => outcomes.push(o));
  plant.start(app.control, { log: createLogger({ level: 'silent' }), report: () => {} });
  scheduler.schedule(() => {
    app.control.setOverride({
      id: POINT,
      value: 60,
      durationMs: 30 * 60_000,
      reason: 'network trial',
      actor: OPERATOR,
    });
  }, 5 * 60_000);
  scheduler.maxFrames = START + minutes * 60_000;
  scheduler.flush();
  return { entries: app.audit.query({ limit: 10_000 }).reverse(), outcomes };
}

const onBehalf = (outcomes: WriteOutcome[]): WriteOutcome[] =>
  outcomes.filter((o) => o.command.id === POINT && o.command.actor.kind === 'user');

describe('audit trail: an operator action is one entry, its writes go to the write record', () => {
  it('a ramped 30-minute override: no write entries; every write in the historian under the operator', () => {
    const { entries, outcomes } = overrideRun([], 40);
    const writes = onBehalf(outcomes);
    // The guard ramped it, 2 °C a minute, a write every 5 s cycle, then refreshed each minute.
    expect(writes.length).toBeGreaterThan(20);
    expect(writes.some((o) => o.adjusted?.some((a) => a.startsWith('rate-limited')))).toBe(true);
    expect(writes.every((o) => o.status === 'written')).toBe(true);
    // What the historian stores of each: the write record, under the operator.
    for (const o of writes) {
      const r = writeRecord(site.site.id, o);
      expect(r.tags).toMatchObject({ event: 'write', point: 'condenser_out_setpoint' });
      expect(r.tags.actor_kind).toBe('user');
      expect(r.fields.actor).toBe('user:demo-operator');
    }
    // The audit trail: no write at all (the API's override-set is the action), the expiry once.
    expect(entries.filter((e) => e.action === 'write')).toEqual([]);
    expect(entries.filter((e) => e.target === POINT).map((e) => [e.action, e.actor])).toEqual([
      ['override-expired', 'system:heatbridge'],
    ]);
  });

  it('writes failing on the operator’s behalf: one entry per episode, not per retry or flap', () => {
    const { entries, outcomes } = overrideRun(
      [
        // During the ramp: three writes fail (retried with back-off).
        { atS: 6 * 60, kind: 'write-fails', point: POINT, times: 3 },
        // A flap two minutes after they got through again: the same episode.
        { atS: 9 * 60, kind: 'write-fails', point: POINT, times: 1 },
        // Long after (the episode over): a new one.
        { atS: 25 * 60, kind: 'write-fails', point: POINT, times: 2 },
      ],
      40,
    );
    const failed = onBehalf(outcomes).filter((o) => o.status === 'failed');
    expect(failed.length).toBe(6);
    const writeEntries = entries.filter((e) => e.action === 'write');
    expect(writeEntries.map((e) => [e.actor, e.target, e.result.split(':')[0]])).toEqual([
      ['user:demo-operator', POINT, 'failed'],
      ['user:demo-operator', POINT, 'failed'],
    ]);
    // Each the first failure of its episode, with its reason.
    expect(writeEntries.map((e) => e.at)).toEqual(
      [failed[0]!, failed[4]!].map((o) => new Date(o.at).toISOString()),
    );
    expect(writeEntries[0]!.result).toBe(`failed: ${failed[0]!.reason}`);
  });
});
