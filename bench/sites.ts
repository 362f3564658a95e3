import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSiteConfig, type SiteConfig } from '../src/config';

/** A site YAML with one OPC UA device of `count` Double points (the bench server's) and more. */
export function opcuaBenchSite(opts: {
  endpoint: string;
  count: number;
  periodMs: number;
  historian?: string;
  apiPort?: number;
  clock?: boolean;
}): SiteConfig {
  const dir = mkdtempSync(join(tmpdir(), 'hb-bench-site-'));
  const points = Array.from(
    { length: opts.count },
    (_, i) => `      - { name: v${i}, nodeId: 'ns=1;s=v${i}', unit: kW }`,
  );
  if (opts.clock) points.push(`      - { name: clock, nodeId: 'ns=1;s=clock', unit: count }`);
  const yaml = `site: { id: bench, name: HeatBridge benchmark }
devices:
  bench:
    protocol: opcua
    endpoint: ${opts.endpoint}
    securityPolicy: None
    securityMode: None
    pkiDir: ${join(dir, 'pki')}
    auth: { type: anonymous }
    publishingIntervalMs: ${opts.periodMs}
    samplingIntervalMs: ${opts.periodMs}
    points:
${points.join('\n')}
${opts.historian ?? `historian: { type: file, dir: ${join(dir, 'historian')} }`}
api: { port: ${opts.apiPort ?? 18080}, auditFile: ${join(dir, 'audit.jsonl')} }
alarms: { stateFile: ${join(dir, 'alarms.json')} }
`;
  const r = parseSiteConfig(yaml, {});
  if (!r.ok) throw new Error(`bench site: ${JSON.stringify(r.problems.slice(0, 5))}`);
  return r.config;
}
