import type { SiteConfig } from '../../config';
import type { ModbusDeviceConfig } from '../../config/modbus';
import type { PointId } from '../../domain/point-id';
import type { SampleValue } from '../../domain/sample';
import type { ComponentContext } from '../../runtime/component';
import { AdapterBase, type AdapterIdentity, type FieldAdapter } from '../adapter';
import { checkEncodable } from './codec';
import { ModbusConnection } from './connection';
import { modbusDevice, type ModbusDeviceRuntime, type ModbusPoint } from './points';
import { mergeSnapshots, shardDevice } from './shards';
import { transportKey, transportOf, type ModbusTransport } from './transport';

/**
 * The Modbus devices behind one connection, as a component: polls them, emits their samples,
 * executes guarded writes. Devices on the same transport, host and port (or serial line) share
 * one connection and one request queue, as they share one wire.
 */
export class ModbusAdapter extends AdapterBase implements FieldAdapter {
  /**
   * The connections (queue, polls, reconnects), while started: one, or `connections` of them,
   * each polling its share of every device's points (shards.ts).
   */
  private links: ModbusConnection[] = [];
  /** Each point's connection, by its index in `links`. */
  private readonly linkOf = new Map<PointId, number>();
  /** Each connection's health as it last reported it: the adapter is degraded if one is. */
  private linkHealth: { state: 'running' | 'degraded'; message?: string }[] = [];
  private readonly devices: ModbusDeviceRuntime[];
  private readonly points = new Map<PointId, ModbusPoint>();

  constructor(
    private readonly transport: ModbusTransport,
    private readonly configs: readonly [string, ModbusDeviceConfig][],
    private readonly now: () => number = Date.now,
  ) {
    super('modbus', configs[0]![0], `modbus ${transportKey(transport)}`);
    this.devices = configs.map(([name, cfg]) => modbusDevice(name, cfg));
    for (const d of this.devices) for (const p of d.points) this.points.set(p.key, p);
  }

  get deviceNames(): string[] {
    return this.devices.map((d) => d.name);
  }

  identity(): AdapterIdentity {
    const t = this.transport;
    return {
      protocol: this.protocol,
      connection: this.connection,
      transport: t.kind,
      ...(t.kind === 'rtu' ? { path: t.path } : { host: t.host, port: t.port }),
      devices: this.deviceNames,
    };
  }

  owns(id: PointId): boolean {
    return this.points.has(id);
  }

  /**
   * Whether the point's register holds the value exactly (DeviceAdapter.checkValue): its type,
   * scale and range; a coil holds true or false. Known from the site file, so before connecting.
   */
  checkValue(id: PointId, value: SampleValue): string | undefined {
    const p = this.points.get(id);
    if (!p) return undefined;
    if (p.table === 'coil' || p.table === 'discrete')
      return checkEncodable(value, { ...p.encoding, type: 'bool' });
    return checkEncodable(value, p.encoding);
  }

  start(ctx: ComponentContext): Promise<void> {
    const first = this.configs[0]![1];
    // The site file's check holds every device on one endpoint to the same number.
    const shards = this.devices.map((d) => shardDevice(d, first.connections));
    // A connection with no point to poll is not opened (fewer points than connections).
    const perLink = Array.from({ length: first.connections }, (_, i) =>
      shards.map((s) => s[i]!).filter((d) => d.points.length > 0),
    ).filter((devices) => devices.length > 0);
    const n = perLink.length;
    // Alike for every connection: the devices behind them are the same.
    const connectTimeoutMs = Math.max(...this.configs.map(([, c]) => c.timeoutMs), 1000) * 3;
    // One connection, one count: the strictest of the devices that share it.
    const reconnectAfterTimeouts = Math.min(
      ...this.configs.map(([, c]) => c.reconnectAfterTimeouts),
    );
    this.linkHealth = Array.from({ length: n }, () => ({ state: 'running' as const }));
    this.links = perLink.map((devices, i) => {
      for (const d of devices) for (const p of d.points) this.linkOf.set(p.key, i);
      return new ModbusConnection({
        transport: this.transport,
        index: { of: i + 1, n },
        connectTimeoutMs,
        reconnect: first.reconnect,
        reconnectAfterTimeouts,
        devices,
        log: ctx.log,
        now: this.now,
        emit: (samples) => this.emitBatch(samples),
        report: (state, message) => {
          this.linkHealth[i] = { state, ...(message !== undefined ? { message } : {}) };
          const degraded = this.linkHealth.filter((h) => h.state === 'degraded');
          if (degraded.length === 0) ctx.report('running');
          else
            ctx.report(
              'degraded',
              degraded
                .map((h) => h.message)
                .filter(Boolean)
                .join('; '),
            );
        },
      });
    });
    // Polling starts now; a device that is down makes the adapter degraded, not failed: it keeps
    // reconnecting in the background.
    for (const link of this.links) link.start();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    await Promise.all(this.links.map((l) => l.stop()));
    this.links = [];
    this.endSamples();
  }

  write(id: PointId, value: SampleValue): Promise<void> {
    const link = this.links[this.linkOf.get(id) ?? 0];
    if (!link) return Promise.reject(new Error(`${this.name} is not running`));
    return link.write(id, value);
  }

  details(): Record<string, unknown> {
    if (this.links.length === 0) return { devices: this.deviceNames };
    return { devices: this.deviceNames, ...mergeSnapshots(this.links.map((l) => l.snapshot())) };
  }
}

/** One adapter per Modbus connection of the site (enabled devices only). */
export function createModbusAdapters(
  site: Pick<SiteConfig, 'devices'>,
  now: () => number = Date.now,
): ModbusAdapter[] {
  const groups = new Map<
    string,
    { transport: ModbusTransport; devices: [string, ModbusDeviceConfig][] }
  >();
  for (const [name, d] of Object.entries(site.devices)) {
    if (d.protocol !== 'modbus' || !d.enabled) continue;
    const transport = transportOf(d);
    const key = transportKey(transport);
    const group = groups.get(key) ?? { transport, devices: [] };
    group.devices.push([name, d]);
    groups.set(key, group);
  }
  return [...groups.values()].map((g) => new ModbusAdapter(g.transport, g.devices, now));
}
