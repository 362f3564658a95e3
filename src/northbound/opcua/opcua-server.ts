import { asyncScheduler, interval, merge, Subject, Subscription } from 'rxjs';
import { OPCUAServer, type ServerSession, type UAObject } from 'node-opcua';
import type { NorthboundOpcuaConfig } from '../../config/northbound-opcua';
import type { Component, ComponentContext } from '../../runtime/component';
import { routeOpcuaLogs } from '../../util/opcua-log';
import type { NorthboundDeps } from '../northbound-deps';
import { AlarmNodes, coalescedSync } from './alarm-nodes';
import { KpiNodes } from './kpi-nodes';
import { addInfo, infoVariant } from './nodes';
import { euRangeProblems, PointNodes } from './point-nodes';
import { RequestNodes } from './request-nodes';
import {
  endpointSecurity,
  serverCertificateManagers,
  serverPki,
  TokenUsers,
} from './server-security';

/** What the address space is made of, once built. */
interface Space {
  points: PointNodes;
  kpis: KpiNodes;
  alarms: AlarmNodes;
  requests?: RequestNodes;
}

/**
 * The northbound OPC UA server (issue 24): the utility's SCADA reads every point of the site with
 * its quality, source time, EngineeringUnits and EURange, the KPIs, the plant modes and the alarm
 * list, and writes its requests through the SCADA gate (write guard, bounds, audit, expiry).
 * Signed and encrypted endpoints, client certificates trusted only by an operator, users are the
 * API's tokens. The layout and the mappings: docs/northbound-opcua.md.
 */
export class OpcuaNorthbound implements Component {
  readonly name = 'opcua-server';
  private server: OPCUAServer | undefined;
  private space: Space | undefined;
  private subs = new Subscription();
  private readonly counts = { writesAccepted: 0, writesRefused: 0, certificatesRejected: 0 };
  private users: TokenUsers | undefined;
  /** A refresh asks for an alarm sync: coalesced with the transitions, one per tick. */
  private readonly alarmsDue = new Subject<void>();
  /** The start() in progress, which a stop() waits for. */
  private starting: Promise<void> | undefined;
  /** Set by stop(): a start still in progress closes what it opened instead of listening. */
  private stopping = false;

  constructor(
    readonly cfg: NorthboundOpcuaConfig,
    readonly deps: NorthboundDeps,
  ) {}

  /** The endpoint URL clients connect to. */
  get endpointUrl(): string {
    return `opc.tcp://${this.cfg.hostname ?? this.cfg.host}:${this.cfg.port}${this.cfg.resourcePath}`;
  }

  async start(ctx: ComponentContext): Promise<void> {
    this.stopping = false;
    const run = this.open(ctx);
    this.starting = run;
    try {
      await run;
    } finally {
      if (this.starting === run) this.starting = undefined;
    }
  }

  private async open(ctx: ComponentContext): Promise<void> {
    const log = ctx.log;
    this.subs = new Subscription();
    routeOpcuaLogs(log);
    // A tokens file's problem fails the start here, with its path.
    const users = new TokenUsers(
      this.deps.tokens(),
      log,
      this.deps.site.api.failedLogins,
      this.deps.now,
    );
    this.users = users;
    const managers = serverCertificateManagers(this.cfg, log, () => {
      this.counts.certificatesRejected += 1;
    });
    const hostname = this.cfg.hostname ?? this.cfg.host;
    const site = this.deps.site.site;
    const server = new OPCUAServer({
      serverCertificateManager: managers.server,
      userCertificateManager: managers.users,
      serverInfo: {
        applicationUri: `urn:heatbridge:${site.id}:opcua-server`,
        productUri: 'urn:heatbridge',
        applicationName: { text: `HeatBridge ${site.name}` },
      },
      buildInfo: { productName: 'HeatBridge', manufacturerName: 'HeatBridge' },
      resourcePath: this.cfg.resourcePath,
      serverCapabilities: { maxSessions: this.cfg.maxSessions },
      allowAnonymous: this.cfg.allowAnonymous,
      userManager: {
        // node-opcua calls it on the session: its secure channel knows the client's address,
        // which the sign-in limit counts failures by.
        isValidUser(this: ServerSession, u: string, p: string): boolean {
          return users.isValidUser(u, p, this.channel?.remoteAddress || 'unknown');
        },
      },
      port: this.cfg.port,
      host: this.cfg.host,
      hostname,
      alternateHostname: [this.cfg.host],
      ...endpointSecurity(this.cfg),
    });
    try {
      await server.initialize();
      if (this.stopping) throw new Error(STOPPED_WHILE_STARTING);
      this.space = this.buildAddressSpace(server, log);
      this.refresh();
      this.follow(log);
      await server.start();
      // Stopped meanwhile (e.g. after a start timeout): nothing else will close this port.
      if (this.stopping) throw new Error(STOPPED_WHILE_STARTING);
    } catch (err) {
      this.subs.unsubscribe();
      await server.shutdown(0).catch(() => undefined);
      throw listenError(err, this.cfg);
    }
    this.server = server;
    log.info(
      {
        endpoint: this.endpointUrl,
        pki: serverPki(this.cfg).root,
        points: this.space.points.size,
        anonymous: this.cfg.allowAnonymous,
        insecure: this.cfg.allowInsecure,
        requests: this.space.requests !== undefined,
      },
      'OPC UA server listening',
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    // A start still in progress settles first (it sees `stopping` and shuts its server down).
    await this.starting?.catch(() => undefined);
    this.subs.unsubscribe();
    const server = this.server;
    this.server = undefined;
    if (server) await server.shutdown(0);
  }

  details(): Record<string, unknown> {
    return {
      endpoint: this.endpointUrl,
      sessions: this.server?.currentSessionCount ?? 0,
      ...this.counts,
      signInsRefused: this.users?.failures ?? 0,
      signInsThrottled: this.users?.throttledRefusals ?? 0,
    };
  }

  private buildAddressSpace(server: OPCUAServer, log: ComponentContext['log']): Space {
    const addressSpace = server.engine.addressSpace;
    if (!addressSpace) throw new Error('OPC UA address space not initialised');
    const ns = addressSpace.getOwnNamespace();
    const msi = this.cfg.minimumSamplingIntervalMs;
    const site = this.deps.site.site;
    const root: UAObject = ns.addObject({
      organizedBy: addressSpace.rootFolder.objects,
      browseName: 'HeatBridge',
      nodeId: 's=HeatBridge',
      description: `HeatBridge site ${site.name}`,
      // The alarms' events reach subscribers of the Server object through it.
      notifierOf: addressSpace.rootFolder.objects.server,
      eventNotifier: 1,
    });
    for (const [name, value] of [
      ['SiteId', site.id],
      ['SiteName', site.name],
    ] as const)
      addInfo(ns, {
        parent: root,
        as: 'property',
        browseName: name,
        nodeId: `s=HeatBridge.${name}`,
        dataType: 'String',
        minimumSamplingInterval: msi,
      }).setValueFromSource(infoVariant('String', value));
    for (const problem of euRangeProblems(this.cfg.euRanges, this.deps.defs)) log.warn(problem);
    const points = new PointNodes({
      ns,
      root,
      defs: this.deps.defs,
      plantDevices: new Set(Object.keys(this.deps.site.devices)),
      euRanges: this.cfg.euRanges,
      minimumSamplingInterval: msi,
    });
    const kpis = new KpiNodes(ns, root, this.deps.kpis(this.deps.now()), msi);
    const alarms = new AlarmNodes(ns, root, msi);
    const gate = this.deps.gate;
    const requests = gate
      ? new RequestNodes({
          ns,
          root,
          gate,
          timeoutMs: this.deps.site.northbound?.requests?.timeoutMs ?? 60_000,
          principalOf: (u) => this.users?.principalOf(u),
          log,
          now: this.deps.now,
          minimumSamplingInterval: msi,
          counted: (ok) => {
            if (ok) this.counts.writesAccepted += 1;
            else this.counts.writesRefused += 1;
          },
        })
      : undefined;
    return { points, kpis, alarms, ...(requests ? { requests } : {}) };
  }

  /**
   * Follows the samples and the alarm transitions, and refreshes what changes with time. Each
   * handler catches its own errors: a throw reaching an RxJS subscriber would end the stream.
   */
  private follow(log: ComponentContext['log']): void {
    const guarded =
      <T>(what: string, f: (x: T) => void) =>
      (x: T): void => {
        try {
          f(x);
        } catch (err) {
          log.error({ err }, `OPC UA server: ${what} failed`);
        }
      };
    this.subs.add(
      this.deps.samples$.subscribe(
        guarded('a sample update', (s) => this.space?.points.update(s, this.deps.now())),
      ),
    );
    // An alarm flood is hundreds of transitions in a moment: one sync per tick shows them all.
    const alarms = this.deps.alarms;
    this.subs.add(
      coalescedSync(
        merge(alarms.transitions$, this.alarmsDue),
        this.deps.scheduler ?? asyncScheduler,
        () =>
          this.space?.alarms.sync(alarms.list(), this.deps.now(), (k) => alarms.get(k)) ?? false,
        (err) => log.error({ err }, 'OPC UA server: an alarm update failed'),
      ),
    );
    this.alarmsDue.next();
    const every = this.cfg.refreshMs ?? this.deps.site.control.cycleMs;
    this.subs.add(
      interval(every, this.deps.scheduler ?? asyncScheduler).subscribe(
        guarded('a refresh', () => this.refresh()),
      ),
    );
  }

  private refresh(): void {
    const space = this.space;
    if (!space) return;
    const now = this.deps.now();
    space.points.refresh(
      (id) => this.deps.latest.get(id),
      (device) => this.deps.mode(device),
      now,
    );
    space.kpis.update(this.deps.kpis(now));
    this.alarmsDue.next();
    space.requests?.refresh();
  }
}

const STOPPED_WHILE_STARTING = 'stopped while starting';

/** A start failure in words: a taken port says which and what moves it. */
export function listenError(
  err: unknown,
  cfg: Pick<NorthboundOpcuaConfig, 'host' | 'port'>,
): unknown {
  const message = err instanceof Error ? err.message : String(err);
  if (!/EADDRINUSE/.test(message)) return err;
  return new Error(
    `${cfg.host}:${cfg.port} is in use by another program: move the server with northbound.opcua.port`,
    { cause: err },
  );
}
