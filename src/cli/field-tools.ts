import ModbusRTU from 'modbus-serial';
import { guardedCall, newClient, openClient } from '../adapters/modbus/framed-client';
import { sendRead } from '../adapters/modbus/wire';
import {
  MODBUS_ORDERS,
  MODBUS_TABLES,
  MODBUS_TYPES,
  type ModbusTable,
  type ModbusType,
} from '../config/modbus';
import { OPCUA_SECURITY_MODES, OPCUA_SECURITY_POLICIES } from '../config/opcua';
import { decodeRaw, decodeValue, wordCount, type Encoding } from '../adapters/modbus/codec';
import { decimalsOf, formatAtResolution } from '../domain/resolution';
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

/** The shortest decimal that is still this float32: 2705.448, not 2705.447998046875. */
function float32Text(x: number): string {
  for (let digits = 1; digits <= 9; digits++) {
    const shortest = Number(x.toPrecision(digits));
    if (Math.fround(shortest) === x) return String(shortest);
  }
  return String(x);
}

/**
 * A decoded register value as an engineer reads it. An ad-hoc read has no point definition and
 * so no configured resolution: the value is as fine as the raw number and the scale make it
 * (raw 419 × 0.1 → 41.9, not 41.900000000000006; a float32 to the digits it holds).
 */
export function registerValueText(words: readonly number[], enc: Encoding): string {
  const raw = decodeRaw(words, enc);
  if (typeof raw !== 'number') return String(decodeValue(words, enc));
  const rawText = enc.type === 'float32' ? float32Text(raw) : String(raw);
  if (enc.scale === 1 && enc.offset === 0) return rawText;
  const value = Number(rawText) * enc.scale + enc.offset;
  if (/e/i.test(rawText)) return String(Number(value.toPrecision(15)));
  const rawDecimals = rawText.split('.')[1]?.length ?? 0;
  const decimals = Math.max(
    rawDecimals + decimalsOf(Math.abs(enc.scale)),
    decimalsOf(Math.abs(enc.offset)),
  );
  return formatAtResolution(value, { unit: 'count', resolution: 10 ** -Math.min(decimals, 9) });
}

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
    client.setTimeout(f.timeoutMs);
    // The adapter's own read (FC 1 to 4 by table); a bit read answers a whole byte of bits.
    const read = { unitId: f.unit, table: f.table, start: f.register, count, points: [] };
    const reply = await guardedCall<(number | boolean)[]>(client, (done) =>
      sendRead(client, read, done),
    );
    const raw = bitTable ? reply.slice(0, 1) : reply;
    const span = count > 1 ? `${f.register}–${f.register + count - 1}` : `${f.register}`;
    io.out(`${where} ${f.table} ${span} ${type}${count > 1 ? ` ${f.order}` : ''}`);
    if (bitTable) {
      io.out(`value: ${String(raw[0])}`);
    } else {
      const words = raw as number[];
      io.out(`raw:   ${words.map(hex).join(' ')} (${words.join(' ')})`);
      io.out(`value: ${registerValueText(words, enc)}`);
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
  /** Absent (with the mode): the most secure endpoint the server offers that we can use. */
  securityPolicy?: (typeof OPCUA_SECURITY_POLICIES)[number];
  securityMode?: (typeof OPCUA_SECURITY_MODES)[number];
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

/** Columns padded to their widest cell. */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * Lists an OPC UA server's variables (NodeId, browse path, data type, access, unit, range), for a
 * point list. Says on stderr which security it browsed over, and why when it is not the most
 * secure the server offers.
 */
export async function opcuaBrowseCommand(
  endpoint: string,
  f: OpcuaBrowseFlags,
  io: Io,
): Promise<number> {
  const { browseVariables, routeOpcuaLogs } = loadBrowse();
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
    const browsed = await browseVariables(endpoint, {
      ...rest,
      ...(user ? { user: { username: user, password: password! } } : {}),
      progress: (n) => io.err(`… ${n} nodes browsed`),
    });
    const vars = browsed.variables;
    if (f.json) {
      io.out(JSON.stringify(vars, null, 2));
    } else {
      const rows = [
        ['NodeId', 'browse path', 'data type', 'access', 'unit', 'range'],
        ...vars.map((v) => [
          v.nodeId,
          v.browsePath,
          v.dataType,
          v.access,
          v.unit ?? '',
          v.range ? `${v.range.low} – ${v.range.high}` : '',
        ]),
      ];
      for (const line of table(rows)) io.out(line);
    }
    if (browsed.note) io.err(`note: ${browsed.note}`);
    io.err(
      `${vars.length} variables (security ${browsed.security.policy} ${browsed.security.mode})`,
    );
    return 0;
  } catch (err) {
    io.err(`cannot browse ${endpoint}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
