import type { Server } from 'node:http';
import type { SiteConfig } from '../src/config';
import type { ModbusDeviceConfig, OpcuaDeviceConfig } from '../src/config';
import type { Logger } from '../src/log';
import { listenError } from '../src/util/listen-error';
import { createAdminApp, listenAdmin, portOf } from './admin/server';
import { DEMO_PARAMS, type PlantParams } from './model/params';
import { REGISTER_MAPS, type DeviceKind } from './modbus/register-map';
import { SimModbusServer, type UnitBinding } from './modbus/server';
import { HallOpcuaServer, parseEndpoint } from './opcua/hall-server';
import { Simulation } from './simulation';
import { ForecastWriter } from './forecast-writer';
import { DEFAULT_WEATHER_FILE, hourlyCsvWeather, type WeatherSource } from './weather';

const KIND_OF: Record<string, DeviceKind> = {
  plant: 'plant',
  hp1: 'heat-pump',
  hp2: 'heat-pump',
  dh: 'district',
};

export interface SimHostOptions {
  site: SiteConfig;
  log: Logger;
  /** Simulated start time (default: now). */
  startTime?: number;
  /** Overrides of the config's simulation settings (command-line flags, tests). */
  speed?: number;
  seed?: number;
  adminPort?: number;
  weather?: WeatherSource;
  /** Step in real time × speed; off for tests that step the model themselves. */
  realtime?: boolean;
}

/**
 * Everything `heatbridge sim` runs: the plant model, an OPC UA server per simulated hall, a
 * Modbus TCP server per host:port (several units each), and the loopback admin API. Built from
 * the site config's devices and its `simulation` section.
 */
export class SimHost {
  readonly sim: Simulation;
  readonly opcua: HallOpcuaServer[] = [];
  readonly modbus: SimModbusServer[] = [];
  private admin: Server | undefined;
  private readonly speed: number;
  private readonly adminPort: number;
  private readonly realtime: boolean;
  private forecast: ForecastWriter | undefined;

  constructor(private readonly opts: SimHostOptions) {
    const cfg = opts.site.simulation;
    if (!cfg) throw new Error('the site config has no simulation section: nothing to simulate');
    const log = opts.log;
    const params: PlantParams = {
      ...DEMO_PARAMS,
      watchdog: { timeoutS: cfg.watchdogTimeoutMs / 1000 },
      counterStartKwh: cfg.counterStartKwh,
    };
    let weather = opts.weather;
    if (!weather) {
      const series = hourlyCsvWeather(cfg.weather ?? DEFAULT_WEATHER_FILE);
      if (series.gaps.length > 0) {
        log.warn(
          { gaps: series.gaps },
          `weather file has ${series.gaps.length} blank hours; interpolating them`,
        );
      }
      weather = series;
    }
    const protocolOf: Record<string, 'opcua' | 'modbus'> = {};
    for (const device of Object.keys(cfg.equipment)) {
      const d = opts.site.devices[device];
      if (d) protocolOf[device] = d.protocol;
    }
    this.sim = new Simulation({
      params,
      weather,
      seed: opts.seed ?? cfg.seed,
      startTime: opts.startTime ?? Date.now(),
      equipmentOf: cfg.equipment,
      protocolOf,
    });
    this.speed = opts.speed ?? cfg.speed;
    this.adminPort = opts.adminPort ?? cfg.adminPort;
    this.realtime = opts.realtime ?? true;

    const byPort = new Map<string, { host: string; port: number; units: UnitBinding[] }>();
    for (const [device, equipment] of Object.entries(cfg.equipment)) {
      const d = opts.site.devices[device];
      if (!d) continue;
      if (equipment === 'hall') {
        const opc = d as OpcuaDeviceConfig;
        this.opcua.push(
          new HallOpcuaServer(
            this.sim,
            {
              endpoint: opc.endpoint,
              device,
              pkiDir: cfg.opcua.pkiDir,
              allowAnonymous: cfg.opcua.allowAnonymous,
              users: cfg.opcua.users,
            },
            log.child({ sim: device }),
          ),
        );
        continue;
      }
      const mb = d as ModbusDeviceConfig;
      if (mb.transport === 'rtu' || !mb.host) {
        throw new Error(`device ${device}: the simulators serve Modbus TCP only`);
      }
      const key = `${mb.host}:${mb.port}`;
      const group = byPort.get(key) ?? { host: mb.host, port: mb.port, units: [] };
      group.units.push({
        unitId: mb.unitId,
        device,
        equipment,
        map: REGISTER_MAPS[KIND_OF[equipment]!],
      });
      byPort.set(key, group);
    }
    for (const g of byPort.values()) {
      this.modbus.push(
        new SimModbusServer(
          this.sim,
          g.host,
          g.port,
          g.units,
          log.child({ sim: `modbus:${g.port}` }),
        ),
      );
    }
  }

  /** The admin API's port (useful when configured as 0). */
  get adminPortInUse(): number | undefined {
    return this.admin ? portOf(this.admin) : undefined;
  }

  async start(): Promise<void> {
    try {
      await Promise.all([
        ...this.opcua.map((s) =>
          s.start().catch((err: unknown) => {
            // node-opcua's own "listen EADDRINUSE …": said as every listener says it.
            const d = this.opts.site.devices[s.device] as OpcuaDeviceConfig;
            const { host, port } = parseEndpoint(d.endpoint);
            throw listenError(err, {
              host,
              port,
              what: `the simulated OPC UA server of ${s.device}`,
            });
          }),
        ),
        ...this.modbus.map((s) => s.start()),
      ]);
      const app = createAdminApp(
        this.sim,
        () => this.applyOfflineFaults(),
        this.opts.log.child({ sim: 'admin' }),
      );
      this.admin = await listenAdmin(app, this.adminPort);
    } catch (err) {
      await this.stop();
      throw err;
    }
    if (this.realtime) this.sim.runRealtime(this.speed);
    const forecastFile = this.opts.site.simulation?.forecastFile;
    if (forecastFile) {
      this.forecast = new ForecastWriter(this.sim, forecastFile);
      try {
        this.forecast.start();
      } catch (err) {
        this.opts.log.warn(
          { file: forecastFile, err: (err as Error).message },
          'cannot write the simulated weather forecast; the heat signal stays neutral',
        );
      }
    }
    this.opts.log.info(
      {
        speed: this.speed,
        admin: `http://127.0.0.1:${this.adminPortInUse}/`,
        modbus: this.modbus.map((m) => m.port),
        opcua: this.opcua.map((o) => o.device),
      },
      'plant simulators running',
    );
  }

  async stop(): Promise<void> {
    this.forecast?.stop();
    this.sim.stopRealtime();
    const admin = this.admin;
    this.admin = undefined;
    if (admin) {
      admin.closeAllConnections();
      await new Promise<void>((resolve) => admin.close(() => resolve()));
    }
    await Promise.all([...this.opcua.map((s) => s.stop()), ...this.modbus.map((s) => s.stop())]);
  }

  /** Closes the ports of devices with an `offline` fault and reopens the others. */
  async applyOfflineFaults(): Promise<void> {
    const offline = new Set(
      this.sim.faults().flatMap((f) => (f.kind === 'offline' ? [f.device] : [])),
    );
    const servers: {
      devices: string[];
      listening: boolean;
      start(): Promise<void>;
      stop(): Promise<void>;
    }[] = [
      ...this.opcua.map((s) => ({
        devices: [s.device],
        listening: s.listening,
        start: () => s.start(),
        stop: () => s.stop(),
      })),
      ...this.modbus.map((s) => ({
        devices: s.devices,
        listening: s.listening,
        start: () => s.start(),
        stop: () => s.stop(),
      })),
    ];
    for (const s of servers) {
      const down = s.devices.some((d) => offline.has(d));
      if (down && s.listening) await s.stop();
      if (!down && !s.listening) await s.start();
    }
  }
}
