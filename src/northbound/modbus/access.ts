import { BlockList, isIP } from 'node:net';
import type { NorthboundModbusConfig } from '../../config/northbound-modbus';
import type { ScadaCaller } from '../scada-gate';

/**
 * Who may use the northbound Modbus server. Modbus has no authentication: the client's address
 * is all there is. Readers (addresses or subnets) may connect and read; each writer is one
 * address with a name and a role, and may read as well. A connection from anyone else is closed
 * at once; a write from a reader that is not a writer is refused (exception 01).
 */
export class ModbusAccess {
  private readonly readers = new BlockList();
  private readonly writers = new Map<string, ScadaCaller>();

  constructor(cfg: Pick<NorthboundModbusConfig, 'readers' | 'writers'>) {
    for (const entry of cfg.readers) {
      const [addr, bits] = entry.split('/') as [string, string | undefined];
      const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.readers.addAddress(addr, type);
      else this.readers.addSubnet(addr, Number(bits), type);
    }
    for (const w of cfg.writers)
      this.writers.set(normalAddress(w.address), {
        name: w.name,
        role: w.role,
        via: 'modbus',
        from: w.address,
      });
  }

  /** May a client from this address connect (and read)? */
  mayConnect(address: string | undefined): boolean {
    if (!address) return false;
    const addr = normalAddress(address);
    if (this.writers.has(addr)) return true;
    return this.readers.check(addr, isIP(addr) === 6 ? 'ipv6' : 'ipv4');
  }

  /** The gate's caller for a client from this address, if it is a writer. */
  writer(address: string | undefined): ScadaCaller | undefined {
    return address ? this.writers.get(normalAddress(address)) : undefined;
  }
}

/** An IPv4 client on a dual-stack socket shows as `::ffff:10.0.0.5`: compare it as `10.0.0.5`. */
export function normalAddress(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address.toLowerCase();
}
