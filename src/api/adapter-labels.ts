import type { AdapterIdentity } from '../adapters/adapter';
import { createAdapters } from '../adapters/registry';
import type { DeviceConfig } from '../config';

/**
 * Transitional, for a caller of `Metrics` that does not pass the adapters yet: each field
 * adapter's identity by its component name, asked of adapters built (not started) from the
 * site's devices, so the labels come from the adapters' own code. Goes once the API passes the
 * running adapters.
 */
export function adapterIdentities(
  devices: Readonly<Record<string, DeviceConfig>>,
): Map<string, AdapterIdentity> {
  return new Map(createAdapters({ devices }).map((a) => [a.name, a.identity()]));
}
