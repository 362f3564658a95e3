import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMPTY } from 'rxjs';
import { parseAllDocuments } from 'yaml';
import { HEAT_SIGNAL_METRICS } from '../../../src/api/heat-signal-metrics';
import { Metrics } from '../../../src/api/metrics';
import { projectRoot } from '../../../src/util/project-root';
import { HeatSignalStandIn, okSignal } from '../../helpers/heat-signal-stand-in';
import { parseExposition } from '../../helpers/prometheus';

/**
 * docs/examples/keda-heat-signal.yaml, the KEDA example of issue 23: it parses, it is a Deployment
 * and a ScaledObject that scales it, and its Prometheus query asks for a gauge HeatBridge really
 * exports (a renamed gauge would leave every cluster following it on its fallback).
 */
const FILE = join(projectRoot(), 'docs', 'examples', 'keda-heat-signal.yaml');

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: Record<string, unknown>;
}

interface ScaledObjectSpec {
  scaleTargetRef: { apiVersion?: string; kind?: string; name: string };
  minReplicaCount: number;
  maxReplicaCount: number;
  fallback?: { failureThreshold: number; replicas: number };
  triggers: {
    type: string;
    metricType?: string;
    metadata: Record<string, string>;
  }[];
}

function manifests(): Manifest[] {
  const docs = parseAllDocuments(readFileSync(FILE, 'utf8'));
  if (!Array.isArray(docs)) throw new Error('empty file');
  for (const d of docs) expect(d.errors.map((e) => e.message)).toEqual([]);
  return docs.map((d) => d.toJS() as Manifest);
}

/** The family names a scrape of a site with a heat signal gives. */
async function exportedNames(): Promise<Set<string>> {
  const metrics = new Metrics({
    components: () => [],
    adapters: [],
    latest: () => undefined,
    controlSamples$: EMPTY,
    sseClients: () => 0,
    heatSignal: new HeatSignalStandIn(okSignal(Date.parse('2026-01-15T05:20:00+02:00'))),
  });
  try {
    return new Set(parseExposition(await metrics.text()).types.keys());
  } finally {
    metrics.close();
  }
}

describe('docs/examples/keda-heat-signal.yaml', () => {
  it('is a Deployment and a KEDA ScaledObject that scales that Deployment', () => {
    const [deployment, scaled, ...rest] = manifests();
    expect(rest).toEqual([]);
    expect([deployment!.apiVersion, deployment!.kind]).toEqual(['apps/v1', 'Deployment']);
    expect([scaled!.apiVersion, scaled!.kind]).toEqual(['keda.sh/v1alpha1', 'ScaledObject']);
    const spec = scaled!.spec as unknown as ScaledObjectSpec;
    expect(spec.scaleTargetRef.name).toBe(deployment!.metadata.name);
    expect(spec.scaleTargetRef.kind ?? 'Deployment').toBe('Deployment');
    expect(scaled!.metadata.namespace).toBe(deployment!.metadata.namespace);
    // The Deployment's selector picks its own pods (else it would not apply).
    const d = deployment!.spec as {
      selector: { matchLabels: Record<string, string> };
      template: { metadata: { labels: Record<string, string> } };
    };
    expect(d.template.metadata.labels).toMatchObject(d.selector.matchLabels);
  });

  it('scales on a Prometheus query of the recommended flexible power, threshold the kW of a replica', async () => {
    const spec = manifests()[1]!.spec as unknown as ScaledObjectSpec;
    expect(spec.triggers).toHaveLength(1);
    const trigger = spec.triggers[0]!;
    expect(trigger.type).toBe('prometheus');
    // Replicas = ceil(kW / threshold) only with AverageValue; fallback needs it too.
    expect(trigger.metricType ?? 'AverageValue').toBe('AverageValue');
    const { query, threshold, serverAddress, ignoreNullValues } = trigger.metadata;
    expect(() => new URL(serverAddress!)).not.toThrow();
    const named = [...query!.matchAll(/\bheatbridge_[a-z_]+/g)].map((m) => m[0]);
    expect(named).toEqual([HEAT_SIGNAL_METRICS.recommendedFlexKw]);
    const exported = await exportedNames();
    for (const name of named) expect(exported).toContain(name);
    // KEDA wants the threshold as a string holding a number.
    expect(typeof threshold).toBe('string');
    const kwPerReplica = Number(threshold);
    expect(kwPerReplica).toBeGreaterThan(0);
    // A missing series must be an error (fallback), not 0 kW (scale to the minimum).
    expect(ignoreNullValues).toBe('false');
    expect(spec.fallback?.replicas).toBeGreaterThanOrEqual(spec.minReplicaCount);
    expect(spec.fallback?.replicas).toBeLessThanOrEqual(spec.maxReplicaCount);
  });

  it('fits the flexible bounds its comments name, at its kW per replica', () => {
    const text = readFileSync(FILE, 'utf8');
    const spec = manifests()[1]!.spec as unknown as ScaledObjectSpec;
    const kwPerReplica = Number(spec.triggers[0]!.metadata.threshold);
    const bound = (name: string): number =>
      Number(new RegExp(`${name} (\\d+)`).exec(text)?.[1] ?? NaN);
    expect(spec.minReplicaCount).toBe(bound('minKw') / kwPerReplica);
    expect(spec.maxReplicaCount).toBe(bound('maxKw') / kwPerReplica);
    expect(spec.fallback?.replicas).toBe(bound('dailyEnergyKwh') / 24 / kwPerReplica);
    // The HPA moves no faster than the ramp the profile was planned with, either way.
    const behavior = (
      spec as unknown as {
        advanced: {
          horizontalPodAutoscalerConfig: {
            behavior: Record<string, { policies: { value: number; periodSeconds: number }[] }>;
          };
        };
      }
    ).advanced.horizontalPodAutoscalerConfig.behavior;
    for (const way of ['scaleUp', 'scaleDown']) {
      const [policy, ...more] = behavior[way]!.policies;
      expect(more).toEqual([]);
      expect((policy!.value * 3600) / policy!.periodSeconds).toBe(
        bound('rampKwPerH') / kwPerReplica,
      );
    }
  });
});
