import { afterEach, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { EMPTY } from 'rxjs';
import { buildApp } from '../../../src/app';
import { buildPointDefs } from '../../../src/config';
import { pointId, type PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import { VirtualClock } from '../../../src/simulation/virtual-clock';
import { projectRoot } from '../../../src/util/project-root';
import { wireUtility } from '../../../src/utility/utility-wiring';
import { memoryLogger } from '../../helpers/logger';
import { demoSiteOnFreePorts } from '../../helpers/sites';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function demo() {
  const { site, dir } = await demoSiteOnFreePorts();
  dirs.push(dir);
  site.utility!.plan.stateFile = join(dir, 'utility-plan.json');
  site.utility!.value!.stateFile = join(dir, 'value.json');
  return { site, dir };
}

describe('wireUtility', () => {
  it('wires the plan file, the price file, the feed and the value ledger, and adds their points', async () => {
    const { site } = await demo();
    site.utility!.plan.file = join(projectRoot(), 'config/examples/plan.csv');
    site.utility!.electricityPrices = {
      file: join(projectRoot(), 'config/examples/prices-winter.csv'),
    };
    const defs = buildPointDefs(site);
    const { log } = memoryLogger();
    // The example plan's day, 11 January 2021 (UTC), 06:30.
    const clock = new VirtualClock(Date.parse('2021-01-11T06:30:00Z'));
    const values = new Map<PointId, number>([[pointId('dh', 'outdoor_temp'), -12]]);
    const u = wireUtility({
      site,
      defs,
      read: (id): Sample | undefined => {
        const v = values.get(id);
        return v === undefined
          ? undefined
          : { id, value: v, ts: 0, receivedAt: 0, quality: 'good' };
      },
      samples$: EMPTY,
      log,
      now: () => clock.now(),
      scheduler: clock,
    })!;
    expect(u.components.map((c) => c.name)).toEqual([
      'utility plan file',
      'electricity price file',
      'value-ledger',
    ]);
    expect(defs.has(pointId('utility', 'plan_supply_temp'))).toBe(true);
    expect(defs.has(pointId('value', 'net_today'))).toBe(true);
    const ctx = { log, report: () => undefined };
    for (const c of u.components.slice(0, 2)) await c.start(ctx);
    const samples: Sample[] = [];
    u.feed.samples$.subscribe((s) => samples.push(s));
    await u.feed.start();
    const value = (name: string): unknown =>
      samples.filter((s) => s.id === `utility/${name}`).at(-1)?.value;
    expect(value('plan_active')).toBe(true);
    expect(value('delivery_required')).toBe(true); // the example is on-demand 06–09
    expect(value('plan_supply_temp')).toBe(u.plans.hourAt(clock.now())!.supplyTempC);
    expect(value('electricity_price')).toBe(u.prices!.at(clock.now())!.electricityEurPerMWh);
    for (const c of [u.feed, ...u.components.slice(0, 2)]) await c.stop();
  });

  it('is nothing for a site without the section', async () => {
    const { site } = await demo();
    delete site.utility;
    const { log } = memoryLogger();
    expect(
      wireUtility({
        site,
        defs: new Map(),
        read: () => undefined,
        samples$: EMPTY,
        log,
        now: Date.now,
      }),
    ).toBeUndefined();
  });
});

describe('the app', () => {
  it('runs the utility device beside the field adapters, before control and after its sources', async () => {
    const { site } = await demo();
    const { log } = memoryLogger();
    const app = buildApp(site, { log });
    expect(app.utility).toBeDefined();
    expect(app.defs.has(pointId('utility', 'heat_price'))).toBe(true);
    const names = app.supervisor.health().components.map((c) => c.name);
    expect(names).toContain('utility');
    expect(names.indexOf('utility')).toBeLessThan(names.indexOf('control'));
    expect(names.indexOf('value-ledger')).toBeLessThan(names.indexOf('utility'));
  });
});
