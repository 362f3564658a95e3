import { afterEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoConfigPath } from '../../../src/cli/commands';
import { loadSiteConfig, type SiteConfig } from '../../../src/config';
import type { PointDef } from '../../../src/domain/point';
import type { PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import type { Component } from '../../../src/runtime/component';
import { wireHeatSignal, type HeatSignalWiring } from '../../../src/signals/heat-signal-wiring';
import { VirtualClock } from '../../../src/simulation/virtual-clock';
import type { PlanStore } from '../../../src/utility/plan-store';
import { EMPTY } from 'rxjs';
import { startComponent, type Running } from '../../helpers/components';
import { memoryLogger } from '../../helpers/logger';
import { sampleAt } from '../../helpers/samples';

/**
 * The live heat signal on real files: a forecast file in a temp folder read by the real file
 * source, the service on a virtual clock, the IT power as the latest values give it.
 */

const H = 3_600_000;
const START = Date.parse('2031-02-03T08:10:00Z');
const HOUR = Math.floor(START / H) * H;
const iso = (t: number): string => new Date(t).toISOString();

const dirs: string[] = [];
const running: Running<Component>[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** `count` forecast hours from `from`, colder at night. */
function forecastCsv(from: number, count: number): string {
  const lines = ['time,temperature_c'];
  for (let i = 0; i < count; i++)
    lines.push(`${iso(from + i * H)},${(-6 + 4 * Math.sin((i / 24) * 2 * Math.PI)).toFixed(1)}`);
  return `${lines.join('\n')}\n`;
}

async function setup(opts: { forecast?: boolean; start?: number; flexible?: boolean } = {}) {
  const loaded = await loadSiteConfig(demoConfigPath(), {});
  if (!loaded.ok) throw new Error('demo config invalid');
  const site: SiteConfig = structuredClone(loaded.config);
  const dir = mkdtempSync(join(tmpdir(), 'hb-signal-'));
  dirs.push(dir);
  const forecastFile = join(dir, 'forecast.csv');
  const stateFile = join(dir, 'heat-signal.json');
  const hs = site.heatSignal!;
  hs.stateFile = stateFile;
  if (opts.forecast !== false) hs.outdoorForecast = { file: forecastFile, maxAgeMs: 12 * H };
  else delete hs.outdoorForecast;
  if (opts.flexible) hs.flexiblePower = 'hall1/batch_power' as PointId;
  const clock = new VirtualClock(opts.start ?? START);
  const latest = new Map<PointId, Sample>();
  const samples: Sample[] = [];
  const defs = new Map<PointId, PointDef>();
  // The service and the sources log through the wiring's logger.
  const { log, lines } = memoryLogger('debug');
  const wire = (
    utility?: Parameters<typeof wireHeatSignal>[0]['utility'],
  ): { wiring: HeatSignalWiring; start: () => Promise<Running<Component>> } => {
    const wiring = wireHeatSignal({
      site,
      defs,
      ...(utility ? { utility } : {}),
      read: (id) => latest.get(id),
      log,
      now: () => clock.now(),
      scheduler: clock,
    })!;
    wiring.service.samples$.subscribe((s) => samples.push(s));
    return {
      wiring,
      // As the supervisor does: the forecast sources, then the service.
      start: async () => {
        for (const c of wiring.components) running.push(await startComponent(c));
        const r = await startComponent(wiring.service);
        running.push(r);
        return r;
      },
    };
  };
  const set = (id: string, value: number): void => {
    latest.set(id as PointId, sampleAt(id, value, clock.now()));
  };
  return { site, dir, forecastFile, stateFile, clock, latest, samples, defs, wire, set, lines };
}

const latestOf = (samples: Sample[], name: string): Sample | undefined =>
  samples.filter((s) => s.id === `signal/${name}`).at(-1);

describe('the live heat signal', () => {
  it('is neutral without a forecast, then without IT power, then ok once both are in; its points say so', async () => {
    const t = await setup();
    const { wiring, start } = t.wire();
    const run = await start();
    const service = wiring.service;
    expect(service.current().status).toBe('neutral');
    expect(service.current().reason).toBe('no outdoor-temperature forecast has been received');
    expect(run.reports.at(-1)).toEqual({
      state: 'degraded',
      message: 'no outdoor-temperature forecast has been received',
    });
    expect(latestOf(t.samples, 'status')?.value).toBe('neutral');
    expect(latestOf(t.samples, 'signal')?.value).toBe(0);
    expect(latestOf(t.samples, 'recommended_flex_kw')?.value).toBe(400);
    expect(latestOf(t.samples, 'headroom_kw')?.quality).toBe('bad');
    // The signal points are known to the historian and the page.
    expect([...t.defs.keys()].filter((id) => id.startsWith('signal/')).sort()).toEqual(
      [
        'delivered_kw',
        'dumped_kw',
        'headroom_kw',
        'recommended_flex_kw',
        'signal',
        'signal_kw',
        'status',
      ].map((n) => `signal/${n}`),
    );

    // The forecast arrives (the file source looks every 10 s): recomputed at once.
    writeFileSync(t.forecastFile, forecastCsv(HOUR - H, 48));
    t.clock.runUntil(START + 10_000);
    expect(service.current().status).toBe('neutral');
    expect(service.current().reason).toMatch(
      /^no IT power yet from hall1\/it_power \(waiting since 2031-02-03 10:10:00 EET\)$/,
    );
    expect(run.reports.at(-1)).toEqual({ state: 'running' });

    // The first IT power: recomputed at the next cycle, not at the next 5-minute mark.
    t.set('hall1/it_power', 2000);
    t.set('dh/outdoor_temp', -2.5);
    t.clock.runUntil(START + 15_000);
    const ok = service.current();
    expect(ok.status).toBe('ok');
    expect(ok.reason).toBeUndefined();
    expect(ok.hours).toHaveLength(36);
    expect(ok.hours[0]!.start).toBe(HOUR);
    // The current hour at the measured outdoor temperature, the next from the forecast.
    expect(ok.hours[0]!.outdoorC).toBe(-2.5);
    expect(ok.hours[1]!.outdoorC).toBeCloseTo(-6 + 4 * Math.sin((2 / 24) * 2 * Math.PI), 1);
    // Without a plan on this site's utility (not wired here) the curves are used, said in a note.
    expect(ok.notes).toContain('no utility plans on this site: the curves are used');
    expect(ok.notes.join('\n')).toMatch(/IT profile still learning: 1 of 24 hours learned/);
    // Safety: never more IT load than the dry coolers take alone.
    for (const h of ok.hours)
      expect(h.itKw - h.baselineFlexKw + h.recommendedFlexKw).toBeLessThanOrEqual(
        h.coolingLimitItKw + 1e-6,
      );
    expect(latestOf(t.samples, 'status')?.value).toBe('ok');
    expect(latestOf(t.samples, 'recommended_flex_kw')?.value).toBe(ok.current.recommendedFlexKw);
    expect(latestOf(t.samples, 'dumped_kw')).toMatchObject({
      value: ok.hours[0]!.dumpedKw,
      quality: 'good',
    });
    expect(run.reports.at(-1)).toEqual({ state: 'running' });
    const okLine = t.lines().find((l) => String(l.msg).startsWith('heat signal ok'));
    expect(okLine).toBeDefined();
  });

  it('turns neutral when the forecast grows older than maxAgeMs, saying when it was received', async () => {
    const t = await setup();
    writeFileSync(t.forecastFile, forecastCsv(HOUR, 48));
    t.set('hall1/it_power', 2000);
    const { wiring, start } = t.wire();
    const run = await start();
    t.clock.runUntil(START + 5_000);
    expect(wiring.service.current().status).toBe('ok');
    // The 5-minute recomputes go on; the IT power keeps coming.
    for (let at = START; at <= START + 12 * H + 10 * 60_000; at += 10 * 60_000) {
      t.set('hall1/it_power', 2000);
      t.clock.runUntil(at);
    }
    const s = wiring.service.current();
    expect(s.status).toBe('neutral');
    expect(s.reason).toBe(
      `the outdoor-temperature forecast from file:${t.forecastFile} is stale: received 2031-02-03 10:10:00 EET, more than 12 h ago`,
    );
    expect(s.current.signal).toBe(0);
    expect(run.reports.at(-1)).toMatchObject({ state: 'degraded' });
    expect(t.lines().some((l) => l.level === 'warn' && String(l.msg).includes('is stale'))).toBe(
      true,
    );
    // The IT profile learned the hours it saw.
    expect(wiring.service.itProfile().learnedHours()).toBe(13);
  });

  it('is neutral when the forecast does not cover the current hour, naming what it covers', async () => {
    const t = await setup();
    writeFileSync(t.forecastFile, forecastCsv(HOUR + 2 * H, 24));
    t.set('hall1/it_power', 2000);
    const { wiring, start } = t.wire();
    await start();
    t.clock.runUntil(START + 5_000);
    expect(wiring.service.current()).toMatchObject({
      status: 'neutral',
      reason: `the outdoor-temperature forecast from file:${t.forecastFile} does not cover the current hour (2031-02-03 10:00:00 EET): it has 24 hours from 2031-02-03 12:00:00 EET to 2031-02-04 12:00:00 EET`,
    });
    // Once the clock reaches the forecast's first hour it is ok.
    t.clock.runUntil(HOUR + 2 * H + 60_000);
    expect(wiring.service.current().status).toBe('ok');
  });

  it('without a forecast source configured is neutral by design, not degraded', async () => {
    const t = await setup({ forecast: false });
    t.set('hall1/it_power', 2000);
    const { wiring, start } = t.wire();
    expect(wiring.components).toEqual([]);
    const run = await start();
    t.clock.runUntil(START + 5 * 60_000);
    expect(wiring.service.current().reason).toBe(
      'no outdoor-temperature forecast is configured (heatSignal.outdoorForecast)',
    );
    expect(run.reports.every((r) => r.state === 'running')).toBe(true);
  });

  it('keeps the learned IT profile across a restart, in its state file written whole', async () => {
    const t = await setup();
    writeFileSync(t.forecastFile, forecastCsv(HOUR, 48));
    const first = t.wire();
    await first.start();
    for (let at = START; at <= START + 3 * H; at += 60_000) {
      t.set('hall1/it_power', 1800 + (at - START) / 60_000);
      t.clock.runUntil(at);
    }
    const learned = first.wiring.service.itProfile().learnedHours();
    expect(learned).toBe(4);
    for (const r of running.splice(0).reverse()) await r.stop();
    expect(existsSync(t.stateFile)).toBe(true);
    expect(existsSync(`${t.stateFile}.tmp`)).toBe(false);
    const saved = JSON.parse(readFileSync(t.stateFile, 'utf8')) as { version: number };
    expect(saved.version).toBe(1);

    const second = t.wire();
    await second.start();
    const profile = second.wiring.service.itProfile();
    expect(profile.learnedHours()).toBe(4);
    expect(profile.forecast(START)).toBeCloseTo(
      first.wiring.service.itProfile().forecast(START)!,
      6,
    );
    expect(
      t.lines().some((l) => /restored from .* \(4 of 24 hours learned\)/.test(String(l.msg))),
    ).toBe(true);
  });

  it('sets an unreadable state file aside and learns from scratch', async () => {
    const t = await setup();
    writeFileSync(t.stateFile, '{ not json');
    const { wiring, start } = t.wire();
    await start();
    expect(wiring.service.itProfile().learnedHours()).toBe(0);
    expect(
      t
        .lines()
        .some((l) => l.level === 'warn' && /cannot be read .* set aside as/.test(String(l.msg))),
    ).toBe(true);
  });

  it('counts the flexible work done since the deadline window began, so the rest of the day is what is planned', async () => {
    // 05:50 site time; the demo's day of work runs from 06:00.
    const begin = Date.parse('2031-02-03T03:50:00Z');
    const windowFrom = Date.parse('2031-02-03T04:00:00Z');
    const t = await setup({ start: begin, flexible: true });
    writeFileSync(t.forecastFile, forecastCsv(windowFrom - H, 48));
    const { wiring, start } = t.wire();
    await start();
    for (let at = begin; at <= windowFrom + 2 * H; at += 5_000) {
      t.set('hall1/it_power', 2600);
      t.set('hall1/batch_power', 600);
      t.clock.runUntil(at);
    }
    const s = wiring.service.recompute('test');
    expect(s.status).toBe('ok');
    // 600 kW for the window's first two hours: 1200 kWh of the day's 9600 done.
    expect(s.windows[0]!.from).toBe(windowFrom);
    expect(s.windows[0]!.energyKwh).toBeCloseTo(9600 - 1200, 0);
    // The IT heat learned without the flexible work.
    expect(wiring.service.itProfile().forecast(windowFrom + H)).toBeCloseTo(2000, 6);
  });

  it('leaves the current window to its baseline when started in the middle of it', async () => {
    const t = await setup({ flexible: true });
    writeFileSync(t.forecastFile, forecastCsv(HOUR, 48));
    const { wiring, start } = t.wire();
    await start();
    for (let at = START; at <= START + H; at += 5_000) {
      t.set('hall1/it_power', 2600);
      t.set('hall1/batch_power', 600);
      t.clock.runUntil(at);
    }
    const s = wiring.service.recompute('test');
    // 11:10 site time: the window (06:00–06:00) has 18 h 50 min left, at the 400 kW baseline.
    expect(s.windows[0]!.energyKwh).toBeCloseTo((18 + 50 / 60) * 400, 6);
  });

  it('turns a failure while computing into a neutral signal that says why, and keeps recomputing', async () => {
    const t = await setup();
    writeFileSync(t.forecastFile, forecastCsv(HOUR, 48));
    t.set('hall1/it_power', 2000);
    // A plan store that fails on every look-up: a stand-in for a bug behind the signal.
    let broken = true;
    const plans = {
      hourAt: () => {
        if (broken) throw new Error('plan store broken');
        return undefined;
      },
      changes$: EMPTY,
    } as unknown as PlanStore;
    const { wiring, start } = t.wire({ plans });
    const run = await start();
    t.clock.runUntil(START + 5 * 60_000);
    const s = wiring.service.current();
    expect(s.status).toBe('neutral');
    expect(s.reason).toBe('the heat signal could not be computed: plan store broken');
    expect(run.reports.at(-1)?.state).toBe('degraded');
    // The 5-minute recompute was re-armed: once the fault is gone, the signal is back.
    broken = false;
    t.clock.runUntil(START + 10 * 60_000);
    expect(wiring.service.current().status).toBe('ok');
  });

  it('goes neutral when the IT power has been unusable for 15 minutes, and says since when', async () => {
    const t = await setup();
    writeFileSync(t.forecastFile, forecastCsv(HOUR, 48));
    t.set('hall1/it_power', 2000);
    const { wiring, start } = t.wire();
    await start();
    t.clock.runUntil(START + 5 * 60_000);
    expect(wiring.service.current().status).toBe('ok');
    t.latest.set(
      'hall1/it_power' as PointId,
      sampleAt('hall1/it_power', 2000, t.clock.now(), 'bad'),
    );
    t.clock.runUntil(START + 15 * 60_000);
    expect(wiring.service.current().status).toBe('ok');
    t.clock.runUntil(START + 25 * 60_000);
    const s = wiring.service.current();
    expect(s.status).toBe('neutral');
    expect(s.reason).toMatch(
      /^no usable IT power from hall1\/it_power since 2031-02-03 10:1\d:\d\d EET$/,
    );
  });
});
