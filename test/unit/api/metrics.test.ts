import { describe, expect, it } from '@jest/globals';
import { EMPTY } from 'rxjs';
import { createAdapters } from '../../../src/adapters/registry';
import { Metrics } from '../../../src/api/metrics';
import { parseSiteConfig } from '../../../src/config';
import { COMPONENT_STATES, type ComponentHealth } from '../../../src/runtime/component';
import { cumulativeBuckets, LatencyHistogram } from '../../../src/util/latency-histogram';
import {
  counterNameProblems,
  histogramProblems,
  histogramSeries,
  packedLabelValues,
  parseExposition,
  stateSetProblems,
} from '../../helpers/prometheus';

/** Two Modbus connections (one of them shared by two devices, one a serial line) and OPC UA. */
const SITE = parseSiteConfig(
  `site: { id: s, name: S }
devices:
  plc:
    protocol: modbus
    host: 10.0.0.5
    points: [{ name: a, table: holding, register: 0, type: uint16, unit: count }]
  hp1:
    protocol: modbus
    host: 10.0.0.5
    unitId: 2
    points: [{ name: a, table: holding, register: 0, type: uint16, unit: count }]
  meter:
    protocol: modbus
    transport: rtu
    serial: { path: /dev/ttyUSB0 }
    points: [{ name: a, table: holding, register: 0, type: uint16, unit: count }]
  off:
    protocol: modbus
    enabled: false
    host: 10.0.0.9
    points: [{ name: a, table: holding, register: 0, type: uint16, unit: count }]
  hall:
    protocol: opcua
    endpoint: opc.tcp://bms.example:4841/hall
    securityPolicy: None
    securityMode: None
    points: [{ name: t, nodeId: 'ns=1;s=T', unit: degC }]
`,
  {},
);

function site() {
  if (!SITE.ok) throw new Error(JSON.stringify(SITE.problems));
  return SITE.config;
}

function histogramOf(...seconds: number[]): Record<string, unknown> {
  const h = new LatencyHistogram();
  for (const s of seconds) h.observe(s);
  return h.details();
}

async function scrape(components: ComponentHealth[]) {
  const metrics = new Metrics({
    components: () => components,
    // The labels come from the adapters themselves (built, not started).
    adapters: createAdapters(site()),
    latest: () => undefined,
    controlSamples$: EMPTY,
    sseClients: () => 2,
  });
  try {
    const text = await metrics.text();
    return { text, e: parseExposition(text) };
  } finally {
    metrics.close();
  }
}

describe('LatencyHistogram', () => {
  it('counts a duration in the first bucket whose bound it does not exceed, and above the last apart', () => {
    const h = new LatencyHistogram([0.01, 0.1]);
    for (const s of [0.001, 0.01, 0.0100001, 0.1, 3, -1, NaN]) h.observe(s);
    expect(h.buckets()).toEqual({ bounds: [0.01, 0.1], counts: [2, 2, 1] });
    expect(h.count).toBe(5);
    expect(h.sum).toBeCloseTo(3.1210001, 9);
    expect(cumulativeBuckets(h.buckets())).toEqual({
      buckets: [
        { le: 0.01, count: 2 },
        { le: 0.1, count: 4 },
      ],
      count: 5,
    });
    expect(cumulativeBuckets({ bounds: [1], counts: [1] })).toBeUndefined();
    expect(() => new LatencyHistogram([0.1, 0.1])).toThrow(/increasing/);
  });
});

describe('/metrics exposition (issue 19)', () => {
  const components: ComponentHealth[] = [
    { name: 'api', state: 'running', since: '' },
    { name: 'historian', state: 'degraded', since: '', details: {} },
    {
      name: 'modbus tcp:10.0.0.5:502',
      state: 'running',
      since: '',
      details: {
        connected: true,
        requests: 9,
        skippedPolls: { plc: 1, hp1: 0 },
        ...histogramOf(0.0004, 0.003, 0.003, 0.02, 7),
      },
    },
    { name: 'modbus rtu:/dev/ttyUSB0', state: 'pending', since: '' },
    {
      name: 'opcua hall',
      state: 'failed',
      since: '',
      details: { connected: false, connects: 3, ...histogramOf(0.05) },
    },
    { name: 'control', state: 'stopping', since: '' },
  ];

  it('names counters *_total and nothing else so', async () => {
    const { e } = await scrape(components);
    expect(counterNameProblems(e)).toEqual([]);
    // Counts since start are counters, and one metric per fact.
    expect(e.types.get('heatbridge_adapter_requests_total')).toBe('counter');
    for (const gone of [
      'heatbridge_historian_dropped_lines',
      'heatbridge_historian_refused_lines',
      'heatbridge_historian_spool_dropped_lines_total',
      'heatbridge_component_up',
      'heatbridge_adapter_round_trip_seconds_sum',
    ])
      expect(e.types.has(gone)).toBe(false);
  });

  it('exports the round trips as one histogram per adapter, cumulative, +Inf equal to _count', async () => {
    const { text, e } = await scrape(components);
    expect(histogramProblems(e, 'heatbridge_adapter_round_trip_seconds')).toEqual([]);
    const series = histogramSeries(e, 'heatbridge_adapter_round_trip_seconds');
    expect(series.map((s) => [s.labels, s.count])).toEqual([
      [{ protocol: 'modbus', connection: 'plc' }, 5],
      [{ protocol: 'opcua', connection: 'hall' }, 1],
    ]);
    expect(series[0]!.buckets.map((b) => b.le)).toEqual([
      0.001,
      0.0025,
      0.005,
      0.01,
      0.025,
      0.05,
      0.1,
      0.25,
      0.5,
      1,
      2.5,
      5,
      Infinity,
    ]);
    expect(series[0]!.sum).toBeCloseTo(7.0264, 9);
    expect(text).toContain(
      'heatbridge_adapter_round_trip_seconds_bucket{protocol="modbus",connection="plc",le="0.005"} 3',
    );
    expect(text).toContain(
      'heatbridge_adapter_round_trip_seconds_bucket{protocol="modbus",connection="plc",le="5"} 4',
    );
  });

  it('gives each component exactly one state at 1, the others 0', async () => {
    const { text, e } = await scrape(components);
    expect(stateSetProblems(e, 'heatbridge_component_state', COMPONENT_STATES)).toEqual([]);
    expect(text).toContain('heatbridge_component_state{component="historian",state="degraded"} 1');
    expect(text).toContain(
      'heatbridge_component_state{component="adapter",protocol="modbus",connection="meter",state="pending"} 1',
    );
    expect(text).toContain(
      'heatbridge_component_state{component="adapter",protocol="opcua",connection="hall",state="failed"} 1',
    );
  });

  it('labels adapters by protocol and connection; addresses only in heatbridge_adapter_info', async () => {
    const { text, e } = await scrape(components);
    expect(packedLabelValues(e)).toEqual([]);
    expect(text).toContain(
      'heatbridge_adapter_requests_total{protocol="modbus",connection="plc"} 9',
    );
    expect(text).toContain(
      'heatbridge_adapter_skipped_polls_total{protocol="modbus",connection="plc",device="hp1"} 0',
    );
    // OPC UA counts its first connection as a connect, not as a reconnect.
    expect(text).toContain(
      'heatbridge_adapter_reconnects_total{protocol="opcua",connection="hall"} 2',
    );
    expect(text).toContain(
      'heatbridge_adapter_info{protocol="modbus",connection="plc",transport="tcp",host="10.0.0.5",port="502",devices="plc,hp1"} 1',
    );
    expect(text).toContain(
      'heatbridge_adapter_info{protocol="modbus",connection="meter",transport="rtu",path="/dev/ttyUSB0",devices="meter"} 1',
    );
    expect(text).toContain(
      'heatbridge_adapter_info{protocol="opcua",connection="hall",transport="opc.tcp",host="bms.example",port="4841",path="/hall",devices="hall"} 1',
    );
    expect(text).toMatch(/^heatbridge_sse_clients 2$/m);
  });

  it('recognises the old exposition as wrong (the checks themselves can fail)', () => {
    const old = parseExposition(
      [
        '# TYPE heatbridge_historian_dropped_lines gauge',
        'heatbridge_historian_dropped_lines 3',
        '# TYPE heatbridge_adapter_round_trip_seconds_count counter',
        'heatbridge_adapter_round_trip_seconds_count{adapter="modbus tcp:127.0.0.1:5020"} 4',
        '# TYPE heatbridge_component_up gauge',
        'heatbridge_component_up{component="opcua hall1"} 0.5',
        '# TYPE heatbridge_x histogram',
        'heatbridge_x_bucket{le="0.1"} 3',
        'heatbridge_x_bucket{le="1"} 2',
        'heatbridge_x_bucket{le="+Inf"} 2',
        'heatbridge_x_count 4',
        '# TYPE heatbridge_component_state gauge',
        'heatbridge_component_state{component="api",state="running"} 1',
        'heatbridge_component_state{component="api",state="degraded"} 1',
      ].join('\n'),
    );
    // (A count since start exposed as a gauge is not visible by its name: the test above names
    // the old gauges that must be gone.)
    expect(counterNameProblems(old)).toEqual([
      'heatbridge_adapter_round_trip_seconds_count is a counter',
    ]);
    expect(packedLabelValues(old)).toEqual([
      'heatbridge_adapter_round_trip_seconds_count{adapter="modbus tcp:127.0.0.1:5020"}',
    ]);
    expect(histogramProblems(old, 'heatbridge_x')).toEqual([
      'heatbridge_x{}: le 1 counts 2 < 3',
      'heatbridge_x{}: +Inf 2 ≠ _count 4',
      'heatbridge_x{}: no _sum',
    ]);
    expect(stateSetProblems(old, 'heatbridge_component_state', ['running', 'degraded'])).toEqual([
      'heatbridge_component_state[["component","api"]]: 2 states at 1',
    ]);
    expect(packedLabelValues(parseExposition('x{endpoint="opc.tcp://plc:4840/a"} 1'))).toHaveLength(
      1,
    );
  });
});
