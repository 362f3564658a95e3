import ModbusRTU from 'modbus-serial';
import { guarded, newClient, openClient } from '../adapters/modbus/framed-client';
import {
  MODBUS_ORDERS,
  MODBUS_TABLES,
  MODBUS_TYPES,
  type ModbusTable,
  type ModbusType,
} from '../config/modbus';
import { OPCUA_SECURITY_MODES, OPCUA_SECURITY_POLICIES } from '../config/opcua';
import { decodeValue, wordCount, type Encoding } from '../adapters/modbus/codec';
import { createLogger } from '../log';
import type * as BrowseModule from '../adapters/opcua/browse';
import type { Io } from './commands';

export {
  MODBUS_ORDERS,
  MODBUS_TABLES,
  MODBUS_TYPES,
  OPCUA_SECURITY_MODES,
  OPCUA_SECURITY_POLICIES,
};

/** Where to read, and the value's encoding exactly as a point of a register map has it. */
export interface ModbusReadFlags extends Encoding {
  host: string;
  port: number;
  unit: number;
  register: number;
  table: ModbusTable;
  transport: 'tcp' | 'rtu-over-tcp';
  timeoutMs: number;
}

const hex = (w: number): string => `0x${w.toString(16).padStart(4, '0')}`;

/**
 * Reads one value the way the adapter would and prints the decoded value with the raw registers,
 * so an engineer can check a line of a register map against a device in a minute.
 */
export async function modbusReadCommand(f: ModbusReadFlags, io: Io): Promise<number> {
  const bitTable = f.table === 'coil' || f.table === 'discrete';
  const type: ModbusType = bitTable ? 'bool' : f.type;
  const enc: Encoding = {
    type,
    order: f.order,
    scale: f.scale,
    offset: f.offset,
    ...(f.length !== undefined ? { length: f.length } : {}),
    ...(f.bit !== undefined ? { bit: f.bit } : {}),
  };
  const count = bitTable ? 1 : wordCount(enc);
  // Modbus TCP through the adapters' strict framing: a reply that is no frame, or answers another
  // request, is named as such rather than decoded or left to time out.
  const client =
    f.transport === 'rtu-over-tcp'
      ? new ModbusRTU()
      : newClient({ kind: 'tcp', host: f.host, port: f.port });
  const where = `${f.host}:${f.port} unit ${f.unit}`;
  try {
    if (f.transport === 'rtu-over-tcp') await client.connectTelnet(f.host, { port: f.port });
    else await openClient(client);
  } catch (err) {
    io.err(`cannot connect to ${f.host}:${f.port}: ${(err as Error).message}`);
    return 1;
  }
  try {
    client.setID(f.unit);
    client.setTimeout(f.timeoutMs);
    let raw: (number | boolean)[];
    if (f.table === 'holding')
      raw = (await guarded(client, client.readHoldingRegisters(f.register, count))).data;
    else if (f.table === 'input')
      raw = (await guarded(client, client.readInputRegisters(f.register, count))).data;
    else if (f.table === 'coil')
      raw = (await guarded(client, client.readCoils(f.register, 1))).data.slice(0, 1);
    else raw = (await guarded(client, client.readDiscreteInputs(f.register, 1))).data.slice(0, 1);
    const span = count > 1 ? `${f.register}–${f.register + count - 1}` : `${f.register}`;
    io.out(`${where} ${f.table} ${span} ${type}${count > 1 ? ` ${f.order}` : ''}`);
    if (bitTable) {
      io.out(`value: ${String(raw[0])}`);
    } else {
      const words = raw as number[];
      io.out(`raw:   ${words.map(hex).join(' ')} (${words.join(' ')})`);
      io.out(`value: ${String(decodeValue(words, enc))}`);
    }
    return 0;
  } catch (err) {
    const e = err as Error & { modbusCode?: number };
    io.err(
      `${where}: ${e.message}${e.modbusCode === 2 ? ' (is the register number 0-based?)' : ''}`,
    );
    return 1;
  } finally {
    client.close(() => undefined);
  }
}

export interface OpcuaBrowseFlags {
  securityPolicy: (typeof OPCUA_SECURITY_POLICIES)[number];
  securityMode: (typeof OPCUA_SECURITY_MODES)[number];
  pkiDir: string;
  trustOnFirstUse: boolean;
  user?: string;
  json: boolean;
  maxDepth: number;
  maxNodes: number;
}

/** Loaded on demand: node-opcua takes most of a second to load, which other commands need not pay. */
function loadBrowse(): typeof BrowseModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../adapters/opcua/browse') as typeof BrowseModule;
}

/** Lists an OPC UA server's variables (NodeId, browse path, data type, unit), for a point list. */
export async function opcuaBrowseCommand(
  endpoint: string,
  f: OpcuaBrowseFlags,
  io: Io,
): Promise<number> {
  const { browseVariables, describeConnectError, routeOpcuaLogs } = loadBrowse();
  const password = io.env.HEATBRIDGE_OPCUA_PASSWORD;
  if (f.user && !password) {
    io.err('--user needs the password in the environment variable HEATBRIDGE_OPCUA_PASSWORD');
    return 2;
  }
  // node-opcua's own warnings (a page per untrusted certificate) only at debug level here; the
  // command says what went wrong in one line.
  routeOpcuaLogs(createLogger({ level: 'error', destination: process.stderr }));
  try {
    const { user, ...rest } = f;
    const vars = await browseVariables(endpoint, {
      ...rest,
      ...(user ? { user: { username: user, password: password! } } : {}),
      progress: (n) => io.err(`… ${n} nodes browsed`),
    });
    if (f.json) {
      io.out(JSON.stringify(vars, null, 2));
    } else {
      const rows = [
        ['NodeId', 'browse path', 'data type', 'unit'],
        ...vars.map((v) => [v.nodeId, v.browsePath, v.dataType, v.unit ?? '']),
      ];
      const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
      for (const r of rows)
        io.out(
          r
            .map((cell, c) => cell.padEnd(widths[c]!))
            .join('  ')
            .trimEnd(),
        );
      io.err(`${vars.length} variables`);
    }
    return 0;
  } catch (err) {
    io.err(
      `cannot browse ${endpoint}: ${describeConnectError(err, f)}${/BadCertificateUntrusted/.test(String(err)) ? ' — or use --trust-on-first-use' : ''}`,
    );
    return 1;
  }
}
