import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { demoConfigPath, grafanaCommand } from '../../../src/cli/commands';
import { loadSiteConfig, type SiteConfig } from '../../../src/config';
import { buildDashboards } from '../../../src/grafana/dashboards';
import { dashboardSchema, type Dashboard, type Panel } from '../../../src/grafana/model';
import { dashboardFileName } from '../../../src/grafana/write';
import { projectRoot } from '../../../src/util/project-root';
import { shippedDashboards } from '../../helpers/grafana';

const root = projectRoot();

async function demo(): Promise<SiteConfig> {
  const r = await loadSiteConfig(demoConfigPath(), {});
  if (!r.ok) throw new Error('demo config invalid');
  return r.config;
}

const panel = (d: Dashboard, title: string): Panel => {
  const p = d.panels.find((x) => x.title === title);
  if (!p) throw new Error(`no panel ${title} in ${d.uid}`);
  return p;
};

const steps = (p: Panel) =>
  (p.fieldConfig.defaults.thresholds?.steps ?? []).map((s) => [s.color, s.value]);

describe('the shipped dashboards', () => {
  it('are what config/demo.yaml generates (run `npm run docs` after changing either)', async () => {
    const built = buildDashboards(await demo());
    const shipped = shippedDashboards();
    expect(shipped.map((s) => s.file)).toEqual(built.map(dashboardFileName).sort());
    for (const d of built)
      expect(shipped.find((s) => s.file === dashboardFileName(d))!.json).toEqual(
        JSON.parse(JSON.stringify(d)) as unknown,
      );
  });

  it('name only provisioned datasources, everywhere a uid appears', () => {
    const dir = join(root, 'grafana', 'provisioning', 'datasources');
    const provisioned = readdirSync(dir).flatMap(
      (f) =>
        (parse(readFileSync(join(dir, f), 'utf8')) as { datasources: { uid: string }[] })
          .datasources,
    );
    const uids = new Set(provisioned.map((d) => d.uid));
    expect(uids).toEqual(new Set(['heatbridge-influxdb', 'heatbridge-flux']));
    const named = shippedDashboards().flatMap(({ dashboard: d }) => [
      ...d.panels.flatMap((p) => [p.datasource.uid, ...p.targets.map((t) => t.datasource.uid)]),
      ...d.templating.list.flatMap((v) => (v.type === 'query' ? [v.datasource.uid] : [])),
    ]);
    expect(named.length).toBeGreaterThan(50);
    for (const uid of named) expect(uids).toContain(uid);
  });

  it('carry a unit on every panel and draw the configured limits as thresholds', async () => {
    const site = await demo();
    const all = shippedDashboards().map((s) => s.dashboard);
    for (const p of all.flatMap((d) => d.panels)) expect(p.fieldConfig.defaults.unit).toBeTruthy();
    const temps = all.find((d) => d.uid === 'heatbridge-temperatures')!;
    const safety = site.control.controllers.find((c) => c.type === 'cooling-safety')!;
    if (safety.type !== 'cooling-safety') throw new Error('unreachable');
    for (const s of safety.supplyTemps) {
      const alarm = site.alarms.definitions.find((a) => a.type === 'limit' && a.point === s.point);
      const p = panel(temps, `${s.point} against its limit`);
      // Green, orange from the alarm and from where cooling safety acts, red at the limit.
      expect(steps(p)).toEqual(
        [
          ['green', null],
          ...[...new Set([s.limit - s.margin, alarm?.type === 'limit' ? alarm.high : undefined])]
            .filter((v): v is number => v !== undefined)
            .sort((a, b) => a - b)
            .map((v) => ['orange', v]),
          ['red', s.limit],
        ].filter((x, i, arr) => arr.findIndex((y) => y[1] === x[1]) === i),
      );
    }
    // The demo: CDU supply alarm 43 °C, safety from 43, limit 45; district supply alarm below 60.
    expect(steps(panel(temps, 'hall1/cdu_supply_temp against its limit'))).toEqual([
      ['green', null],
      ['orange', 43],
      ['red', 45],
    ]);
    expect(steps(panel(temps, 'District supply vs setpoint'))).toEqual([
      ['red', null],
      ['green', 60],
    ]);
    // ERF against the EnEfG §11 target for a start in September 2026 (10 %), PUE against 1.2.
    const energy = all.find((d) => d.uid === 'heatbridge-energy')!;
    expect(steps(panel(energy, 'ERF'))).toEqual([
      ['red', null],
      ['green', 0.1],
    ]);
    expect(steps(panel(energy, 'PUE'))).toEqual([
      ['green', null],
      ['red', 1.2],
    ]);
    // The historian backlog panel warns where the backlog alarm rises.
    const dq = all.find((d) => d.uid === 'heatbridge-data-quality')!;
    const backlog = site.alarms.definitions.find((a) => a.name === 'historian_backlog');
    expect(steps(panel(dq, 'Historian backlog'))).toEqual([
      ['green', null],
      ['orange', backlog?.type === 'limit' ? backlog.high : NaN],
    ]);
  });

  it('plot COP against lift with Grafana 11’s xychart mapping, on the queries’ aliases', () => {
    const hp = shippedDashboards().find((s) => s.dashboard.uid === 'heatbridge-heat-pumps')!;
    const p = panel(hp.dashboard, 'COP vs temperature lift');
    const aliases = p.targets.map((t) => t.alias);
    const series = p.options as {
      mapping: string;
      series: Record<string, { matcher: { options: unknown } }>[];
    };
    expect(series.mapping).toBe('manual');
    expect([series.series[0]!.x!.matcher.options, series.series[0]!.y!.matcher.options]).toEqual(
      aliases,
    );
    expect(p.pluginVersion).toMatch(/^11\./);
  });

  it('follow a site’s own limits: a changed limit moves the threshold', async () => {
    const site = structuredClone(await demo());
    const safety = site.control.controllers.find((c) => c.type === 'cooling-safety')!;
    if (safety.type !== 'cooling-safety') throw new Error('unreachable');
    safety.supplyTemps[0]!.limit = 48;
    const temps = buildDashboards(site).find((d) => d.uid === 'heatbridge-temperatures')!;
    expect(steps(panel(temps, 'hall1/cdu_supply_temp against its limit')).at(-1)).toEqual([
      'red',
      48,
    ]);
  });

  it('show the utility side for a site with one: plan vs actual against the reach, modes, prices, value', async () => {
    const site = await demo();
    const utility = buildDashboards(site).find((d) => d.uid === 'heatbridge-utility')!;
    const supply = site.control.controllers.find((c) => c.type === 'supply-setpoint')!;
    if (supply.type !== 'supply-setpoint' || !supply.connection) throw new Error('unreachable');
    const temps = panel(utility, 'Supply temperature: plan vs actual');
    expect(steps(temps)).toEqual([
      ['green', null],
      ['orange', supply.connection.reachC],
    ]);
    expect(temps.targets.map((t) => t.alias)).toEqual([
      'plan',
      'utility request',
      'condenser setpoint',
      'supply (measured)',
    ]);
    const modes = panel(utility, 'Connection mode');
    expect(
      Object.values(
        (modes.fieldConfig.defaults.mappings as { options: Record<string, { text: string }> }[])[0]!
          .options,
      ).map((o) => o.text),
    ).toEqual(['none', 'supply', 'return', 'top-up']);
    expect(panel(utility, 'Prices').fieldConfig.defaults.unit).toBe('suffix:€/MWh');
    expect(panel(utility, 'Net value per day').targets[0]!.query).toMatch(
      /integral\("value", 1h\).*"point" = 'net_rate'.*GROUP BY time\(1d\)/,
    );
    // A site without a utility section has no such dashboard.
    const plain = structuredClone(site);
    delete plain.utility;
    expect(buildDashboards(plain).map((d) => d.uid)).not.toContain('heatbridge-utility');
  });

  it('`heatbridge grafana` writes the same files for a site', async () => {
    const out = mkdtempSync(join(tmpdir(), 'hb-grafana-'));
    const err: string[] = [];
    const code = await grafanaCommand(demoConfigPath(), out, {
      out: () => undefined,
      err: (t) => err.push(t),
      env: {},
    });
    expect(code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(shippedDashboards().map((s) => s.file));
    expect(err).toHaveLength(shippedDashboards().length);
    const bad = await grafanaCommand(join(out, 'missing.yaml'), out, {
      out: () => undefined,
      err: (t) => err.push(t),
      env: {},
    });
    expect(bad).toBe(1);
    expect(err.at(-1)).toMatch(/no such file/);
  });
});

describe('the dashboard schema', () => {
  const good = (): Record<string, unknown> =>
    JSON.parse(JSON.stringify(shippedDashboards()[0]!.json)) as Record<string, unknown>;
  const panels = (d: Record<string, unknown>) => d.panels as Record<string, unknown>[];

  it('accepts the shipped dashboards', () => {
    expect(dashboardSchema.safeParse(good()).success).toBe(true);
  });

  it.each([
    [
      'a panel without a unit',
      (d: Record<string, unknown>) => {
        (panels(d)[0]!.fieldConfig as { defaults: Record<string, unknown> }).defaults.unit =
          undefined;
      },
      'unit',
    ],
    [
      'a unit Grafana would not know',
      (d: Record<string, unknown>) => {
        (panels(d)[0]!.fieldConfig as { defaults: Record<string, unknown> }).defaults.unit =
          'degrees';
      },
      'not a unit',
    ],
    [
      'a panel without queries',
      (d: Record<string, unknown>) => {
        panels(d)[0]!.targets = [];
      },
      'targets',
    ],
    [
      'a query naming an undefined variable',
      (d: Record<string, unknown>) => {
        const t = (panels(d)[0]!.targets as { query: string }[])[0]!;
        t.query = t.query.replace('$site', '$plant');
      },
      'unknown template variable $plant',
    ],
    [
      'two panels with one id',
      (d: Record<string, unknown>) => {
        panels(d)[1]!.id = panels(d)[0]!.id;
      },
      'unique',
    ],
    [
      'thresholds that go down',
      (d: Record<string, unknown>) => {
        (panels(d)[0]!.fieldConfig as { defaults: Record<string, unknown> }).defaults.thresholds = {
          mode: 'absolute',
          steps: [
            { color: 'green', value: null },
            { color: 'red', value: 5 },
            { color: 'orange', value: 3 },
          ],
        };
      },
      'increase',
    ],
    [
      'a panel without a datasource',
      (d: Record<string, unknown>) => {
        delete panels(d)[0]!.datasource;
      },
      'datasource',
    ],
  ])('rejects %s', (_name, breakIt, message) => {
    const d = good();
    breakIt(d);
    const r = dashboardSchema.safeParse(d);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain(message);
  });
});
