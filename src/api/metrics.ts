import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Observable, Subscription } from 'rxjs';
import { pointId } from '../domain/point-id';
import type { Sample } from '../domain/sample';
import type { ComponentHealth } from '../runtime/component';

export interface MetricsSources {
  /** Every component with its state and details (the supervisor's health report). */
  components: () => ComponentHealth[];
  /** The latest value of a point (the historian's own status points). */
  latest: (id: ReturnType<typeof pointId>) => Sample | undefined;
  /** Control's own samples (cycle durations). */
  controlSamples$: Observable<Sample>;
  sseClients: () => number;
}

const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

/**
 * Prometheus metrics (`GET /metrics`): the process (CPU, memory, event-loop lag from prom-client's
 * default metrics), each field adapter's requests, errors, reconnects, queue depth and round trips,
 * the historian's backlog and drops, and control's cycle durations. Most values are read from the
 * components when scraped, so nothing is counted twice.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly subscription: Subscription;

  constructor(src: MetricsSources) {
    const r = this.registry;
    collectDefaultMetrics({ register: r, eventLoopMonitoringPrecision: 10 });
    const adapters = (): { name: string; d: Record<string, unknown> }[] =>
      src
        .components()
        .filter((c) => c.name.startsWith('modbus ') || c.name.startsWith('opcua '))
        .map((c) => ({ name: c.name, d: c.details ?? {} }));

    type Put = (labels: Record<string, string>, v: number) => void;
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
      pick: (d: Record<string, unknown>) => number | undefined,
    ): void =>
      collected(name, help, kind, ['adapter'], (put) => {
        for (const a of adapters()) {
          const v = pick(a.d);
          if (v !== undefined) put({ adapter: a.name }, v);
        }
      });
    /** From one component's health details (`control`, `historian`), without labels. */
    const fromComponent = (
      component: string,
      name: string,
      help: string,
      kind: 'gauge' | 'counter',
      pick: (d: Record<string, unknown>) => number | undefined,
    ): void =>
      collected(name, help, kind, [], (put) => {
        const d = src.components().find((c) => c.name === component)?.details;
        const v = d ? pick(d) : undefined;
        if (v !== undefined) put({}, v);
      });
    fromAdapters(
      'heatbridge_adapter_connected',
      'Field connection up (1) or down (0)',
      'gauge',
      (d) => (typeof d.connected === 'boolean' ? Number(d.connected) : undefined),
    );
    fromAdapters('heatbridge_adapter_requests_total', 'Modbus requests sent', 'counter', (d) =>
      num(d.requests),
    );
    fromAdapters(
      'heatbridge_adapter_timeouts_total',
      'Modbus requests without an answer in time',
      'counter',
      (d) => num(d.timeouts),
    );
    fromAdapters(
      'heatbridge_adapter_exceptions_total',
      'Modbus exception responses',
      'counter',
      (d) => num(d.exceptions),
    );
    fromAdapters(
      'heatbridge_adapter_framing_errors_total',
      'Modbus replies that were not a well-formed answer to the request in flight (each drops the connection)',
      'counter',
      (d) => num(d.framingErrors),
    );
    fromAdapters(
      'heatbridge_adapter_connection_errors_total',
      'Lost or refused connections',
      'counter',
      (d) => num(d.connectionErrors) ?? num(d.connectionLosses),
    );
    fromAdapters(
      'heatbridge_adapter_reconnects_total',
      'Reconnections',
      'counter',
      (d) => num(d.reconnects) ?? num(d.connects),
    );
    fromAdapters(
      'heatbridge_adapter_queue_depth',
      'Requests waiting on the connection',
      'gauge',
      (d) => num(d.queueDepth),
    );
    fromAdapters(
      'heatbridge_adapter_notifications_total',
      'OPC UA data-change notifications',
      'counter',
      (d) => num(d.notifications),
    );
    fromAdapters(
      'heatbridge_adapter_round_trip_seconds_sum',
      'Time answered requests took (Modbus reads, OPC UA writes), summed',
      'counter',
      (d) => num(d.roundTripSeconds),
    );
    fromAdapters(
      'heatbridge_adapter_round_trip_seconds_count',
      'Answered requests timed',
      'counter',
      (d) => num(d.roundTrips),
    );
    // Per device: a device slower than its poll interval loses ticks (issue 18).
    collected(
      'heatbridge_adapter_skipped_polls_total',
      'Poll ticks skipped because the previous poll of the device was still waiting',
      'counter',
      ['adapter', 'device'],
      (put) => {
        for (const a of adapters()) {
          const byDevice = a.d.skippedPolls;
          if (typeof byDevice !== 'object' || byDevice === null) continue;
          for (const [device, v] of Object.entries(byDevice as Record<string, unknown>)) {
            const n = num(v);
            if (n !== undefined) put({ adapter: a.name, device }, n);
          }
        }
      },
    );
    fromComponent(
      'control',
      'heatbridge_control_skipped_cycles_total',
      'Control ticks skipped because a cycle was still running (overrun)',
      'counter',
      (d) => num(d.skippedCycles),
    );

    const historian = (name: string, point: string, help: string): void => {
      new Gauge({
        name,
        help,
        registers: [r],
        collect(this: Gauge) {
          const v = src.latest(pointId('historian', point))?.value;
          if (typeof v === 'number') this.set(v);
        },
      });
    };
    historian(
      'heatbridge_historian_backlog_lines',
      'backlog_lines',
      'Lines waiting for the database',
    );
    historian(
      'heatbridge_historian_backlog_bytes',
      'backlog_bytes',
      'Bytes waiting for the database',
    );
    historian(
      'heatbridge_historian_oldest_age_seconds',
      'oldest_age',
      'Age of the oldest waiting line',
    );
    historian(
      'heatbridge_historian_dropped_lines',
      'dropped_lines',
      'Lines dropped by the spool cap since start',
    );
    historian(
      'heatbridge_historian_refused_lines',
      'refused_lines',
      'Lines the database refused since start',
    );
    // From the historian's health details (a database historian only).
    const historianDetail = (
      name: string,
      help: string,
      kind: 'gauge' | 'counter',
      pick: (d: Record<string, unknown>) => number | undefined,
    ): void => fromComponent('historian', name, help, kind, pick);
    const behind = (d: Record<string, unknown>): Record<string, unknown> | undefined =>
      typeof d.behind === 'object' && d.behind !== null
        ? (d.behind as Record<string, unknown>)
        : undefined;
    historianDetail(
      'heatbridge_historian_behind',
      'Historian falling behind: the spool grows faster than the database takes it (1) or not (0)',
      'gauge',
      (d) => (typeof behind(d)?.active === 'boolean' ? Number(behind(d)!.active) : undefined),
    );
    historianDetail(
      'heatbridge_historian_behind_episodes_total',
      'Times the historian started falling behind',
      'counter',
      (d) => num(behind(d)?.episodes),
    );
    historianDetail(
      'heatbridge_historian_failed_attempts_total',
      'Failed attempts to write to the database (each one followed by a backoff)',
      'counter',
      (d) => num((d.sent as Record<string, unknown> | undefined)?.failedAttempts),
    );
    historianDetail(
      'heatbridge_historian_spool_dropped_lines_total',
      'Lines the spool dropped since start (over its cap, or torn by a crash)',
      'counter',
      (d) => num((d.spool as Record<string, unknown> | undefined)?.dropped),
    );

    new Gauge({
      name: 'heatbridge_component_up',
      help: 'Component state: 1 running, 0.5 degraded, 0 otherwise',
      labelNames: ['component'],
      registers: [r],
      collect(this: Gauge) {
        this.reset();
        for (const c of src.components()) {
          this.set(
            { component: c.name },
            c.state === 'running' ? 1 : c.state === 'degraded' ? 0.5 : 0,
          );
        }
      },
    });
    new Gauge({
      name: 'heatbridge_sse_clients',
      help: 'Live-update (Server-Sent Events) clients connected',
      registers: [r],
      collect(this: Gauge) {
        this.set(src.sseClients());
      },
    });
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
