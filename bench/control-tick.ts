import { buildPointDefs, loadSiteConfig } from '../src/config';
import { demoConfigPath } from '../src/cli/commands';
import { cycleControllers, runCycle, type CycleState } from '../src/control/cycle';
import { ProcessImage } from '../src/control/process-image';
import type { PointDef } from '../src/domain/point';
import { pointId, type PointId } from '../src/domain/point-id';
import type { Sample } from '../src/domain/sample';
import { percentile, round, type Bench } from './lib';

/**
 * One control tick as ControlLoop runs it — the process image built from the latest sample of
 * every point, then the demo's controllers and arbitration — with 10,000 points in the image:
 * the demo's own plus filler points of other devices. Duration p50/p99 over many ticks, the
 * plant's values moving a little each tick.
 */
export const controlTickBench: Bench = async ({ quick, progress }) => {
  const t0 = performance.now();
  const loaded = await loadSiteConfig(demoConfigPath(), {});
  if (!loaded.ok) throw new Error('demo config invalid');
  const site = loaded.config;
  const defs = new Map<PointId, PointDef>(buildPointDefs(site));
  const total = 10_000;
  for (let i = 0; defs.size < total; i++) {
    const id = pointId(`filler${Math.floor(i / 100)}`, `p${i % 100}`);
    defs.set(id, {
      ...defs.values().next().value!,
      id,
      device: `filler${Math.floor(i / 100)}`,
      name: `p${i % 100}`,
    });
  }
  // Plausible values for the demo's points (the model's steady state), fillers anywhere.
  const base: Record<string, number | boolean> = {
    'hall1/cdu_supply_temp': 40,
    'hall1/air_supply_temp': 24,
    'plant/source_supply_temp': 45,
    'plant/source_return_temp': 35,
    'plant/source_flow': 150,
    'dh/acceptance': 3000,
    'dh/outdoor_temp': -5,
    'dh/supply_temp': 75,
    'dh/return_temp': 45,
    'plant/valve_position': 50,
    'hp1/running': true,
    'hp2/running': false,
    'hp1/tripped': false,
    'hp2/tripped': false,
    'plant/safe_state': false,
  };
  const controllers = cycleControllers(site.control.controllers);
  let state: CycleState = { controllers: {} };
  const ticks = quick ? 200 : 5000;
  const durations: number[] = [];
  let now = Date.now();
  const samples: Sample[] = [...defs.values()].map((d) => ({
    id: d.id,
    value: d.unit === 'bool' ? Boolean(base[d.id] ?? false) : Number(base[d.id] ?? 50),
    ts: now,
    receivedAt: now,
    quality: 'good' as const,
  }));
  for (let t = 0; t < ticks; t++) {
    now += site.control.cycleMs;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      const value = typeof s.value === 'number' ? s.value + Math.sin(t / 50 + i) * 0.01 : s.value;
      samples[i] = { ...s, value, ts: now, receivedAt: now };
    }
    const start = performance.now();
    const image = ProcessImage.build(samples, defs, now);
    const result = runCycle(image, state, controllers, { manual: new Set(), overrides: [] }, now);
    durations.push(performance.now() - start);
    state = result.state;
    if (t % 1000 === 999) progress(`${t + 1}/${ticks} ticks`);
    if (t % 100 === 99) await new Promise((r) => setImmediate(r));
  }
  const p99 = percentile(durations, 99);
  return {
    name: 'control-tick',
    title: 'Control tick',
    figures: {
      points: defs.size,
      ticks,
      p50_ms: round(percentile(durations, 50), 3),
      p99_ms: round(p99, 3),
      max_ms: round(Math.max(...durations), 3),
    },
    targets: [{ what: 'p99 < 20 ms at 10,000 points', met: p99 < 20 }],
    notes: [
      'the image build and the cycle; writes go out afterwards, at most one per changed point',
    ],
    durationS: round((performance.now() - t0) / 1000, 1),
  };
};
