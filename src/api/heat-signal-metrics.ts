import { Gauge, type Registry } from 'prom-client';
import type { HeatSignal } from '../signals/heat-signal-types';

/**
 * The heat signal's Prometheus gauges (issue 23), what KEDA's Prometheus scaler or a
 * custom-metrics adapter scales a batch Deployment on. Read from the live service at each scrape,
 * so a scrape never shows an older signal than `GET /api/signals/heat`. A site without a
 * heatSignal section registers none of them: no series, no HELP, nothing to mistake for advice.
 */
export const HEAT_SIGNAL_METRICS = {
  signal: 'heatbridge_heat_signal',
  signalKw: 'heatbridge_heat_signal_kw',
  recommendedFlexKw: 'heatbridge_heat_recommended_flexible_kw',
  headroomKw: 'heatbridge_heat_headroom_kw',
  neutral: 'heatbridge_heat_signal_neutral',
  nextHours: 'heatbridge_heat_signal_next_hours',
} as const;

/** How many coming hours `heatbridge_heat_signal_next_hours` gives (hours_ahead="1".."6"). */
export const NEXT_HOURS = 6;

type Pick = (s: HeatSignal) => number | undefined;

const CURRENT: readonly [name: string, help: string, pick: Pick][] = [
  [
    HEAT_SIGNAL_METRICS.signal,
    'Heat signal for the current hour, -1..1: run more (+) or less (-) flexible IT load; 0 neutral',
    (s) => s.current.signal,
  ],
  [
    HEAT_SIGNAL_METRICS.signalKw,
    'Recommended minus baseline flexible IT power for the current hour, kW',
    (s) => s.current.signalKw,
  ],
  [
    HEAT_SIGNAL_METRICS.recommendedFlexKw,
    'Recommended flexible IT power for the current hour, kW (the baseline while neutral): scale batch work on this',
    (s) => s.current.recommendedFlexKw,
  ],
  [
    HEAT_SIGNAL_METRICS.headroomKw,
    'IT heat that could be used (+) or would be dumped to the dry coolers (-) this hour, kW of IT load',
    (s) => s.current.headroomItKw,
  ],
  [
    HEAT_SIGNAL_METRICS.neutral,
    'Heat signal neutral (1: forecast missing or stale, or no IT power yet; the signal is 0) or not (0)',
    (s) => (s.status === 'neutral' ? 1 : 0),
  ],
];

const finite = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);

/** The coming hours after the current one, in order. */
function nextHours(s: HeatSignal): HeatSignal['hours'] {
  return s.hours.filter((h) => h.start > s.current.start).slice(0, NEXT_HOURS);
}

/**
 * Registers the gauges on `registry`, each read from `source.current()` when scraped. A signal
 * that cannot be had (the service throws) leaves the gauges empty for that scrape rather than
 * failing /metrics as a whole: the other metrics matter more than one scrape of advice.
 */
export function registerHeatSignalMetrics(
  registry: Registry,
  source: { current(): HeatSignal },
): void {
  const read = (): HeatSignal | undefined => {
    try {
      return source.current();
    } catch {
      return undefined;
    }
  };
  for (const [name, help, pick] of CURRENT) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect(this: Gauge) {
        this.reset();
        const s = read();
        const v = s && pick(s);
        if (finite(v)) this.set(v);
        // prom-client gives a label-less gauge a 0 after reset(): remove it when nothing is known.
        else this.remove();
      },
    });
  }
  new Gauge({
    name: HEAT_SIGNAL_METRICS.nextHours,
    help: `Heat signal of each of the next ${NEXT_HOURS} hours, -1..1 (hours_ahead="1" is the hour after the current one)`,
    labelNames: ['hours_ahead'],
    registers: [registry],
    collect(this: Gauge) {
      this.reset();
      const s = read();
      if (!s) return;
      nextHours(s).forEach((h, i) => {
        if (finite(h.signal)) this.set({ hours_ahead: String(i + 1) }, h.signal);
      });
    },
  });
}
