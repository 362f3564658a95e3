import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type HeatBridgeApp } from '../../../src/app';
import type { SiteConfig } from '../../../src/config';
import type { PointId } from '../../../src/domain/point-id';
import { InfluxV1Backend } from '../../../src/historian/backends/influx-v1';
import { SimHost } from '../../../simulators/host';
import { eventually, eventuallyAsync } from '../../helpers/components';
import { grafanaInterval, interpolate, shippedDashboards } from '../../helpers/grafana';
import { influxV1Config } from '../../helpers/historian';
import { Influxd, type InfluxSeries } from '../../helpers/influxd';
import { memoryLogger } from '../../helpers/logger';
import { acceleratePlant, demoSiteOnFreePorts } from '../../helpers/sites';

/**
 * Every query of every shipped dashboard (grafana/dashboards/*.json) against a real influxd
 * that HeatBridge filled: the demo site through the real protocols (plant model 5× real time),
 * the influxdb-v1 historian with its spool, a few simulated minutes with heat pumps running, an
 * operator override, and the district-heating substation offline for a while (stale samples,
 * adapter errors, a failed write, an alarm). Grafana itself cannot run here: the test does its
 * part — substituting the template variables (from their own queries), the time range and the
 * interval — and asserts each query returns series with values.
 */
const SPEED = 5;
const DB = 'heatbridge';
const influxd = new Influxd();
const log = memoryLogger();
let site: SiteConfig;
let host: SimHost;
let app: HeatBridgeApp;
let from: number;
let to: number;

beforeAll(async () => {
  await influxd.start();
  site = (await demoSiteOnFreePorts()).site;
  site.historian = influxV1Config(influxd.url, DB);
  acceleratePlant(site, SPEED);
  utilityFromFiles(site);
  // The range starts before the simulated plant's clock does: every sample's source time, the
  // first one of a value that never moves (recorded once, then only after a minute of silence)
  // included, lies inside it however long the machine takes to get going.
  from = Date.now();
  host = new SimHost({ site, log: log.log.child({ side: 'sim' }), speed: SPEED, adminPort: 0 });
  await host.start();
  app = buildApp(site, { log: log.log });
  await app.supervisor.start();

  await eventually(
    () => host.sim.state.heatPumps.some((hp) => hp.mode === 'running'),
    90_000,
    'a heat pump running',
  );
  app.control.setOverride({
    id: 'plant/drycooler_setpoint' as PointId,
    value: 27,
    durationMs: 5000,
    reason: 'dashboard test',
    actor: { kind: 'user', name: 'grafana-test' },
  });
  // The substation goes offline: its points turn stale, the adapter counts errors, the alarm
  // rises after its 10 s delay, and an operator's write to it fails.
  const fault = host.sim.addFault({ kind: 'offline', device: 'dh' });
  await host.applyOfflineFaults();
  await eventually(
    () => app.alarms.list().some((a) => a.key === 'dh_offline'),
    30_000,
    'the dh_offline alarm',
  );
  app.control.setOverride({
    id: 'dh/offered_heat' as PointId,
    value: 500,
    durationMs: 3000,
    reason: 'dashboard test while offline',
    actor: { kind: 'user', name: 'grafana-test' },
  });
  // Stored, not merely sent: the operator's write failed, and the adapter's counters (recorded
  // every 10 s) show the errors.
  await influxHas(
    `SELECT count("actor") FROM "audit" WHERE "event" = 'write' AND "status" = 'failed' AND "device" = 'dh'`,
    'the failed write to the offline substation',
  );
  await influxHas(
    `SELECT max("errors") FROM "adapter" WHERE "protocol" = 'modbus' AND "errors" > 0`,
    'adapter errors recorded while dh was offline',
  );
  host.sim.clearFault(fault.id);
  const clearedAt = Date.now();
  await host.applyOfflineFaults();
  await eventually(
    () => app.latest.get('dh/flow' as PointId)?.quality === 'good',
    20_000,
    'dh back',
  );
  await influxHas(
    `SELECT count("value") FROM "measurement" WHERE "device" = 'dh' AND "quality" = 'good' AND time > ${clearedAt}ms`,
    'good substation samples stored after the outage',
  );
  // OPC UA samples carry the simulated plant's source time, which runs SPEED× ahead of the wall
  // clock here: the range covers it (in a plant, source and wall time agree).
  to = Date.now() + (SPEED - 1) * (Date.now() - from) + 60_000;
  // Everything accepted is in the database before the queries run.
  await eventuallyAsync(
    () => {
      const spool = (app.historian.details().spool ?? {}) as { lines?: number };
      return Promise.resolve(spool.lines === 0);
    },
    20_000,
    'the spool sent',
  );
  // The downsample retention policies, filled by hand as the continuous queries would.
  const cq = new InfluxV1Backend({
    ...influxV1Config(influxd.url, DB),
    log: log.log,
    timeoutMs: 5000,
  } as never).downsampleQueries();
  const range = `WHERE time >= ${floorTo(from, HOUR)}ms AND time < ${to + HOUR}ms`;
  await influxd.series(DB, `${cq.minute} ${range} GROUP BY time(1m), *`);
  await influxd.series(DB, `${cq.hour} ${range} GROUP BY time(1h), *`);
}, 240_000);

/**
 * The utility side with data to show: a day-ahead plan and spot prices around now, from files
 * (the plan and price sources read them at start), and the books in the test's folder.
 */
function utilityFromFiles(s: SiteConfig): void {
  const dir = mkdtempSync(join(tmpdir(), 'hb-grafana-utility-'));
  const hour = floorTo(Date.now(), HOUR);
  const hours = Array.from({ length: 50 }, (_, i) => hour + (i - 2) * HOUR);
  const iso = (t: number): string => new Date(t).toISOString();
  writeFileSync(
    join(dir, 'plan.csv'),
    [
      'start,price_eur_per_mwh,supply_temp_c,capacity_kw,mode',
      ...hours.map(
        (t, i) => `${iso(t)},${45 + (i % 5)},${88 + (i % 4)},900,${i % 2 ? 'spot' : 'on-demand'}`,
      ),
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'prices.csv'),
    ['time,electricity_eur_per_mwh', ...hours.map((t, i) => `${iso(t)},${60 + (i % 7)}`)].join(
      '\n',
    ),
  );
  const u = s.utility!;
  u.plan = { ...u.plan, file: join(dir, 'plan.csv'), stateFile: join(dir, 'plan-state.json') };
  u.electricityPrices = { file: join(dir, 'prices.csv') };
  if (u.value) u.value.stateFile = join(dir, 'value.json');
}

/** Waits (with a deadline, polling) until an InfluxQL statement counts something. */
async function influxHas(q: string, what: string): Promise<void> {
  await eventuallyAsync(
    async () => {
      const [row] = (await influxd.series(DB, q)).flatMap((s) => s.values);
      return Number(row?.[1] ?? 0) > 0;
    },
    60_000,
    what,
  );
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const floorTo = (t: number, step: number): number => Math.floor(t / step) * step;

afterAll(async () => {
  await app?.supervisor.stop();
  await host?.stop();
  await influxd.stop();
});

/**
 * InfluxDB 1.x answers no row for a day bucket (`GROUP BY time(1d) tz(…)`) whose only point lies on
 * the bucket's start, and an integral of one point is 0 anyway. In the first hour of a site day
 * the test's hourly data is exactly that one point, at local midnight: a per-day integral query
 * on rp_1h is then rightly empty (found at 00:48 Helsinki time; a real dashboard's range holds
 * more hours). Only that query shape, and only then.
 */
function oneHourAtLocalMidnight(q: string): boolean {
  if (!/integral\(/.test(q) || !/GROUP BY time\(1d\)/.test(q)) return false;
  const hour = floorTo(from, HOUR);
  if (Date.now() - hour >= HOUR) return false;
  const local = new Intl.DateTimeFormat('en-GB', {
    timeZone: site.site.timezone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(hour);
  return local === '00:00';
}

/** Series with at least one value that is not null in a column other than time. */
function withValues(series: InfluxSeries[]): InfluxSeries[] {
  return series.filter((s) =>
    s.values.some((row) => row.some((v, i) => s.columns[i] !== 'time' && v !== null)),
  );
}

describe('the shipped Grafana dashboards against a real influxd filled by HeatBridge', () => {
  const dashboards = shippedDashboards();

  it('ships the seven dashboards', () => {
    expect(dashboards.map((d) => d.dashboard.uid).sort()).toEqual([
      'heatbridge-alarms',
      'heatbridge-data-quality',
      'heatbridge-energy',
      'heatbridge-heat-pumps',
      'heatbridge-overview',
      'heatbridge-temperatures',
      'heatbridge-utility',
    ]);
  });

  for (const { file, dashboard } of dashboards) {
    it(`${file}: every variable and every panel query returns data`, async () => {
      // Template variables as Grafana resolves them: from their own queries, all values selected.
      const vars: Record<string, string[]> = {};
      for (const v of dashboard.templating.list) {
        if (v.type === 'custom') continue;
        const q = interpolate(v.query, { vars, from, to, interval: '1s' });
        const values = (await influxd.series(DB, q)).flatMap((s) =>
          s.values.map((r) => String(r[1])),
        );
        expect({ variable: v.name, values }).toEqual({
          variable: v.name,
          values: expect.arrayContaining([expect.any(String)]),
        });
        vars[v.name] = v.name === 'site' ? values.filter((x) => x === site.site.id) : values;
      }
      expect(vars.site).toEqual([site.site.id]);
      const resolutions =
        dashboard.templating.list.find((v) => v.type === 'custom' && v.name === 'rp')?.type ===
        'custom'
          ? ['raw', 'rp_1m', 'rp_1h']
          : ['raw'];
      const empty: string[] = [];
      let queries = 0;
      for (const panel of dashboard.panels) {
        for (const t of panel.targets) {
          for (const rp of t.query.includes('$rp') ? resolutions : ['raw']) {
            // Coarser resolutions with intervals Grafana would pick for them.
            const interval = grafanaInterval(
              to - from,
              rp === 'raw' ? panel.interval : rp === 'rp_1m' ? '1m' : '1h',
            );
            // A downsampled point is stamped with the start of its window, which may lie
            // before `from`; Grafana's range would cover it on any real dashboard.
            const q = interpolate(t.query, {
              vars: { ...vars, rp: [rp] },
              from:
                rp === 'rp_1h'
                  ? floorTo(from, HOUR)
                  : rp === 'rp_1m'
                    ? floorTo(from, MINUTE)
                    : from,
              to,
              interval,
            });
            let series: InfluxSeries[];
            try {
              series = await influxd.series(DB, q);
            } catch (err) {
              throw new Error(
                `${panel.title} ${t.refId} (${rp}): ${(err as Error).message}\n${q}`,
                {
                  cause: err,
                },
              );
            }
            queries++;
            const good = withValues(series);
            if (series.length === 0 && rp === 'rp_1h' && oneHourAtLocalMidnight(q)) continue;
            if (good.length === 0 || good.length < series.length)
              empty.push(
                `${panel.title} ${t.refId} (${rp}): ${series.length} series, ${good.length} with values\n  ${q}`,
              );
          }
        }
      }
      expect(queries).toBeGreaterThan(0);
      expect(empty).toEqual([]);
    }, 60_000);
  }

  it('the adapter measurement recorded the substation’s outage', async () => {
    const rows = await influxd.query(
      DB,
      `SELECT max("errors") FROM "adapter" WHERE "protocol" = 'modbus' GROUP BY "adapter"`,
    );
    expect(rows.some((r) => Number(r.max) > 0)).toBe(true);
  });
});
