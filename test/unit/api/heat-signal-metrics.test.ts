import { describe, expect, it } from '@jest/globals';
import { EMPTY } from 'rxjs';
import { HEAT_SIGNAL_METRICS, NEXT_HOURS } from '../../../src/api/heat-signal-metrics';
import { Metrics } from '../../../src/api/metrics';
import type { HeatSignal } from '../../../src/signals/heat-signal-types';
import { HOUR_MS, HeatSignalStandIn, neutral, okSignal } from '../../helpers/heat-signal-stand-in';
import { parseExposition, type Exposition } from '../../helpers/prometheus';

/**
 * The heat signal's gauges (issue 23) as Prometheus scrapes them, from signals the real model
 * computed: what KEDA's Prometheus scaler reads.
 */
const NOW = Date.parse('2026-01-15T05:20:00+02:00');
const NAMES = Object.values(HEAT_SIGNAL_METRICS);

async function scrape(heatSignal?: { current(): HeatSignal }) {
  const metrics = new Metrics({
    components: () => [],
    adapters: [],
    latest: () => undefined,
    controlSamples$: EMPTY,
    sseClients: () => 0,
    ...(heatSignal ? { heatSignal } : {}),
  });
  try {
    const text = await metrics.text();
    return { text, e: parseExposition(text) };
  } finally {
    metrics.close();
  }
}

function values(e: Exposition, name: string): { labels: Record<string, string>; value: number }[] {
  return e.samples.filter((s) => s.name === name).map(({ labels, value }) => ({ labels, value }));
}

describe('heat signal gauges', () => {
  it('give the current hour’s signal, kW, recommended flexible power and headroom', async () => {
    const s = okSignal(NOW);
    // Not the baseline hour: the gauges must say the current hour's own figures.
    s.current = { ...s.current, recommendedFlexKw: 612.5, signalKw: 212.5, signal: 0.425 };
    const { e } = await scrape(new HeatSignalStandIn(s));
    expect(values(e, HEAT_SIGNAL_METRICS.signal)).toEqual([{ labels: {}, value: 0.425 }]);
    expect(values(e, HEAT_SIGNAL_METRICS.signalKw)).toEqual([{ labels: {}, value: 212.5 }]);
    expect(values(e, HEAT_SIGNAL_METRICS.recommendedFlexKw)).toEqual([
      { labels: {}, value: 612.5 },
    ]);
    expect(values(e, HEAT_SIGNAL_METRICS.headroomKw)).toEqual([
      { labels: {}, value: s.current.headroomItKw },
    ]);
    expect(values(e, HEAT_SIGNAL_METRICS.neutral)).toEqual([{ labels: {}, value: 0 }]);
  });

  it('give each of the next six hours’ signal, labelled by hours ahead', async () => {
    const s = okSignal(NOW);
    const { e } = await scrape(new HeatSignalStandIn(s));
    const next = values(e, HEAT_SIGNAL_METRICS.nextHours);
    expect(next.map((v) => v.labels.hours_ahead)).toEqual(['1', '2', '3', '4', '5', '6']);
    for (const v of next) {
      const start = s.current.start + Number(v.labels.hours_ahead) * HOUR_MS;
      expect(v.value).toBe(s.hours.find((h) => h.start === start)!.signal);
    }
    // The model's signal moves over those hours: a gauge stuck on one hour would show here.
    expect(new Set(next.map((v) => v.value)).size).toBeGreaterThan(1);
    expect(NEXT_HOURS).toBe(6);
  });

  it('give fewer coming hours when the signal covers fewer', async () => {
    const s = okSignal(NOW);
    s.hours = s.hours.slice(0, 3);
    const { e } = await scrape(new HeatSignalStandIn(s));
    expect(values(e, HEAT_SIGNAL_METRICS.nextHours).map((v) => v.labels.hours_ahead)).toEqual([
      '1',
      '2',
    ]);
  });

  it('say neutral with signal 0 and the baseline, and leave out what is not modelled', async () => {
    const s = neutral(NOW, 'no outdoor forecast');
    const { e } = await scrape(new HeatSignalStandIn(s));
    expect(values(e, HEAT_SIGNAL_METRICS.neutral)).toEqual([{ labels: {}, value: 1 }]);
    expect(values(e, HEAT_SIGNAL_METRICS.signal)).toEqual([{ labels: {}, value: 0 }]);
    expect(values(e, HEAT_SIGNAL_METRICS.signalKw)).toEqual([{ labels: {}, value: 0 }]);
    expect(values(e, HEAT_SIGNAL_METRICS.recommendedFlexKw)).toEqual([
      { labels: {}, value: s.flexible.dailyEnergyKwh / 24 },
    ]);
    // No headroom is known and no hours are forecast: no series rather than a made-up 0.
    expect(values(e, HEAT_SIGNAL_METRICS.headroomKw)).toEqual([]);
    expect(values(e, HEAT_SIGNAL_METRICS.nextHours)).toEqual([]);
  });

  it('are read anew at each scrape', async () => {
    const standIn = new HeatSignalStandIn(okSignal(NOW));
    const metrics = new Metrics({
      components: () => [],
      adapters: [],
      latest: () => undefined,
      controlSamples$: EMPTY,
      sseClients: () => 0,
      heatSignal: standIn,
    });
    try {
      const first = parseExposition(await metrics.text());
      expect(values(first, HEAT_SIGNAL_METRICS.neutral)[0]!.value).toBe(0);
      standIn.signal = neutral(NOW + HOUR_MS, 'the outdoor forecast is 13 h old');
      const second = parseExposition(await metrics.text());
      expect(values(second, HEAT_SIGNAL_METRICS.neutral)[0]!.value).toBe(1);
      expect(values(second, HEAT_SIGNAL_METRICS.nextHours)).toEqual([]);
    } finally {
      metrics.close();
    }
  });

  it('each have HELP and TYPE gauge', async () => {
    const { text, e } = await scrape(new HeatSignalStandIn(okSignal(NOW)));
    for (const name of NAMES) {
      expect(e.types.get(name)).toBe('gauge');
      expect(text).toMatch(new RegExp(`^# HELP ${name} \\S.{20,}$`, 'm'));
    }
  });

  it('are left out of a scrape whose signal cannot be had, and the scrape still answers', async () => {
    const standIn = new HeatSignalStandIn(okSignal(NOW));
    standIn.failure = new Error('state file unreadable');
    const { e } = await scrape(standIn);
    for (const name of NAMES) expect(values(e, name)).toEqual([]);
    expect(values(e, 'heatbridge_sse_clients')).toEqual([{ labels: {}, value: 0 }]);
  });

  it('are not there at all on a site without a heat signal: no series, no HELP', async () => {
    const { text } = await scrape();
    expect(text).toContain('heatbridge_sse_clients');
    for (const name of NAMES) expect(text).not.toContain(name);
  });
});
