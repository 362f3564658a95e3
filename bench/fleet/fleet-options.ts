import type { DdataEncoder, LineEncoder } from './edge';
import type { HostDecode } from './host-app';

/** The fleet load test's options (bench/fleet/cli.ts parses them; docs/fleet.md). */
export interface FleetLoadOptions {
  sites: number;
  /** Points per site. */
  points: number;
  intervalMs: number;
  seconds: number;
  /** Seconds at the start not counted in rates, lags and CPU (births, VictoriaMetrics creating series). */
  warmupS: number;
  pointsPerDevice: number;
  /** Generator processes sharing the sites (one JavaScript thread tops out at one core). */
  workers: number;
  /** MQTT connections shared by the edges; each edge has its own when equal to `sites`. */
  connections: number;
  encoder: DdataEncoder;
  lineEncoder: LineEncoder;
  hostDecode: HostDecode;
  /** The host application in its own process (its CPU apart), or in this one (tests). */
  hostProcess: boolean;
  qos: 0 | 1;
  group: string;
  sitePrefix: string;
  gzipLevel: number;
  /** Use these instead of starting mosquitto and VictoriaMetrics. */
  mqttUrl?: string;
  /** VictoriaMetrics (single node) base URL; the write goes to `${vmUrl}${writePath}`. */
  vmUrl?: string;
  /** Where to count what was stored (PromQL); vmselect's `/select/0/prometheus` for a cluster. */
  vmQueryUrl?: string;
  writePath: string;
  progress: (line: string) => void;
}

export const FLEET_DEFAULTS: FleetLoadOptions = {
  sites: 100,
  points: 2000,
  intervalMs: 1000,
  seconds: 60,
  warmupS: 10,
  pointsPerDevice: 100,
  workers: 1,
  connections: 0,
  encoder: 'library',
  lineEncoder: 'historian',
  hostDecode: 'library',
  hostProcess: true,
  qos: 0,
  group: 'heatbridge',
  sitePrefix: 'site',
  gzipLevel: 6,
  writePath: '/write',
  progress: () => undefined,
};
