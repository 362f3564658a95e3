import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestScheduler } from 'rxjs/testing';
import { buildApp } from '../../../src/app';
import { loadSiteConfig, type SiteConfig } from '../../../src/config';
import { pointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import { createLogger } from '../../../src/log';
import type { ScadaWriteResult } from '../../../src/northbound/scada-gate';
import { PlantCoupling } from '../../../src/simulation/plant-coupling';
import { DEFAULT_WEATHER_FILE, hourlyCsvWeather } from '../../../simulators';

/**
 * The SCADA's live request through the whole site loop (buildApp on virtual time, against the
 * plant model behind the in-process adapters): a supply temperature written through the gate is
 * followed by the supply-setpoint controller while it is renewed, and lapses `timeoutMs` after
 * the last renewal — control falls back to what it followed before (here the
 * utility's register request), visibly (scada_active, the status text, an
 * audit entry). Only the new request is audited, not its renewals.
 */
const START = Date.UTC(2021, 0, 15, 6);
const TIMEOUT_MS = 60_000;
const SUPPLY = pointId('utility', 'scada_supply_temp');
const ACTIVE = pointId('utility', 'scada_active');
const OUTPUT = pointId('hp1', 'condenser_out_setpoint');
const weather = hourlyCsvWeather(DEFAULT_WEATHER_FILE);
let site: SiteConfig;
let dir: string;

beforeAll(async () => {
  const loaded = await loadSiteConfig(join(__dirname, '../../../config/demo.yaml'), {});
  if (!loaded.ok) throw new Error('demo config invalid');
  dir = mkdtempSync(join(tmpdir(), 'heatbridge-scada-loop-'));
  const demo = loaded.config;
  site = {
    ...demo,
    alarms: { ...demo.alarms, stateFile: join(dir, 'alarms.json') },
    api: { ...demo.api, auditFile: join(dir, 'audit.jsonl') },
    utility: {
      ...demo.utility!,
      plan: { ...demo.utility!.plan, stateFile: join(dir, 'utility-plan.json') },
      ...(demo.utility!.value
        ? { value: { ...demo.utility!.value, stateFile: join(dir, 'value.json') } }
        : {}),
    },
    ...(demo.heatSignal
      ? { heatSignal: { ...demo.heatSignal, stateFile: join(dir, 'heat-signal.json') } }
      : {}),
    northbound: {
      requests: {
        timeoutMs: TIMEOUT_MS,
        supplyTemp: { min: 55, max: 95 },
        capacityKw: { min: 0, max: 2400 },
        priceEurPerMWh: { min: -1000, max: 10_000 },
      },
    },
  };
});

interface Run {
  samples: Sample[];
  /** The writes to hp1's condenser setpoint: when, what, why. */
  setpoints: { at: number; value: unknown; reason: string }[];
  results: { at: number; result: ScadaWriteResult }[];
  audit: {
    at: string;
    action: string;
    target: string;
    old?: unknown;
    new?: unknown;
    actor: string;
  }[];
}

/** The site loop for `runS` seconds, with the SCADA writing `value` at each of `writesAtS`. */
async function run(writes: { atS: number; value: number }[], runS: number): Promise<Run> {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  scheduler.frame = START;
  const plant = new PlantCoupling({ site, weather, start: START, scheduler, events: [] });
  const log = createLogger({ level: 'silent' });
  const app = buildApp(site, {
    log,
    now: () => scheduler.now(),
    scheduler,
    adapters: plant.adapters,
  });
  const samples: Sample[] = [];
  app.samples$.subscribe((s) => samples.push(s));
  const setpoints: Run['setpoints'] = [];
  app.writes.outcomes$.subscribe((o) => {
    if (o.command.id === OUTPUT)
      setpoints.push({ at: o.at, value: o.value, reason: o.command.reason });
  });
  plant.start(app.control, { log, report: () => {} });
  const feed = app.utility!.feed;
  scheduler.schedule(() => void feed.start(), 1);
  const results: Run['results'] = [];
  const gate = app.gate!;
  for (const w of writes)
    scheduler.schedule(() => {
      const at = scheduler.now();
      // The request is in force once the write guard has sent it (synchronously); its outcome
      // settles on a promise, after the flush.
      void gate
        .request(
          { name: 'control-room', role: 'utility', via: 'opcua', from: '10.0.0.9' },
          SUPPLY,
          w.value,
        )
        .then((result) => results.push({ at, result }));
    }, w.atS * 1000);
  scheduler.maxFrames = START + runS * 1000;
  scheduler.flush();
  // The write outcomes (and the audit entries of new requests) settle on promises.
  await new Promise((resolve) => setImmediate(resolve));
  const audit = readFileSync(join(dir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Run['audit'][number]);
  return { samples, setpoints, results, audit };
}

const lastWrite = (r: Run, t: number) => r.setpoints.filter((w) => w.at <= t).at(-1);

const lastAt = (samples: Sample[], id: string, t: number): Sample | undefined =>
  samples.filter((s) => s.id === id && s.receivedAt <= t).at(-1);

describe('a SCADA request through the site loop', () => {
  let r: Run;
  beforeAll(async () => {
    // Written at 120 s, renewed at 150 s and 180 s; the last renewal lapses at 240 s.
    r = await run(
      [
        { atS: 120, value: 72 },
        { atS: 150, value: 72 },
        { atS: 180, value: 72 },
      ],
      330,
    );
  });

  it('is followed by the supply setpoint while it is renewed', () => {
    expect(lastWrite(r, START + 110_000)?.reason).not.toMatch(/72 °C/);
    expect(lastWrite(r, START + 230_000)?.reason).toMatch(/requests 72 °C/);
    expect(lastAt(r.samples, ACTIVE, START + 230_000)?.value).toBe(true);
    expect(lastAt(r.samples, SUPPLY, START + 230_000)).toMatchObject({
      value: 72,
      quality: 'good',
    });
  });

  it('lapses timeoutMs after the last renewal, and control falls back to the register request', () => {
    expect(lastAt(r.samples, ACTIVE, START + 239_000)?.value).toBe(true);
    // Lapsed by the first cycle at or after 240 s.
    const cycle = site.control.cycleMs;
    expect(lastAt(r.samples, ACTIVE, START + 240_000 + cycle)?.value).toBe(false);
    expect(lastAt(r.samples, SUPPLY, START + 240_000 + cycle)?.quality).toBe('bad');
    const after = lastWrite(r, START + 330_000);
    expect(after!.at).toBeGreaterThan(START + 240_000);
    expect(after?.reason).not.toMatch(/72 °C/);
    // The demo's fallback: the utility's register request (dh/requested_supply_temp), fresh here.
    expect(after?.reason).toMatch(/^utility requests \d+ °C/);
  });

  it('audits the new request once (not its renewals) and the lapse', () => {
    // By time: on virtual time the new request's entry is written once its promise settles,
    // after the run.
    const scada = r.audit
      .filter((e) => e.action.startsWith('scada-'))
      .sort((a, b) => a.at.localeCompare(b.at));
    expect(scada.map((e) => [e.action, e.target, e.old ?? null, e.new ?? null, e.actor])).toEqual([
      ['scada-request', SUPPLY, null, 72, 'user:control-room'],
      ['scada-request-expired', SUPPLY, 72, null, 'system:heatbridge'],
    ]);
    expect(r.results.map((x) => x.result.ok && x.result.renewed)).toEqual([false, true, true]);
  });
});
