import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { percentile, round, sleep } from '../lib';
import { EdgeGroup, siteName, type GroupResult } from './edge-group';
import { FLEET_DEFAULTS, type FleetLoadOptions } from './fleet-options';
import { HostApp, type HostStats } from './host-app';
import { CpuMeter } from './proc-cpu';
import { startMosquitto, startVictoriaMetrics, type Peer } from './servers';
import { storedBySite } from './stored';

/**
 * The fleet load test (docs/fleet.md, docs/performance.md "Fleet load"): N simulated HeatBridge
 * edges in one process, each publishing Sparkplug B to one MQTT broker and writing the same
 * samples as line protocol to one VictoriaMetrics, while a host application counts what the
 * broker delivers and, at the end, VictoriaMetrics is asked what it stored. Nothing lost means
 * sent = received by the host = stored, per site.
 */
export { FLEET_DEFAULTS, type FleetLoadOptions } from './fleet-options';

export interface FleetReport {
  options: Omit<FleetLoadOptions, 'progress'>;
  /** Steady-state figures (after the warm-up). */
  offered_points_per_s: number;
  sent_points_per_s: number;
  received_points_per_s: number;
  stored_points_per_s: number;
  /** Whole-run totals: what nothing lost compares. */
  sent_metrics: number;
  sent_lines: number;
  received_metrics: number;
  acked_lines: number;
  stored_points: number;
  lost_mqtt: number;
  lost_store: number;
  sites_complete: number;
  seq_gaps: number;
  broker_dropped: number;
  births: number;
  failed_writes: number;
  late_ticks: number;
  tick_lateness_p99_ms: number;
  host_lag_p50_ms: number;
  host_lag_p99_ms: number;
  write_lag_p50_ms: number;
  write_lag_p99_ms: number;
  max_pending_lines_per_site: number;
  drain_s: number;
  mqtt_mb_per_s: number;
  influx_gzip_mb_per_s: number;
  cpu_cores: Record<string, number>;
  held: boolean;
  why_not_held: string[];
}

/** The host application, in its own process or in this one, behind one interface. */
interface Host {
  stats(): Promise<HostStats>;
  pid: number;
  stop(): Promise<void>;
}

async function startHost(o: FleetLoadOptions, url: string): Promise<Host> {
  if (!o.hostProcess) {
    const h = new HostApp(url, o.group, o.hostDecode);
    await h.start();
    return { stats: () => Promise.resolve(h.stats), pid: process.pid, stop: () => h.stop() };
  }
  const child: ChildProcess = fork(join(__dirname, 'host-app.js'), [], {
    execArgv: process.env.HB_FLEET_HOST_PROF ? ['--cpu-prof'] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = <T>(cmd: Record<string, unknown>, key: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMsg = (m: Record<string, unknown>): void => {
        if (key in m) {
          child.off('message', onMsg);
          resolve(m[key] as T);
        }
      };
      child.on('message', onMsg);
      child.once('exit', (code) => reject(new Error(`host application exited (${code})`)));
      child.send(cmd);
    });
  await ask({ cmd: 'start', url, group: o.group, decode: o.hostDecode }, 'ready');
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    pid: child.pid!,
    stats: () => ask<HostStats>({ cmd: 'stats' }, 'stats'),
    stop: async () => {
      child.send({ cmd: 'stop' });
      await exited;
    },
  };
}

/** A group of sites in this process or in a worker process, behind one interface. */
interface GroupHandle {
  pid: number;
  setup(tick0: number): Promise<number>;
  run(t0: number): Promise<void>;
  drain(): Promise<GroupResult>;
  close(): Promise<void>;
}

function localGroup(g: EdgeGroup, progress: (line: string) => void): GroupHandle {
  return {
    pid: process.pid,
    setup: async (tick0) => {
      await g.setup(tick0);
      return g.pointsPerSite;
    },
    run: (t0) => g.run(t0, progress),
    drain: () => g.drain(),
    close: () => g.close(),
  };
}

function workerGroup(init: Record<string, unknown>): GroupHandle {
  const child = fork(join(__dirname, 'edge-group.js'), [], {
    execArgv: process.execArgv.filter((a) => a.startsWith('--cpu-prof')),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const ask = <T>(cmd: Record<string, unknown>, key: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMsg = (m: Record<string, unknown>): void => {
        if (key in m || 'error' in m) {
          child.off('message', onMsg);
          if ('error' in m) reject(new Error(`fleet worker: ${String(m.error)}`));
          else resolve(m[key] as T);
        }
      };
      child.on('message', onMsg);
      child.send(cmd);
    });
  return {
    pid: child.pid!,
    setup: (tick0) => ask<number>({ cmd: 'setup', ...init, tick0 }, 'ready'),
    run: (t0) => ask<boolean>({ cmd: 'run', t0 }, 'ran').then(() => undefined),
    drain: () => ask<GroupResult>({ cmd: 'drain' }, 'result'),
    close: async () => {
      child.send({ cmd: 'close' });
      await exited;
    },
  };
}

export async function runFleetLoad(partial: Partial<FleetLoadOptions>): Promise<FleetReport> {
  const o: FleetLoadOptions = { ...FLEET_DEFAULTS, ...partial };
  const peers: Peer[] = [];
  try {
    const broker = o.mqttUrl ? undefined : await startMosquitto();
    if (broker) peers.push(broker);
    const vm = o.vmUrl ? undefined : await startVictoriaMetrics();
    if (vm) peers.push(vm);
    const mqttUrl = o.mqttUrl ?? broker!.url;
    const vmUrl = o.vmUrl ?? vm!.url;
    const host = await startHost(o, mqttUrl);
    const { progress, ...plain } = o;
    const w = Math.max(1, Math.min(o.workers, o.sites));
    const groups: GroupHandle[] = [];
    for (let k = 0; k < w; k++) {
      const from = Math.floor((k * o.sites) / w);
      const to = Math.floor(((k + 1) * o.sites) / w);
      groups.push(
        w === 1
          ? localGroup(new EdgeGroup(plain, from, to, mqttUrl, vmUrl), progress)
          : workerGroup({ o: plain, from, to, mqttUrl, vmUrl }),
      );
    }
    try {
      return await drive(o, vmUrl, host, groups, broker, vm);
    } finally {
      for (const g of groups) await g.close();
      await host.stop();
    }
  } finally {
    for (const p of peers.reverse()) await p.stop();
  }
}

async function drive(
  o: FleetLoadOptions,
  vmUrl: string,
  host: Host,
  groups: GroupHandle[],
  broker: Peer | undefined,
  vm: Peer | undefined,
): Promise<FleetReport> {
  o.progress(
    `${o.sites} sites × ${o.points} points every ${o.intervalMs} ms, ${o.seconds} s, ${groups.length} generator process(es)`,
  );
  const tick0 = Date.now();
  const [pointsPerSite] = await Promise.all(groups.map((g) => g.setup(tick0)));
  const cpu = new CpuMeter({
    ...Object.fromEntries(
      groups.map((g, k) => [groups.length === 1 ? 'generator' : `generator ${k + 1}`, g.pid]),
    ),
    ...(o.hostProcess ? { host: host.pid } : {}),
    ...(broker ? { mosquitto: broker.pid } : {}),
    ...(vm ? { 'victoria-metrics': vm.pid } : {}),
  });
  const ticks = Math.max(1, Math.round((o.seconds * 1000) / o.intervalMs));
  const warmTicks = Math.min(ticks - 1, Math.round((o.warmupS * 1000) / o.intervalMs));
  const t0 = Math.ceil(Date.now() / o.intervalMs) * o.intervalMs + o.intervalMs;
  const steadyStart = t0 + (warmTicks + 1) * o.intervalMs;
  // The measured window opens for the host and the CPU meter when the groups' does.
  let steadyReceived = 0;
  const opening = (async () => {
    await sleep(Math.max(0, steadyStart - Date.now()));
    steadyReceived = (await host.stats()).metrics;
    cpu.start();
  })();
  await Promise.all(groups.map((g) => g.run(t0)));
  await opening;
  // The window closes at the end of the last tick's interval (its messages have had that time).
  const endDue = t0 + (ticks + 1) * o.intervalMs;
  await sleep(Math.max(0, endDue - Date.now()));
  const cpuCores = cpu.stop();
  const receivedAtEnd = (await host.stats()).metrics;

  // Drain: every write acknowledged, every message delivered (or a minute passed).
  const drainStart = Date.now();
  const results = await Promise.all(groups.map((g) => g.drain()));
  const sum = (f: (r: GroupResult) => number): number => results.reduce((n, r) => n + f(r), 0);
  const sentMetrics = sum((r) => r.edge.sentMetrics);
  let hs = await host.stats();
  while (hs.metrics < sentMetrics && Date.now() - drainStart < 60_000) {
    await sleep(200);
    hs = await host.stats();
  }
  const drainS = (Date.now() - drainStart) / 1000;

  const names = Array.from({ length: o.sites }, (_, i) => siteName(o, i));
  const stored = await storedBySite(o.vmQueryUrl ?? vmUrl, `${o.sitePrefix}-.*`, tick0, endDue);
  const storedTotal = Object.values(stored).reduce((a, b) => a + b, 0);
  const linesWritten = sum((r) => r.edge.linesWritten);
  const steadyS = (endDue - steadyStart) / 1000;
  const sitesComplete = names.filter(
    (s) =>
      stored[s] === linesWritten / o.sites && (hs.metricsBySite[s] ?? 0) === sentMetrics / o.sites,
  ).length;
  const lateness = results.flatMap((r) => r.lateness);
  const ackLag = results.flatMap((r) => r.write.ackLagMs);
  const { progress: _p, ...options } = o;
  const report: FleetReport = {
    options,
    offered_points_per_s: round((o.sites * pointsPerSite! * 1000) / o.intervalMs, 0),
    sent_points_per_s: round(sum((r) => r.sentAtEnd - r.steadySent) / steadyS, 0),
    received_points_per_s: round((receivedAtEnd - steadyReceived) / steadyS, 0),
    stored_points_per_s: round(sum((r) => r.ackedAtEnd - r.steadyAcked) / steadyS, 0),
    sent_metrics: sentMetrics,
    sent_lines: linesWritten,
    received_metrics: hs.metrics,
    acked_lines: sum((r) => r.write.ackedLines),
    stored_points: storedTotal,
    lost_mqtt: sentMetrics - hs.metrics,
    lost_store: linesWritten - storedTotal,
    sites_complete: sitesComplete,
    seq_gaps: hs.seqGaps,
    broker_dropped: hs.brokerDropped,
    births: hs.births,
    failed_writes: sum((r) => r.write.failedRequests),
    late_ticks: sum((r) => r.lateTicks),
    tick_lateness_p99_ms: round(percentile(lateness, 99), 1),
    host_lag_p50_ms: round(percentile(hs.lagMs, 50), 1),
    host_lag_p99_ms: round(percentile(hs.lagMs, 99), 1),
    write_lag_p50_ms: round(percentile(ackLag, 50), 1),
    write_lag_p99_ms: round(percentile(ackLag, 99), 1),
    max_pending_lines_per_site: Math.max(...results.map((r) => r.write.maxPendingLines)),
    drain_s: round(drainS, 1),
    mqtt_mb_per_s: round(sum((r) => r.edge.sentBytes) / 1e6 / ((endDue - tick0) / 1000), 2),
    influx_gzip_mb_per_s: round(sum((r) => r.write.gzipBytes) / 1e6 / ((endDue - tick0) / 1000), 2),
    cpu_cores: cpuCores,
    held: false,
    why_not_held: [],
  };
  judge(report, o);
  return report;
}

/**
 * Held: the generator kept its schedule (no tick began a whole interval late), nothing was
 * lost, and what was in flight at the end arrived within five intervals (at least 5 s): a
 * backlog that grows for the whole run would take longer.
 */
function judge(r: FleetReport, o: FleetLoadOptions): void {
  const why: string[] = [];
  if (r.late_ticks > 0) why.push(`${r.late_ticks} ticks began more than one interval late`);
  if (r.lost_mqtt !== 0) why.push(`${r.lost_mqtt} metrics not received by the host`);
  if (r.lost_store !== 0) why.push(`${r.lost_store} lines not stored`);
  if (r.seq_gaps > 0) why.push(`${r.seq_gaps} seq gaps`);
  const drainLimit = Math.max(5, (5 * o.intervalMs) / 1000);
  if (r.drain_s > drainLimit) why.push(`backlog took ${r.drain_s} s to drain after the run`);
  r.why_not_held = why;
  r.held = why.length === 0;
}
