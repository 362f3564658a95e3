import {
  asyncScheduler,
  defer,
  EMPTY,
  interval,
  map,
  merge,
  mergeMap,
  type Observable,
  type SchedulerLike,
} from 'rxjs';
import { deviceValueCheck, isFieldAdapter, type DeviceAdapter } from './adapters/adapter';
import { createAdapters } from './adapters/registry';
import { resolve } from 'node:path';
import { AlarmEngine } from './alarms/alarm-engine';
import { AlarmList } from './alarms/alarm-list';
import { AlarmStore } from './alarms/alarm-store';
import { AuditLog } from './api/audit-log';
import { auditWritesAndExpiries } from './api/audit-trail';
import { KpiTracker } from './api/kpi';
import { ApiComponent } from './api/server';
import { buildPointDefs, type SiteConfig } from './config';
import type { ControlLoop } from './control/control-loop';
import { controlPointDefs } from './control/control-points';
import { energyCountersFor } from './control/energy-counters';
import type { WriteGuard } from './control/write-guard';
import { wireControl } from './control/control-wiring';
import { LatestValues } from './runtime/latest-values';
import { Notifier, alarmPoints } from './notify/notifier';
import type { PointDef } from './domain/point';
import type { PointId } from './domain/point-id';
import { HistorianComponent, historianPointDefs } from './historian/historian';
import { alarmRecord, operatorRecord } from './historian/schema';
import { ADAPTER_STATS_EVERY_MS, adapterStatsRecord } from './historian/adapter-stats';
import type { LineRecord } from './historian/line-protocol';
import type { Sample } from './domain/sample';
import type { Logger } from './log';
import type { Component } from './runtime/component';
import { Supervisor } from './runtime/supervisor';
import { wireUtility, type UtilityWiring } from './utility/utility-wiring';
import { wireHeatSignal, type HeatSignalWiring } from './signals/heat-signal-wiring';
import { TokenStore } from './api/auth';
import { northboundComponents } from './northbound/northbound-wiring';
import { ScadaGate } from './northbound/scada-gate';

export interface AppOptions {
  log: Logger;
  now?: () => number;
  stopTimeoutMs?: number;
  /**
   * Components that stand for the plant and start before the adapters, e.g. the demo's
   * simulators.
   */
  extraComponents?: Component[];
  /** The control loop's ticks and clock (default: real time). */
  scheduler?: SchedulerLike;
  /**
   * Field adapters in place of those the site's devices name: the plant model's in-process
   * adapters, when a test runs the site's loop against the model (test/unit/simulation).
   */
  adapters?: (Component & DeviceAdapter)[];
}

export interface HeatBridgeApp {
  supervisor: Supervisor;
  api: ApiComponent;
  adapters: (Component & DeviceAdapter)[];
  /** Every sample of every adapter. */
  samples$: Observable<Sample>;
  historian: HistorianComponent;
  latest: LatestValues;
  /** The only way to write to a device. */
  writes: WriteGuard;
  /** Every point HeatBridge knows: the site's and its own (historian state, control, derived). */
  defs: Map<PointId, PointDef>;
  control: ControlLoop;
  alarms: AlarmList;
  audit: AuditLog;
  /** The utility side (plans, prices, the `utility` device, value), when the site has it. */
  utility?: UtilityWiring;
  /** The heat signal for the schedulers (its forecast and `signal` device), when the site has it. */
  heatSignal?: HeatSignalWiring;
  /** The SCADA's writes (northbound.requests), when the site has them. */
  gate?: ScadaGate;
  /** The northbound servers and publisher (northbound), in start order. */
  northbound: Component[];
}

/**
 * The composition root: the one place that knows every component and how they depend on each
 * other (DESIGN §1). Components only talk through what is passed to them here.
 *
 * Start order: the API first (so /api/health shows the others starting), the historian (so it
 * records from the first sample), the plant components (demo simulators), the field adapters,
 * then control (which acts on what the adapters read). Stop order is the reverse: control stops
 * first — its heartbeat with it, so the PLC takes its safe state — and the API goes last,
 * reporting to the end.
 */
export function buildApp(site: SiteConfig, opts: AppOptions): HeatBridgeApp {
  const now = opts.now ?? Date.now;
  const extra = opts.extraComponents ?? [];
  const adapters = withDependencies(
    opts.adapters ?? createAdapters(site, { now }).map(readyWhenConnected),
    extra,
  );
  const defs = buildPointDefs(site);
  for (const d of historianPointDefs()) defs.set(d.id, d);
  for (const d of controlPointDefs(site.control)) defs.set(d.id, d);
  // The utility side: its `utility` device is read by control like a field device; it adds its
  // points (and the value ledger's) to `defs`.
  const utility = wireUtility({
    site,
    defs,
    // Read per cycle, long after `latest` and `samples$` below exist.
    read: (id) => latest.get(id),
    samples$: defer(() => samples$),
    log: opts.log,
    now,
    ...(opts.scheduler ? { scheduler: opts.scheduler } : {}),
  });
  // The heat signal (issue 23): advice for the schedulers; it adds the `signal` points to `defs`.
  const heatSignal = wireHeatSignal({
    site,
    defs,
    // Read per cycle, long after `latest` below exists.
    read: (id) => latest.get(id),
    ...(utility
      ? {
          utility: { plans: utility.plans, ...(utility.prices ? { prices: utility.prices } : {}) },
        }
      : {}),
    log: opts.log,
    now,
    ...(opts.scheduler ? { scheduler: opts.scheduler } : {}),
  });
  const devices = utility ? [...adapters, utility.feed] : adapters;
  const fieldSamples$ = merge(...devices.map((a) => a.samples$));
  // The same, a read at a time: what the historian, the latest values and live updates take
  // (issue 25: one emission per read instead of per value through each subscriber chain).
  const fieldBatches$: Observable<readonly Sample[]> = merge(
    ...devices.map(
      (a: DeviceAdapter) => a.batches$ ?? a.samples$.pipe(map((s): readonly Sample[] => [s])),
    ),
  );
  const { writes, control } = wireControl({
    site,
    defs,
    adapters: devices,
    // Read per cycle and per write, long after `latest` below exists.
    latest: { all: () => latest.all(), get: (id) => latest.get(id) },
    log: opts.log,
    now,
    ...(opts.scheduler ? { scheduler: opts.scheduler } : {}),
  });
  const siteId = site.site.id;
  // The alarm list (ISA-18.2 life cycle, shelving, floods), its state kept on local disk; fed
  // by control's conditions and the site's alarm definitions.
  const alarmStore = new AlarmStore(resolve(site.alarms.stateFile));
  const loaded = alarmStore.load(now());
  if (loaded.warning) opts.log.warn(loaded.warning);
  const alarms = new AlarmList({
    flood: site.alarms.flood,
    save: (snap) => alarmStore.save(snap),
    ...(loaded.snapshot ? { initial: loaded.snapshot } : {}),
  });
  const alarmEngine = new AlarmEngine({
    config: site.alarms,
    alarms,
    defs,
    latest: { get: (id) => latest.get(id) },
    now,
    ...(opts.scheduler ? { scheduler: opts.scheduler } : {}),
    storeProblem: () => alarmStore.problem,
  });
  control.alarms$.subscribe((a) => {
    if (a.active) alarmEngine.confirmed(a.key);
    alarms.apply({ ...a, source: 'control' });
  });
  const historian = new HistorianComponent({
    site: siteId,
    config: site.historian,
    defs,
    sources: {
      samples$: merge(
        control.samples$,
        utility?.samples$ ?? EMPTY,
        heatSignal?.service.samples$ ?? EMPTY,
      ),
      batches$: fieldBatches$,
      writes$: writes.outcomes$,
      records$: merge(
        control.operator.events$.pipe(map((e) => operatorRecord(siteId, e))),
        // Each field adapter's connection and error counters, for the data-quality dashboard.
        interval(ADAPTER_STATS_EVERY_MS, opts.scheduler ?? asyncScheduler).pipe(
          mergeMap(() =>
            adapters
              .map((a) => adapterStatsRecord(siteId, a, now()))
              .filter((r): r is LineRecord => r !== undefined),
          ),
        ),
        alarms.transitions$.pipe(
          map((t) =>
            alarmRecord(siteId, {
              key: t.alarm.key,
              active: t.alarm.state === 'active-unacked' || t.alarm.state === 'active-acked',
              priority: t.alarm.priority,
              message: t.alarm.message,
              at: t.at,
              event: t.event,
              state: t.alarm.state,
              ...(t.by ? { by: t.by } : {}),
              ...(t.reason ? { reason: t.reason } : {}),
            }),
          ),
        ),
      ),
    },
    now,
  });
  // Alarm notifications (webhooks, e-mail) by the site's rules; it takes transitions from now on.
  const notifier = site.notifications
    ? new Notifier({
        config: site.notifications,
        site: site.site,
        alarms,
        pointOf: alarmPoints(site.alarms.definitions, defs),
        log: opts.log,
        now,
      })
    : undefined;
  // Every sample that is not a field adapter's.
  const ownSamples$: Observable<Sample> = merge(
    control.samples$,
    historian.samples$,
    utility?.samples$ ?? EMPTY,
    heatSignal?.service.samples$ ?? EMPTY,
  );
  const samples$: Observable<Sample> = merge(fieldSamples$, ownSamples$);
  const sampleBatches$: Observable<readonly Sample[]> = merge(
    fieldBatches$,
    ownSamples$.pipe(map((s): readonly Sample[] => [s])),
  );
  // The energy counters' last values from the previous run, given at their start, before
  // control's first cycle reads them (only `latest` gets them: old news for live clients and the
  // historian).
  const counters = energyCountersFor(site, defs, control.samples$, {
    log: opts.log,
    now,
    ...(opts.scheduler ? { scheduler: opts.scheduler } : {}),
  });
  const latest = new LatestValues(
    counters ? merge(counters.restored$, ownSamples$) : ownSamples$,
    fieldBatches$,
  );
  const audit = new AuditLog(site.api.auditFile, now);
  auditWritesAndExpiries(audit, writes, control, latest);
  const kpi = new KpiTracker({
    site,
    defs,
    latest,
    ...(counters ? { counters } : {}),
    startedAt: now(),
  });
  const api: ApiComponent = new ApiComponent(site.api, {
    site,
    adapters: adapters.filter(isFieldAdapter),
    defs,
    latest,
    // Called per request, long after `supervisor` below exists.
    health: () => supervisor.health(),
    historian,
    control,
    // The overrides list says what was written; an override's value is checked at its device.
    writes,
    checkValue: deviceValueCheck(adapters),
    alarms,
    audit,
    kpi,
    samples$,
    sampleBatches$,
    controlSamples$: control.samples$,
    operatorEvents$: control.operator.events$,
    ...(utility
      ? { utility: { plans: utility.plans, ...(utility.prices ? { prices: utility.prices } : {}) } }
      : {}),
    ...(utility?.ledger ? { value: utility.ledger } : {}),
    ...(heatSignal ? { heatSignal: heatSignal.service } : {}),
    now,
  });
  // The northbound interfaces (issue 24): the SCADA's servers and the Sparkplug publisher. They
  // read what the API reads and write only through the gate, into the write guard.
  const gate = utility?.scada
    ? new ScadaGate({ writes, requests: utility.scada, defs, audit, log: opts.log, now })
    : undefined;
  let tokens: TokenStore | undefined;
  const northbound = northboundComponents({
    site,
    defs,
    latest,
    samples$,
    alarms,
    mode: (device) => control.operator.mode(device),
    kpis: (t) => kpi.kpis(t),
    ...(gate ? { gate } : {}),
    tokens: () => (tokens ??= TokenStore.fromConfig(site.api)),
    log: opts.log,
    now,
    ...(opts.scheduler ? { scheduler: opts.scheduler } : {}),
  });
  const supervisor: Supervisor = new Supervisor(
    // The notifier stops after control and the alarms, so their last transitions are spooled.
    [
      api,
      historian,
      ...(notifier ? [notifier] : []),
      ...extra,
      // The plan and price sources before the feed (a plan file is in at its first samples),
      // the feed with the adapters, before control and stopped after it.
      ...(utility ? utility.components : []),
      ...adapters,
      ...(utility ? [utility.feed] : []),
      ...(counters ? [counters] : []),
      control,
      alarmEngine,
      // The forecast sources before the service, which computes its first signal at start.
      ...(heatSignal ? [...heatSignal.components, heatSignal.service] : []),
      // Last to start, first to stop: the SCADA sees the site only once it runs.
      ...northbound,
    ],
    {
      log: opts.log,
      now,
      ...(opts.stopTimeoutMs !== undefined ? { stopTimeoutMs: opts.stopTimeoutMs } : {}),
      // systemd's watchdog is fed from control's cycles (OpenEMS's cycle worker does the same):
      // every site has the loop, a read-only one or one without controllers included.
      progress: { source: 'control', periodMs: site.control.cycleMs, events$: control.progress$ },
    },
  );
  return {
    supervisor,
    api,
    adapters,
    historian,
    samples$,
    latest,
    writes,
    defs,
    control,
    alarms,
    audit,
    ...(utility ? { utility } : {}),
    ...(heatSignal ? { heatSignal } : {}),
    ...(gate ? { gate } : {}),
    northbound,
  };
}

/**
 * A field adapter connects in the background and reports `running` once connected: until then
 * /api/health says "starting", not "ok" (issue 21).
 */
function readyWhenConnected<A extends Component>(adapter: A): A {
  return Object.assign(adapter, { readyWhenReported: true });
}

/** Adapters start after the plant components, whose devices they connect to. */
function withDependencies<A extends Component>(adapters: A[], plant: readonly Component[]): A[] {
  const names = plant.map((c) => c.name);
  if (names.length === 0) return adapters;
  return adapters.map((a) => Object.assign(a, { dependsOn: [...(a.dependsOn ?? []), ...names] }));
}
