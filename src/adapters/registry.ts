import type { DeviceConfig, SiteConfig } from '../config';
import type { FieldAdapter, Protocol } from './adapter';
import type * as Modbus from './modbus/adapter';
import type * as Opcua from './opcua/adapter';

export interface AdapterOptions {
  /** The clock samples are stamped with (default: real time). */
  now?: () => number;
}

/**
 * Builds the adapters of one protocol for a site: one per connection, for the enabled devices of
 * that protocol. Called only when the site has at least one.
 */
export type AdapterFactory = (site: SiteDevices, opts: Required<AdapterOptions>) => FieldAdapter[];

/** All a factory reads of the site: its devices. */
export type SiteDevices = Pick<SiteConfig, 'devices'>;

/* eslint-disable @typescript-eslint/no-require-imports --
 * Each protocol's module is loaded when a site first has a device of it, not before: node-opcua
 * alone takes most of a second to load, which a Modbus-only site (and every CLI command) need not
 * pay. A static import here would load them all with the registry. */
/**
 * Every protocol HeatBridge speaks, keyed by a device's `protocol` in the site file. A new
 * protocol is its folder under src/adapters and one line here (docs/adapters.md, "Adding a
 * protocol"); its device schema joins the site file's union in src/config/site.ts.
 */
export const ADAPTER_FACTORIES: { readonly [P in Protocol]: AdapterFactory } = {
  modbus: (site, { now }) =>
    (require('./modbus/adapter') as typeof Modbus).createModbusAdapters(site, now),
  opcua: (site, { now }) =>
    (require('./opcua/adapter') as typeof Opcua).createOpcuaAdapters(site.devices, { now }),
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** The protocols the site's enabled devices speak, in the registry's order. */
export function protocolsOf(devices: Readonly<Record<string, DeviceConfig>>): Protocol[] {
  const used = new Set(
    Object.values(devices)
      .filter((d) => d.enabled)
      .map((d) => d.protocol),
  );
  return (Object.keys(ADAPTER_FACTORIES) as Protocol[]).filter((p) => used.has(p));
}

/**
 * The site's field adapters, every protocol's, through the registry: the modules of protocols
 * the site does not use are never loaded.
 */
export function createAdapters(site: SiteDevices, opts: AdapterOptions = {}): FieldAdapter[] {
  const now = opts.now ?? Date.now;
  return protocolsOf(site.devices).flatMap((p) => ADAPTER_FACTORIES[p](site, { now }));
}
