import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { formatProblems, loadSiteConfig, type SiteConfig } from '../config';
import {
  ClosedLoop,
  type ClosedLoopOptions,
  type ClosedLoopResult,
} from '../simulation/closed-loop';
import { formatNetworkReport, networkReport } from '../simulation/network-report';
import { loadPriceCsv, type PriceSeries } from '../simulation/price-series';
import { formatKpis, scenarioChart, scenarioKpis } from '../simulation/scenario-report';
import { SCENARIOS, scenarioStart } from '../simulation/scenarios';
import { renderSvgChart } from '../simulation/svg-chart';
import { projectRoot } from '../util/project-root';
import { siteHeatModel, type SiteHeatModel } from '../signals/heat-forecast';
import { flexibleBounds } from '../simulation/flexible-it';
import { flexComparison, formatFlexComparison } from '../simulation/flex-report';
import {
  DEFAULT_WEATHER_FILE,
  hourlyCsvWeather,
  loadNetworkSeries,
  type HourlySeries,
  type NetworkSeries,
} from '../../simulators';
import type { Io } from './commands';

export interface SimulateFlags {
  scenario: string;
  days?: number;
  weather?: string;
  config?: string;
  out?: string;
  json?: boolean;
  seed?: number;
  /** A network series (CSV) in place of the model's built-in curves. */
  network?: string;
  networkShare?: number;
  networkPeakKw?: number;
  /** Hourly prices (CSV): the report values the run. */
  prices?: string;
  /** Run again with value-aware dispatch off and report both nets. */
  compareRule?: boolean;
  /** Percent of the IT load that follows the heat signal; compared with the fixed load. */
  flexibleIt?: number;
}

const DAY_S = 86_400;
/** About this many points on the chart, whatever the length of the run. */
const CHART_POINTS = 1500;

/**
 * `heatbridge simulate`: the site's own control loop against the plant model in virtual time
 * (in-process adapters instead of protocols, no clock), then the KPIs and a chart. A day takes
 * a second or two, a year some minutes; progress goes to stderr, the report to stdout (`--json`
 * for machines).
 */
export async function simulateCommand(flags: SimulateFlags, io: Io): Promise<number> {
  const scenario = SCENARIOS[flags.scenario];
  if (!scenario) {
    io.err(`unknown scenario "${flags.scenario}"; scenarios: ${Object.keys(SCENARIOS).join(', ')}`);
    return 2;
  }
  const configFile = flags.config ?? resolve(projectRoot(), 'config', 'demo.yaml');
  const loaded = await loadSiteConfig(configFile, io.env);
  if (!loaded.ok) {
    io.err(
      `${configFile}: ${loaded.problems.length} problem(s):\n${formatProblems(configFile, loaded.problems)}`,
    );
    return 1;
  }
  const site = loaded.config;
  if (!site.simulation) {
    io.err(
      `${configFile}: no simulation section — simulate needs to know which devices the plant model stands for`,
    );
    return 1;
  }
  const weatherFile = flags.weather ?? DEFAULT_WEATHER_FILE;
  let weather: HourlySeries;
  let network: NetworkSeries | undefined;
  let prices: PriceSeries | undefined;
  try {
    weather = hourlyCsvWeather(weatherFile);
  } catch (err) {
    io.err(`${weatherFile}: ${(err as Error).message}`);
    return 1;
  }
  if (flags.networkShare !== undefined && flags.networkPeakKw !== undefined) {
    io.err('--network-share and --network-peak-kw: give one or the other');
    return 2;
  }
  if ((flags.networkShare ?? flags.networkPeakKw) !== undefined && !flags.network) {
    io.err('--network-share and --network-peak-kw scale a --network series: give one');
    return 2;
  }
  try {
    if (flags.network)
      network = loadNetworkSeries(flags.network, {
        ...(flags.networkShare !== undefined ? { share: flags.networkShare } : {}),
        ...(flags.networkPeakKw !== undefined ? { peakKw: flags.networkPeakKw } : {}),
      });
    if (flags.prices) prices = loadPriceCsv(flags.prices);
  } catch (err) {
    io.err((err as Error).message);
    return 1;
  }
  // A network series sets the period: its first hour, its length unless --days says otherwise.
  const days = flags.days ?? (network ? network.hours.length / 24 : scenario.days);
  const start = network ? network.firstHour : scenarioStart(scenario);
  const seconds = Math.round(days * DAY_S);
  const options: ClosedLoopOptions = {
    site,
    weather,
    start,
    events: scenario.events,
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    ...(network ? { network } : {}),
    ...(prices ? { prices } : {}),
    timelineEveryS: Math.max(300, Math.round(seconds / CHART_POINTS)),
  };
  const what = network
    ? `the network ${network.describe()}${scenario.events.length > 0 ? ` with the events of "${scenario.name}"` : ''}`
    : `"${scenario.name}" (${scenario.description})`;
  io.err(
    `simulating ${what} for ${days} day(s) with ${network?.hasOutdoor ? "the series' outdoor temperatures" : weather.describe()}${prices ? `, prices ${prices.describe()}` : ''}`,
  );
  let flexModel: SiteHeatModel | undefined;
  if (flags.flexibleIt !== undefined) {
    if (flags.flexibleIt <= 0 || flags.flexibleIt > 100) {
      io.err('--flexible-it: a percent of the IT load, more than 0 and at most 100');
      return 2;
    }
    flexModel = siteHeatModel(site);
    if (!flexModel) {
      io.err(
        `${configFile}: --flexible-it needs a heatSignal section (the forecast's model of the site)`,
      );
      return 1;
    }
    if (flags.compareRule) {
      io.err('--flexible-it and --compare-rule: give one or the other');
      return 2;
    }
    if (flags.out) {
      io.err('--flexible-it prints a comparison and writes no chart: leave out --out');
      return 2;
    }
  }
  const wallStart = Date.now();
  if (flexModel) return simulateFlexible(flags, options, flexModel, seconds, site, io);
  const result = await runFor(new ClosedLoop(options), seconds, io);
  const wallS = (Date.now() - wallStart) / 1000;
  let rule: ClosedLoopResult | undefined;
  if (flags.compareRule) {
    io.err('again with the rule "run whenever heat is requested" (value-aware dispatch off)');
    rule = await runFor(
      new ClosedLoop({ ...options, site: withoutValueDispatch(site) }),
      seconds,
      io,
    );
  }
  const kpis = scenarioKpis(result, site.control.cycleMs);
  const name = flags.network ? basename(flags.network).replace(/\.csv$/i, '') : scenario.name;
  const out = resolve(flags.out ?? `data/simulations/${name}-${days}d.svg`);
  const startIso = new Date(start).toISOString().slice(0, 10);
  const networkFigures = result.network ? networkReport(result.network, rule?.network) : undefined;
  const svg = renderSvgChart(
    scenarioChart(
      result,
      `HeatBridge simulation: ${name}, ${days} day(s) from ${startIso}`,
      `${site.site.name} · ${flags.network ? `network: ${basename(flags.network)}` : `weather: ${basename(weatherFile)}`} · ${kpis.recoveredMWh} MWh recovered (${kpis.recoveredSharePct} % of recoverable), SCOP ${kpis.scop ?? '–'}, ERF ${kpis.erf ?? '–'}`,
    ),
  );
  try {
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, svg);
  } catch (err) {
    io.err(`could not write the chart to ${out}: ${(err as Error).message}`);
    return 1;
  }
  const speed = wallS > 0 ? Math.round(seconds / wallS) : Infinity;
  if (flags.json) {
    io.out(
      JSON.stringify(
        {
          scenario: scenario.name,
          start: startIso,
          weather: weather.describe(),
          kpis,
          ...(network ? { network: network.describe() } : {}),
          ...(prices ? { prices: prices.describe() } : {}),
          ...(networkFigures ? { upperBound: networkFigures } : {}),
          chart: out,
          wallSeconds: wallS,
        },
        null,
        2,
      ),
    );
  } else {
    io.out(formatKpis(kpis));
    if (networkFigures) io.out(`\n${formatNetworkReport(networkFigures)}`);
    io.out(`\nchart: ${out}`);
  }
  io.err(
    `simulated ${days} day(s) in ${wallS.toFixed(1)} s (${speed.toLocaleString('en')}× real time)`,
  );
  return 0;
}

/**
 * `--flexible-it PCT`: the run with the IT load as it is, then with PCT % of it following the heat
 * signal (the same seed, weather, network and prices), and the comparison.
 */
async function simulateFlexible(
  flags: SimulateFlags,
  options: ClosedLoopOptions,
  model: SiteHeatModel,
  seconds: number,
  site: SiteConfig,
  io: Io,
): Promise<number> {
  const pct = flags.flexibleIt!;
  const deadlineHour = model.flexible.deadlineHour;
  const wallStart = Date.now();
  io.err('the IT load as it is (fixed)');
  const fixedLoop = new ClosedLoop({ ...options, flex: { deadlineHour } });
  const fixed = await runFor(fixedLoop, seconds, io);
  const flexible = flexibleBounds(pct / 100, fixedLoop.sim.params, deadlineHour);
  io.err(
    `${pct} % of it following the heat signal: ${Math.round(flexible.minKw)}–${Math.round(flexible.maxKw)} kW, ramp ${Math.round(flexible.rampKwPerH)} kW/h, each day's work done by ${deadlineHour}:00`,
  );
  const follow = {
    share: pct / 100,
    end: options.start + seconds * 1000,
    model: { ...model, flexible },
  };
  const result = await runFor(
    new ClosedLoop({ ...options, flex: { deadlineHour, follow } }),
    seconds,
    io,
  );
  const comparison = flexComparison(pct, fixed, result);
  const limit = site.control.controllers
    .flatMap((c) => (c.type === 'cooling-safety' ? c.supplyTemps : []))
    .find((t) => /cdu/i.test(t.point))?.limit;
  if (flags.json) {
    io.out(JSON.stringify({ flexibleIt: comparison, bounds: flexible }, null, 2));
  } else {
    io.out(formatFlexComparison(comparison, limit));
  }
  io.err(`simulated twice in ${((Date.now() - wallStart) / 1000).toFixed(1)} s`);
  return 0;
}

/** Runs the loop for `seconds` a day at a time, with progress; the run's result. */
async function runFor(loop: ClosedLoop, seconds: number, io: Io): Promise<ClosedLoopResult> {
  const progress = progressReporter(io, seconds);
  let done = 0;
  while (done < seconds) {
    const chunk = Math.min(DAY_S, seconds - done);
    loop.run(chunk, (share) => progress(done + share * chunk));
    done += chunk;
    // Between days: lets Ctrl-C and the progress output through.
    await new Promise((r) => setImmediate(r));
  }
  progress(seconds, true);
  return loop.run(0);
}

/**
 * The site with value-aware dispatch off: the rule `--compare-rule` measures against, heat pumps
 * running whenever heat is requested, whatever it earns or costs.
 */
export function withoutValueDispatch(site: SiteConfig): SiteConfig {
  return {
    ...site,
    control: {
      ...site.control,
      controllers: site.control.controllers.map((c) => {
        if (c.type !== 'heat-pump-dispatch' || !c.value) return c;
        const { value: _value, ...rest } = c;
        return rest;
      }),
    },
  };
}

/** A progress bar on a terminal; on a pipe or file, a line every 10 %. */
function progressReporter(io: Io, total: number): (doneS: number, final?: boolean) => void {
  let lastDecile = -1;
  const started = Date.now();
  return (doneS, final = false) => {
    const share = Math.min(doneS / total, 1);
    const day = (doneS / DAY_S).toFixed(1);
    const elapsed = (Date.now() - started) / 1000;
    const eta = share > 0.01 ? Math.max(elapsed / share - elapsed, 0) : NaN;
    const text = `${(share * 100).toFixed(0).padStart(3)} % · day ${day} of ${(total / DAY_S).toFixed(1)} · ${elapsed.toFixed(0)} s${Number.isFinite(eta) && !final && share < 1 ? `, ~${eta.toFixed(0)} s left` : ''}`;
    if (io.progress) {
      const width = 30;
      const filled = Math.round(share * width);
      io.progress(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`, final);
      return;
    }
    const decile = Math.floor(share * 10);
    if (decile > lastDecile) {
      lastDecile = decile;
      io.err(text);
    }
  };
}
