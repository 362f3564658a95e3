import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
  type Metric,
} from 'prom-client';
import type { Observable, Subscription } from 'rxjs';
import type { AdapterIdentity, FieldAdapter } from '../adapters/adapter';
import { pointId } from '../domain/point-id';
import type { Sample } from '../domain/sample';
import { COMPONENT_STATES, type ComponentHealth } from '../runtime/component';
import type { HeatSignal } from '../signals/heat-signal-types';
import { cumulativeBuckets } from '../util/latency-histogram';
import { registerHeatSignalMetrics } from './heat-signal-metrics';

/** What /metrics needs of a field adapter: the component name it runs under and its labels. */
export type LabelledAdapter = Pick<FieldAdapter, 'name' | 'identity'>;

export interface MetricsSources {
  /** Every component with its state and details (the supervisor's health report). */
  components: () => ComponentHealth[];
  /** The field adapters: each says its own protocol, connection and address (`identity()`). */
  adapters: readonly LabelledAdapter[];
  /** The latest value of a point (the historian's own status points). */
  latest: (id: ReturnType<typeof pointId>) => Sample | undefined;
  /** Control's own samples (cycle durations). */
  controlSamples$: Observable<Sample>;
  sseClients: () => number;
  /** The heat signal (issue 23), when the site has one: its gauges (heat-signal-metrics.ts). */
  heatSignal?: { current(): HeatSignal };
}

const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;

type Labels = Record<string, string>;

interface HistogramSeries {
  labels: Labels;
  buckets: { le: number; count: number }[];
  count: number;
  sum: number;
}

/**
 * A Prometheus histogram whose buckets are counted elsewhere (the adapters' health details) and
 * read when scraped. prom-client's Histogram only counts what is observed into it; this exports
 * the same `_bucket`/`_sum`/`_count` series from counts kept by the adapters, so nothing there
 * depends on prom-client.
 */
class CollectedHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly labelNames: string[];

  constructor(
    readonly name: string,
    readonly help: string,
    labelNames: string[],
    private readonly series: () => HistogramSeries[],
  ) {
    this.labelNames = labelNames;
  }

  get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: { metricName: string; labels: Record<string, string | number>; value: number }[];
  }> {
    const values = this.series().flatMap((s) => [
      ...s.buckets.map((b) => ({
        metricName: `${this.name}_bucket`,
        labels: { ...s.labels, le: b.le },
        value: b.count,
      })),
      { metricName: `${this.name}_bucket`, labels: { ...s.labels, le: '+Inf' }, value: s.count },
      { metricName: `${this.name}_sum`, labels: s.labels, value: s.sum },
      { metricName: `${this.name}_count`, labels: s.labels, value: s.count },
    ]);
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    });
  }

  reset(): void {
    // Nothing kept here: every scrape reads the adapters anew.
  }
}

type Read = (d: Record<string, unknown>) => number | undefined;
type Series = readonly [name: string, kind: 'gauge' | 'counter', read: Read, help: string];

/** A number the health details carry as it is. */
function field(key: string): Read {
  return (d) => num(d[key]);
}

/**
 * The per-adapter series read from each adapter's health details at each scrape (Modbus and
 * OPC UA name some facts differently; a series an adapter has no value for is left out).
 */
const ADAPTER_SERIES: readonly Series[] = [
  [
    'heatbridge_adapter_connected',
    'gauge',
    (d) => (typeof d.connected === 'boolean' ? Number(d.connected) : undefined),
    'Field connection up (1) or down (0)',
  ],
  [
    'heatbridge_adapter_requests_total',
    'counter',
    field('requests'),
    'Modbus requests sent (reads and writes)',
  ],
  [
    'heatbridge_adapter_timeouts_total',
    'counter',
    field('timeouts'),
    'Modbus requests without an answer in time',
  ],
  [
    'heatbridge_adapter_exceptions_total',
    'counter',
    field('exceptions'),
    'Modbus exception responses',
  ],
  [
    'heatbridge_adapter_framing_errors_total',
    'counter',
    field('framingErrors'),
    'Modbus replies that were not a well-formed answer to the request in flight (each drops the connection)',
  ],
  [
    'heatbridge_adapter_connection_errors_total',
    'counter',
    (d) => num(d.connectionErrors) ?? num(d.connectionLosses),
    'Modbus: connection attempts refused or timed out and connections dropped; OPC UA: sessions lost after they were ready',
  ],
  [
    'heatbridge_adapter_reconnects_total',
    'counter',
    reconnectsOf,
    'Connections established again after the first one',
  ],
  [
    'heatbridge_adapter_queue_depth',
    'gauge',
    field('queueDepth'),
    'Modbus requests waiting on the connection',
  ],
  [
    'heatbridge_adapter_notifications_total',
    'counter',
    field('notifications'),
    'OPC UA data-change notifications',
  ],
];

/** Modbus counts reconnects; OPC UA counts every session made ready, the first one included. */
function reconnectsOf(d: Record<string, unknown>): number | undefined {
  if (num(d.reconnects) !== undefined) return num(d.reconnects);
  const connects = num(d.connects);
  return connects === undefined ? undefined : Math.max(connects - 1, 0);
}

/**
 * Prometheus metrics (`GET /metrics`): the process (CPU, memory, event-loop lag from prom-client's
 * default metrics), each field adapter's requests, errors, reconnects, queue depth and round trips,
 * the historian's backlog and drops, and control's cycle durations. Most values are read from the
 * components when scraped, so nothing is counted twice. Counters end in `_total`; per-adapter
 * metrics are labelled `protocol` and `connection` (names from the site file; the addresses are in
 * `heatbridge_adapter_info`). docs/api.md lists every metric.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly subscription: Subscription;

  constructor(src: MetricsSources) {
    const r = this.registry;
    collectDefaultMetrics({ register: r, eventLoopMonitoringPrecision: 10 });
    // By the component name each adapter runs under in the health report. Fixed for the
    // process: the adapters are built once, with the site.
    const identities: ReadonlyMap<string, AdapterIdentity> = new Map(
      src.adapters.map((a) => [a.name, a.identity()]),
    );
    const adapterLabels = (name: string): Labels | undefined => {
      const id = identities.get(name);
      return id && { protocol: id.protocol, connection: id.connection };
    };
    const adapters = (): { labels: Labels; d: Record<string, unknown> }[] =>
      src.components().flatMap((c) => {
        const labels = adapterLabels(c.name);
        return labels ? [{ labels, d: c.details ?? {} }] : [];
      });
    const ADAPTER_LABELS = ['protocol', 'connection'];

    type Put = (labels: Labels, v: number) => void;
    /** A gauge or counter filled from the components' details at each scrape. */
    const collected = (
      name: string,
      help: string,
      kind: 'gauge' | 'counter',
      labelNames: string[],
      fill: (put: Put) => void,
    ): void => {
      const Metric = kind === 'gauge' ? Gauge : Counter;
      new Metric({
        name,
        help,
        labelNames,
        registers: [r],
        collect(this: Gauge | Counter) {
          this.reset();
          fill((labels, v) => {
            if (this instanceof Gauge) this.set(labels, v);
            else this.inc(labels, v);
          });
        },
      });
    };
    const fromAdapters = (
      name: string,
      help: string,
      kind: 'gauge' | 'counter',
      pick: Read,
    ): void =>
      collected(name, help, kind, ADAPTER_LABELS, (put) => {
        for (const a of adapters()) {
          const v = pick(a.d);
          if (v !== undefined) put(a.labels, v);
        }
      });
    /** From one component's health details (`control`, `historian`), without labels. */
    const fromComponent = (
      component: string,
      name: string,
      help: string,
      kind: 'gauge' | 'counter',
      pick: Read,
    ): void =>
      collected(name, help, kind, [], (put) => {
        const d = src.components().find((c) => c.name === component)?.details;
        const v = d ? pick(d) : undefined;
        if (v !== undefined) put({}, v);
      });

    // ── Field adapters ──
    collected(
      'heatbridge_adapter_info',
      'Where each field connection goes (always 1): join on protocol and connection for the address',
      'gauge',
      [...ADAPTER_LABELS, 'transport', 'host', 'port', 'path', 'devices'],
      (put) => {
        for (const id of identities.values()) {
          put(
            {
              protocol: id.protocol,
              connection: id.connection,
              transport: id.transport,
              ...(id.host !== undefined ? { host: id.host } : {}),
              ...(id.port !== undefined ? { port: String(id.port) } : {}),
              ...(id.path !== undefined ? { path: id.path } : {}),
              devices: id.devices.join(','),
            },
            1,
          );
        }
      },
    );
    for (const [name, kind, read, help] of ADAPTER_SERIES) fromAdapters(name, help, kind, read);
    r.registerMetric(
      new CollectedHistogram(
        'heatbridge_adapter_round_trip_seconds',
        'Time answered requests took (Modbus reads, OPC UA writes)',
        ADAPTER_LABELS,
        () =>
          adapters().flatMap((a) => {
            const h = cumulativeBuckets(a.d.roundTripBuckets);
            const sum = num(a.d.roundTripSeconds);
            return h && sum !== undefined ? [{ labels: a.labels, ...h, sum }] : [];
          }),
      ) as unknown as Metric,
    );
    // Per device: a device slower than its poll interval loses ticks (issue 18).
    collected(
      'heatbridge_adapter_skipped_polls_total',
      'Poll ticks skipped because the previous poll of the device was still waiting',
      'counter',
      [...ADAPTER_LABELS, 'device'],
      (put) => {
        for (const a of adapters()) {
          const byDevice = obj(a.d.skippedPolls);
          if (!byDevice) continue;
          for (const [device, v] of Object.entries(byDevice)) {
            const n = num(v);
            if (n !== undefined) put({ ...a.labels, device }, n);
          }
        }
      },
    );

    // ── Control ──
    fromComponent(
      'control',
      'heatbridge_control_skipped_cycles_total',
      'Control ticks skipped because a cycle was still running (overrun)',
      'counter',
      (d) => num(d.skippedCycles),
    );
    const cycle = new Histogram({
      name: 'heatbridge_control_cycle_duration_seconds',
      help: 'Control cycle duration, writes included',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [r],
    });
    const cycleId = pointId('control', 'cycle_duration');
    this.subscription = src.controlSamples$.subscribe((s) => {
      if (s.id === cycleId && typeof s.value === 'number') cycle.observe(s.value);
    });

    // ── Historian: its status points (also in InfluxDB and /api/points) ──
    const historian = (
      name: string,
      point: string,
      help: string,
      kind: 'gauge' | 'counter',
    ): void =>
      collected(name, help, kind, [], (put) => {
        const v = src.latest(pointId('historian', point))?.value;
        if (typeof v === 'number') put({}, v);
      });
    historian(
      'heatbridge_historian_backlog_lines',
      'backlog_lines',
      'Lines waiting for the database',
      'gauge',
    );
    historian(
      'heatbridge_historian_backlog_bytes',
      'backlog_bytes',
      'Bytes waiting for the database',
      'gauge',
    );
    historian(
      'heatbridge_historian_oldest_age_seconds',
      'oldest_age',
      'Age of the oldest waiting line',
      'gauge',
    );
    historian(
      'heatbridge_historian_dropped_lines_total',
      'dropped_lines',
      'Lines dropped since start: over the spool cap, torn by a crash, or over the memory buffer while the disk refused writes',
      'counter',
    );
    historian(
      'heatbridge_historian_refused_lines_total',
      'refused_lines',
      'Lines the database refused as data since start (dropped and logged)',
      'counter',
    );
    historian(
      'heatbridge_historian_rejected_lines_total',
      'rejected_lines',
      'Records HeatBridge could not write as a line since start (counted by reason in /api/health)',
      'counter',
    );
    // From the historian's health details (a database historian only).
    const historianDetail = (
      name: string,
      help: string,
      kind: 'gauge' | 'counter',
      pick: Read,
    ): void => fromComponent('historian', name, help, kind, pick);
    historianDetail(
      'heatbridge_historian_behind',
      'Historian falling behind: the spool grows faster than the database takes it (1) or not (0)',
      'gauge',
      (d) => {
        const active = obj(d.behind)?.active;
        return typeof active === 'boolean' ? Number(active) : undefined;
      },
    );
    historianDetail(
      'heatbridge_historian_behind_episodes_total',
      'Times the historian started falling behind',
      'counter',
      (d) => num(obj(d.behind)?.episodes),
    );
    historianDetail(
      'heatbridge_historian_failed_attempts_total',
      'Failed attempts to write to the database (each one followed by a backoff)',
      'counter',
      (d) => num(obj(d.sent)?.failedAttempts),
    );

    // ── Components and the API ──
    collected(
      'heatbridge_component_state',
      'Component state: 1 for the state it is in, 0 for the others (adapters: component="adapter" with protocol and connection)',
      'gauge',
      ['component', ...ADAPTER_LABELS, 'state'],
      (put) => {
        for (const c of src.components()) {
          const labels = adapterLabels(c.name);
          const who: Labels = labels ? { component: 'adapter', ...labels } : { component: c.name };
          for (const state of COMPONENT_STATES) put({ ...who, state }, Number(c.state === state));
        }
      },
    );
    collected(
      'heatbridge_sse_clients',
      'Live-update (Server-Sent Events) clients connected',
      'gauge',
      [],
      (put) => put({}, src.sseClients()),
    );

    // ── The heat signal for the schedulers (only on a site that has one) ──
    if (src.heatSignal) registerHeatSignalMetrics(r, src.heatSignal);
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    this.subscription.unsubscribe();
    this.registry.clear();
  }
}
