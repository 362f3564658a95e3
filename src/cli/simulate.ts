import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { formatProblems, loadSiteConfig } from '../config';
import { ClosedLoop } from '../simulation/closed-loop';
import { formatKpis, scenarioChart, scenarioKpis } from '../simulation/scenario-report';
import { SCENARIOS, scenarioStart } from '../simulation/scenarios';
import { renderSvgChart } from '../simulation/svg-chart';
import { projectRoot } from '../util/project-root';
import { DEFAULT_WEATHER_FILE, hourlyCsvWeather, type HourlySeries } from '../../simulators';
import type { Io } from './commands';

export interface SimulateFlags {
  scenario: string;
  days?: number;
  weather?: string;
  config?: string;
  out?: string;
  json?: boolean;
  seed?: number;
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
  try {
    weather = hourlyCsvWeather(weatherFile);
  } catch (err) {
    io.err(`${weatherFile}: ${(err as Error).message}`);
    return 1;
  }
  const days = flags.days ?? scenario.days;
  const seconds = Math.round(days * DAY_S);
  const loop = new ClosedLoop({
    site,
    weather,
    start: scenarioStart(scenario),
    events: scenario.events,
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    timelineEveryS: Math.max(300, Math.round(seconds / CHART_POINTS)),
  });
  io.err(
    `simulating "${scenario.name}" (${scenario.description}) for ${days} day(s) with ${weather.describe()}`,
  );
  const progress = progressReporter(io, seconds);
  const wallStart = Date.now();
  let done = 0;
  while (done < seconds) {
    const chunk = Math.min(DAY_S, seconds - done);
    loop.run(chunk, (share) => progress(done + share * chunk));
    done += chunk;
    // Between days: lets Ctrl-C and the progress output through.
    await new Promise((r) => setImmediate(r));
  }
  progress(seconds, true);
  const wallS = (Date.now() - wallStart) / 1000;
  const result = loop.run(0);
  const kpis = scenarioKpis(result, site.control.cycleMs);
  const out = resolve(flags.out ?? `data/simulations/${scenario.name}-${days}d.svg`);
  const startIso = new Date(scenarioStart(scenario)).toISOString().slice(0, 10);
  const svg = renderSvgChart(
    scenarioChart(
      result,
      `HeatBridge simulation: ${scenario.name}, ${days} day(s) from ${startIso}`,
      `${site.site.name} · weather: ${basename(weatherFile)} · ${kpis.recoveredMWh} MWh recovered (${kpis.recoveredSharePct} % of recoverable), SCOP ${kpis.scop ?? '–'}, ERF ${kpis.erf ?? '–'}`,
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
          chart: out,
          wallSeconds: wallS,
        },
        null,
        2,
      ),
    );
  } else {
    io.out(formatKpis(kpis));
    io.out(`\nchart: ${out}`);
  }
  io.err(
    `simulated ${days} day(s) in ${wallS.toFixed(1)} s (${speed.toLocaleString('en')}× real time)`,
  );
  return 0;
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
