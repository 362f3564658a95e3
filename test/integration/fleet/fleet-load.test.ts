import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { emptyEdgeStats, FleetEdge } from '../../../bench/fleet/edge';
import type { SiteLineWriter } from '../../../bench/fleet/line-writer';
import { runFleetLoad, type FleetReport } from '../../../bench/fleet/fleet-load';
import { startMosquitto, startVictoriaMetrics, type Peer } from '../../../bench/fleet/servers';
import { sitePoints, valueAt } from '../../../bench/fleet/site-points';
import {
  ddataLibrary,
  decodePayload,
  DirectDdataEncoder,
} from '../../../bench/fleet/sparkplug-encode';
import { promQuery } from '../../../bench/fleet/stored';
import { Secret } from '../../../src/config';
import type { HistorianConfig } from '../../../src/config/historian';
import type { PointId } from '../../../src/domain/point-id';
import { buildFleetDashboard } from '../../../src/grafana/fleet/fleet-dashboard';
import { eventuallyAsync } from '../../helpers/components';
import { def, startHistorian, type TestHistorian } from '../../helpers/historian';
import { recentHour } from '../../helpers/server-time';

/**
 * The fleet load generator, small, against a real mosquitto and a real VictoriaMetrics (Debian's):
 * what 3 simulated edges send over Sparkplug B arrives at a host application, what they write as
 * line protocol is stored, per site and in total; and every query of the fleet dashboard runs
 * against that store and finds the generated sites. A real HeatBridge historian (influxdb-v2
 * backend, through a URL with a path prefix as vminsert's) writes a site of its own beside them:
 * the dashboard's site variable lists it, so the dashboard reads what HeatBridge writes, not only
 * what the generator imitates.
 *
 * VictoriaMetrics is a Go program: libfaketime cannot move its clock, so this file is left out
 * of the shifted-clock run (scripts/server-clock-tests.js).
 */
const SITES = 3;
const POINTS = 50;
const SECONDS = 3;
let broker: Peer;
let vm: Peer;
let report: FleetReport;
let h: TestHistorian;

beforeAll(async () => {
  broker = await startMosquitto();
  vm = await startVictoriaMetrics();
  report = await runFleetLoad({
    sites: SITES,
    points: POINTS,
    intervalMs: 1000,
    seconds: SECONDS,
    warmupS: 1,
    hostProcess: false,
    mqttUrl: broker.url,
    vmUrl: vm.url,
  });
  const config: HistorianConfig = {
    type: 'influxdb-v2',
    // vminsert's is /insert/0/influx; a single node answers the same API under /influx.
    url: `${vm.url}/influx`,
    org: 'fleet',
    bucket: 'heatbridge',
    token: new Secret('not-checked-by-victoria-metrics', 'test'),
    flushIntervalMs: 50,
    onChangeMaxSilenceMs: 60_000,
    batchSize: 5000,
    timeoutMs: 5000,
    sendDelayMs: 0,
    spool: { dir: mkdtempSync(join(tmpdir(), 'hb-spool-')), maxBytes: 64 * 1024 * 1024 },
    reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
  };
  h = await startHistorian(
    config,
    [def('derived/recovered_heat', { kind: 'derived', unit: 'kW' })],
    'heatbridge-site',
  );
  const now = Date.now();
  h.samples.next({
    id: 'derived/recovered_heat' as PointId,
    value: 850,
    ts: now - 1000,
    receivedAt: now - 1000,
    quality: 'good',
  });
  await eventuallyAsync(
    async () => (await promQuery(vm.url, 'derived_value{site="heatbridge-site"}')).length === 1,
    15_000,
    'the HeatBridge historian’s sample in VictoriaMetrics',
  );
}, 60_000);

afterAll(async () => {
  await h?.running.stop();
  await vm?.stop();
  await broker?.stop();
});

describe('the fleet load generator against mosquitto and VictoriaMetrics', () => {
  it('writes the same lines with the direct line encoder as with the historian’s', () => {
    // Stand-ins for the MQTT client and the writer: only what the edge hands them is compared.
    const base = recentHour();
    const linesOf = (lineEncoder: 'historian' | 'direct'): string[] => {
      const out: string[] = [];
      const edge = new FleetEdge('g', 'site-x', 1, sitePoints(POINTS), 'direct', 0, 0, lineEncoder);
      const client = { publish: () => undefined } as unknown as MqttClient;
      const writer = { write: (text: string) => out.push(...text.split('\n')) };
      for (let t = 1; t <= 2; t++)
        edge.tick(
          client,
          t,
          base + t * 1000,
          writer as unknown as SiteLineWriter,
          emptyEdgeStats(),
        );
      return out;
    };
    const historian = linesOf('historian');
    expect(historian).toHaveLength(2 * POINTS);
    expect(linesOf('direct')).toEqual(historian);
  });

  it('loses nothing: sent = received by the host = stored, for every site', () => {
    const perTick = SITES * POINTS;
    // Tick 0 (before the clock starts) and one tick per second.
    expect(report.sent_metrics).toBe(perTick * (SECONDS + 1));
    expect(report.sent_lines).toBe(report.sent_metrics);
    expect(report.received_metrics).toBe(report.sent_metrics);
    expect(report.acked_lines).toBe(report.sent_lines);
    expect(report.stored_points).toBe(report.sent_lines);
    expect(report.sites_complete).toBe(SITES);
    expect({ gaps: report.seq_gaps, dropped: report.broker_dropped }).toEqual({
      gaps: 0,
      dropped: 0,
    });
    // NBIRTH and a DBIRTH per device, per site.
    expect(report.births).toBe(SITES * (1 + sitePoints(POINTS).length));
    // Every process's CPU was read (a pid that vanished would give NaN).
    for (const [name, cores] of Object.entries(report.cpu_cores))
      expect({ name, finite: Number.isFinite(cores) }).toEqual({ name, finite: true });
  });

  it('writes the historian schema: <measurement>_value series with site, device, point, unit, quality', async () => {
    const names = (await (await fetch(`${vm.url}/api/v1/label/__name__/values`)).json()) as {
      data: string[];
    };
    expect(names.data).toEqual(
      expect.arrayContaining(['derived_value', 'measurement_value', 'status_value']),
    );
    const [series] = await promQuery(
      vm.url,
      'last_over_time(derived_value{site="site-001", point="recovered_heat"}[5m])',
    );
    expect(series!.metric).toEqual({
      __name__: 'derived_value',
      site: 'site-001',
      device: 'derived',
      point: 'recovered_heat',
      unit: 'kW',
      quality: 'good',
    });
  });

  it('encodes DDATA the same way with the library and with the direct encoder', () => {
    const [device] = sitePoints(POINTS);
    const edge = new FleetEdge('g', 's', 0, [device!], 'library', 0);
    expect(edge.pointCount).toBe(device!.points.length);
    const aliases = device!.points.map((_, i) => i * 37);
    const values = device!.points.map((p, i) => valueAt(p, 2, i, 5));
    const ts = Date.now();
    const lib = Buffer.from(ddataLibrary(device!, aliases, values, ts, 200));
    const direct = new DirectDdataEncoder().encode(
      aliases,
      device!.points.map((p) => p.bool),
      values,
      ts,
      200,
    );
    const decoded = decodePayload(direct);
    expect(Number(decoded.seq)).toBe(200);
    expect(decoded.metrics!.map((m) => Number(m.alias))).toEqual(aliases);
    expect(decoded.metrics!.map((m) => Number(m.value as number | boolean))).toEqual(values);
    expect(direct.equals(lib)).toBe(true);
  });
});

/** Grafana's part, which cannot run here: variables, range and interval substituted. */
function interpolate(expr: string, sites: string[], rangeS: number): string {
  return expr
    .replace(/\$__range_s/g, String(rangeS))
    .replace(/\$__range/g, `${rangeS}s`)
    .replace(/\$__interval/g, '5s')
    .replace(/\$site/g, `(${sites.join('|')})`);
}

describe('the fleet dashboard against that VictoriaMetrics', () => {
  const generated = Array.from({ length: SITES }, (_, i) => `site-00${i + 1}`);
  const dashboard = buildFleetDashboard();
  const RANGE_S = 300;
  /**
   * The dashboard's "now": a minute past the run. Availability counts whole minutes (its
   * subquery's 1-minute steps are aligned to the clock), so a run of a few seconds is only
   * counted once the minute it fell in has ended.
   */
  const AT = (): number => Date.now() + 60_000;

  it('lists the sites in its site variable: the generated ones and HeatBridge’s own', async () => {
    const v = dashboard.templating.list.find((x) => x.name === 'site')!;
    const m = /^label_values\((.+), site\)$/.exec(v.query.query)!;
    const url = new URL(`${vm.url}/api/v1/label/site/values`);
    url.searchParams.set('match[]', m[1]!);
    const body = (await (await fetch(url)).json()) as { data: string[] };
    expect(body.data.sort()).toEqual([...generated, 'heatbridge-site'].sort());
  });

  it('answers every panel’s query with data for the generated sites', async () => {
    const now = AT();
    const empty: string[] = [];
    for (const p of dashboard.panels) {
      for (const t of p.targets ?? []) {
        const expr = interpolate(t.expr, generated, RANGE_S);
        const url = new URL(`${vm.url}/api/v1/${t.instant ? 'query' : 'query_range'}`);
        url.searchParams.set('query', expr);
        if (t.instant) url.searchParams.set('time', String(now / 1000));
        else {
          url.searchParams.set('start', String((now - RANGE_S * 1000) / 1000));
          url.searchParams.set('end', String(now / 1000));
          url.searchParams.set('step', '5');
        }
        url.searchParams.set('nocache', '1');
        const body = (await (await fetch(url)).json()) as {
          status: string;
          error?: string;
          data: {
            result: { metric: Record<string, string>; value?: unknown; values?: unknown[] }[];
          };
        };
        expect({ panel: p.title, expr, status: body.status, error: body.error }).toEqual({
          panel: p.title,
          expr,
          status: 'success',
          error: undefined,
        });
        if (body.data.result.length === 0) empty.push(`${p.title}: ${expr}`);
        // A per-site query shows exactly the selected sites.
        if (t.legendFormat === '{{site}}' || t.format === 'table')
          expect(body.data.result.map((r) => r.metric.site).sort()).toEqual(generated);
      }
    }
    expect(empty).toEqual([]);
  });

  it('sums the sites’ latest recovered heat into the fleet total', async () => {
    const panel = dashboard.panels.find((p) => p.title === 'Recovered heat now')!;
    const [row] = await promQuery(vm.url, interpolate(panel.targets![0]!.expr, generated, RANGE_S));
    // The generator's last tick (tick SECONDS) of derived/recovered_heat, point 0 of each site.
    const derived = sitePoints(POINTS)[0]!;
    expect(derived.points[0]!.name).toBe('recovered_heat');
    const expected = generated.reduce(
      (sum, _s, i) => sum + valueAt(derived.points[0]!, i, 0, SECONDS),
      0,
    );
    expect(Number(row!.value[1])).toBeCloseTo(expected, 6);
    const online = dashboard.panels.find((p) => p.title === 'Sites online')!;
    const [count] = await promQuery(
      vm.url,
      interpolate(online.targets![0]!.expr, generated, RANGE_S),
    );
    expect(Number(count!.value[1])).toBe(SITES);
  });

  it('gives each generated site an availability between 0 and 1', async () => {
    const panel = dashboard.panels.find((p) => p.title === 'Sites by availability')!;
    const rows = await promQuery(
      vm.url,
      interpolate(panel.targets![0]!.expr, generated, RANGE_S),
      AT(),
    );
    expect(rows).toHaveLength(SITES);
    // Data only in the last few seconds of a 5-minute range: one or two of its five minutes.
    for (const r of rows) expect([0.2, 0.4]).toContain(Number(r.value[1]));
  });
});
