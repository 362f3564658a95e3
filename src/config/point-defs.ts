import type { PointDef } from '../domain/point';
import { pointId, type PointId } from '../domain/point-id';
import { staleWindowMs } from '../domain/stale';
import { opcuaExpectedPeriodMs, type OpcuaPointConfig } from './opcua';
import type { DeviceConfig, SiteConfig } from './site';

/** How often a device delivers fresh values, which sets its points' default stale window. */
function expectedPeriodMs(device: DeviceConfig, point: DeviceConfig['points'][number]): number {
  if (device.protocol === 'modbus') return device.pollIntervalMs;
  return opcuaExpectedPeriodMs(device, point as OpcuaPointConfig);
}

/** The protocol-independent definitions of every point of every enabled device. */
export function buildPointDefs(site: SiteConfig): Map<PointId, PointDef> {
  const defs = new Map<PointId, PointDef>();
  for (const [deviceName, device] of Object.entries(site.devices)) {
    if (!device.enabled) continue;
    for (const p of device.points) {
      const id = pointId(deviceName, p.name);
      const period = expectedPeriodMs(device, p);
      defs.set(id, {
        id,
        device: deviceName,
        name: p.name,
        unit: p.unit,
        kind: p.kind,
        access: p.access,
        ...(p.bounds ? { bounds: p.bounds } : {}),
        historian: p.historian,
        expectedPeriodMs: period,
        staleAfterMs: staleWindowMs(period, p.staleAfterMs),
        ...(p.description ? { description: p.description } : {}),
        ...(p.resolution !== undefined ? { resolution: p.resolution } : {}),
      });
    }
  }
  return defs;
}
