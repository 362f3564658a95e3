import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/util/project-root';
import { machine } from '../lib';
import {
  FLEET_DEFAULTS,
  runFleetLoad,
  type FleetLoadOptions,
  type FleetReport,
} from './fleet-load';

/**
 * `npm run fleet-load -- --sites 100 --points 2000 --interval-ms 1000 --seconds 60`
 *
 * Starts mosquitto and VictoriaMetrics (unless --mqtt-url / --vm-url), runs the simulated
 * fleet, prints the report and writes it to bench/results/fleet-<sites>x<points>.json (or
 * --out). `--steps 25,50,75,100` runs one fresh process per site count and prints a table.
 */
const USAGE = `usage: fleet-load [--sites N] [--points N] [--interval-ms MS] [--seconds S] [--warmup-s S]
  [--points-per-device N] [--workers N] [--connections N] [--encoder library|direct] [--lines historian|direct] [--host-decode library|none]
  [--host-in-process] [--qos 0|1] [--gzip-level 0-9] [--group G] [--site-prefix P]
  [--mqtt-url URL] [--vm-url URL] [--vm-query-url URL] [--write-path PATH] [--out FILE]
  [--steps 25,50,75,100]`;

function parse(argv: string[]): {
  opts: Partial<FleetLoadOptions>;
  out?: string;
  steps?: number[];
} {
  const opts: Partial<FleetLoadOptions> = {};
  let out: string | undefined;
  let steps: number[] | undefined;
  const num = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < 0)
      throw new Error(`${flag}: expected a number, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const v = argv[i + 1];
    const take = (): string => {
      i++;
      if (v === undefined) throw new Error(`${flag}: missing value`);
      return v;
    };
    switch (flag) {
      case '--sites':
        opts.sites = num(flag, take());
        break;
      case '--points':
        opts.points = num(flag, take());
        break;
      case '--interval-ms':
        opts.intervalMs = num(flag, take());
        break;
      case '--seconds':
        opts.seconds = num(flag, take());
        break;
      case '--warmup-s':
        opts.warmupS = num(flag, take());
        break;
      case '--points-per-device':
        opts.pointsPerDevice = num(flag, take());
        break;
      case '--workers':
        opts.workers = num(flag, take());
        break;
      case '--connections':
        opts.connections = num(flag, take());
        break;
      case '--gzip-level':
        opts.gzipLevel = num(flag, take());
        break;
      case '--qos':
        opts.qos = num(flag, take()) === 1 ? 1 : 0;
        break;
      case '--encoder':
        opts.encoder = take() === 'direct' ? 'direct' : 'library';
        break;
      case '--lines':
        opts.lineEncoder = take() === 'direct' ? 'direct' : 'historian';
        break;
      case '--host-decode':
        opts.hostDecode = take() === 'none' ? 'none' : 'library';
        break;
      case '--host-in-process':
        opts.hostProcess = false;
        break;
      case '--group':
        opts.group = take();
        break;
      case '--site-prefix':
        opts.sitePrefix = take();
        break;
      case '--mqtt-url':
        opts.mqttUrl = take();
        break;
      case '--vm-url':
        opts.vmUrl = take();
        break;
      case '--vm-query-url':
        opts.vmQueryUrl = take();
        break;
      case '--write-path':
        opts.writePath = take();
        break;
      case '--out':
        out = take();
        break;
      case '--steps':
        steps = take()
          .split(',')
          .map((s) => num(flag, s));
        break;
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  return { opts, ...(out ? { out } : {}), ...(steps ? { steps } : {}) };
}

/** One line per run, the columns of docs/performance.md's "Fleet load" table. */
export function summaryLine(r: FleetReport): string {
  const cpu = Object.entries(r.cpu_cores)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `| ${r.options.sites} × ${r.options.points} | ${r.offered_points_per_s} | ${r.sent_points_per_s} / ${r.received_points_per_s} / ${r.stored_points_per_s} | ${r.held ? 'yes' : 'no'} | ${r.lost_mqtt} / ${r.lost_store} | ${cpu} | ${r.host_lag_p99_ms} / ${r.write_lag_p99_ms} | ${r.late_ticks} |`;
}

async function main(): Promise<void> {
  const { opts, out, steps } = parse(process.argv.slice(2));
  if (steps) {
    const lines: string[] = [];
    for (const sites of steps) {
      const args = process.argv.slice(2);
      const i = args.indexOf('--steps');
      args.splice(i, 2, '--sites', String(sites));
      const file = join(
        projectRoot(),
        'bench',
        'results',
        `fleet-${sites}x${opts.points ?? FLEET_DEFAULTS.points}.json`,
      );
      const r = spawnSync(process.execPath, [__filename, ...args, '--out', file], {
        stdio: 'inherit',
      });
      if (r.status !== 0) throw new Error(`step ${sites} failed (${r.status})`);
      lines.push(summaryLine(JSON.parse(readFileSync(file, 'utf8')) as FleetReport));
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    return;
  }
  const progress = (line: string): void => void process.stderr.write(`[fleet] ${line}\n`);
  const report = await runFleetLoad({ ...opts, progress });
  const file =
    out ??
    join(
      projectRoot(),
      'bench',
      'results',
      `fleet-${report.options.sites}x${report.options.points}.json`,
    );
  mkdirSync(join(file, '..'), { recursive: true });
  const version = (cmd: string, args: string[]): string =>
    (spawnSync(cmd, args, { encoding: 'utf8' }).stdout ?? '').split('\n')[0]!.trim();
  const versions = {
    mosquitto: version('/usr/sbin/mosquitto', ['-h']),
    // Debian's build prints no version of its own.
    'victoria-metrics': version('dpkg-query', ['-W', '-f', '${Version}', 'victoria-metrics']),
  };
  writeFileSync(
    file,
    `${JSON.stringify({ ...report, at: new Date().toISOString(), machine: machine(), versions }, null, 2)}\n`,
  );
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n${summaryLine(report)}\n`);
  process.stderr.write(`[fleet] written to ${file}\n`);
  // A run that did not hold still exits 0: the figures are the result. Loss is the failure.
  process.exit(report.lost_mqtt === 0 && report.lost_store === 0 ? 0 : 1);
}

if (require.main === module)
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  });
