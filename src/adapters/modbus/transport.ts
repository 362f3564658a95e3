import type { ModbusDeviceConfig } from '../../config/modbus';

/** Where a connection goes: one TCP endpoint, one serial line, one RTU-over-TCP gateway. */
export type ModbusTransport =
  | { kind: 'tcp' | 'rtu-over-tcp'; host: string; port: number }
  | {
      kind: 'rtu';
      path: string;
      baudRate: number;
      parity: 'none' | 'even' | 'odd';
      dataBits: number;
      stopBits: number;
    };

export function transportOf(cfg: ModbusDeviceConfig): ModbusTransport {
  if (cfg.transport === 'rtu') {
    const s = cfg.serial!;
    return {
      kind: 'rtu',
      path: s.path,
      baudRate: s.baudRate,
      parity: s.parity,
      dataBits: s.dataBits,
      stopBits: s.stopBits,
    };
  }
  return { kind: cfg.transport, host: cfg.host!, port: cfg.port };
}

/** Devices with the same key share one connection (and the adapter's name: `modbus <key>`). */
export function transportKey(t: ModbusTransport): string {
  return t.kind === 'rtu' ? `rtu:${t.path}` : `${t.kind}:${t.host}:${t.port}`;
}
