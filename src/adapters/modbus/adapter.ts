import type { SiteConfig } from '../../config';
import type { ModbusDeviceConfig } from '../../config/modbus';
import type { PointId } from '../../domain/point-id';
import type { SampleValue } from '../../domain/sample';
import type { ComponentContext } from '../../runtime/component';
import { AdapterBase, type AdapterIdentity, type FieldAdapter } from '../adapter';
import { checkEncodable } from './codec';
import { ModbusConnection } from './connection';
import { modbusDevice, type ModbusDeviceRuntime, type ModbusPoint } from './points';
import { transportKey, transportOf, type ModbusTransport } from './transport';

/**
 * The Modbus devices behind one connection, as a component: polls them, emits their samples,
 * executes guarded writes. Devices on the same transport, host and port (or serial line) share
 * one connection and one request queue, as they share one wire.
 */
export class ModbusAdapter extends AdapterBase implements FieldAdapter {
  /** The connection itself (queue, polls, reconnects), while started. */
  private link: ModbusConnection | undefined;
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
    this.link = new ModbusConnection({
      transport: this.transport,
      connectTimeoutMs: Math.max(...this.configs.map(([, c]) => c.timeoutMs), 1000) * 3,
      reconnect: first.reconnect,
      // One connection, one count: the strictest of the devices that share it.
      reconnectAfterTimeouts: Math.min(...this.configs.map(([, c]) => c.reconnectAfterTimeouts)),
      devices: this.devices,
      log: ctx.log,
      now: this.now,
      emit: (s) => this.emit(s),
      report: (state, message) => ctx.report(state, message),
    });
    // Polling starts now; a device that is down makes the adapter degraded, not failed: it keeps
    // reconnecting in the background.
    this.link.start();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    await this.link?.stop();
    this.link = undefined;
    this.endSamples();
  }

  write(id: PointId, value: SampleValue): Promise<void> {
    if (!this.link) return Promise.reject(new Error(`${this.name} is not running`));
    return this.link.write(id, value);
  }

  details(): Record<string, unknown> {
    return { devices: this.deviceNames, ...(this.link?.snapshot() ?? {}) };
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
