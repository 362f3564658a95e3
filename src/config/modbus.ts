import { z } from 'zod';
import { UNITS } from '../domain/units';
import {
  ALWAYS,
  durationMs,
  enumOf,
  finiteNumber,
  hostSchema,
  intBetween,
  isOneOf,
  portSchema,
} from './common';
import { basePointFields } from './points';
import { reconnectSchema } from './reconnect';

export const MODBUS_TABLES = ['coil', 'discrete', 'input', 'holding'] as const;
export type ModbusTable = (typeof MODBUS_TABLES)[number];

export const MODBUS_TYPES = [
  'bool', // a coil or discrete input
  'bit', // one bit of a 16-bit register (`bit: 0..15`, 0 = least significant)
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'float32',
  'float64',
  'string', // `length` registers, two ASCII characters each, high byte first
] as const;
export type ModbusType = (typeof MODBUS_TYPES)[number];

/**
 * Byte order of a multi-register value, written as the order of the bytes A (most significant)
 * to D as they arrive on the wire: ABCD big-endian (the Modbus default), CDAB word-swapped
 * (common on PLCs and meters), BADC byte-swapped, DCBA little-endian. For 64-bit values the
 * pattern extends word-wise (CDAB swaps words pairwise in each 32-bit half and the halves).
 */
export const MODBUS_ORDERS = ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const;
export type ModbusOrder = (typeof MODBUS_ORDERS)[number];

/** Registers a value of this type occupies (string: its `length`). */
export function registerCount(type: ModbusType, length?: number): number {
  switch (type) {
    case 'int32':
    case 'uint32':
    case 'float32':
      return 2;
    case 'int64':
    case 'uint64':
    case 'float64':
      return 4;
    case 'string':
      return length ?? 1;
    default:
      return 1;
  }
}

const unitIdSchema = intBetween(0, 255, 'a unit id from 0 to 255');

export const modbusPointSchema = z
  .strictObject({
    ...basePointFields,
    table: enumOf(MODBUS_TABLES, 'a register table'),
    /** 0-based protocol address, as on the wire (Modicon 40001 is holding register 0). */
    register: intBetween(0, 65535, 'an integer ≥ 0 (a 0-based address up to 65535)'),
    type: enumOf(MODBUS_TYPES, 'a data type'),
    /** Overrides the device's byte order for this point. */
    order: enumOf(MODBUS_ORDERS, 'a byte order').optional(),
    /** Engineering value = raw × scale + offset (and raw = (value − offset) / scale on write). */
    scale: finiteNumber.refine((s) => s !== 0, { error: 'scale must not be 0' }).default(1),
    offset: finiteNumber.default(0),
    bit: intBetween(0, 15, 'a bit number from 0 to 15').optional(),
    /** Registers of a string point. */
    length: intBetween(1, 125, 'a register count from 1 to 125').optional(),
    /** Overrides the device's unit id for this point (several units behind one gateway). */
    unitId: unitIdSchema.optional(),
  })
  .superRefine(checkModbusPoint, ALWAYS);

/** Rules that span fields of one point; each applies only when the fields it reads are valid. */
function checkModbusPoint(raw: Partial<Record<string, unknown>>, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string): void =>
    ctx.addIssue({ code: 'custom', path: [path], message });
  const table = isOneOf(MODBUS_TABLES, raw.table) ? raw.table : undefined;
  const type = isOneOf(MODBUS_TYPES, raw.type) ? raw.type : undefined;
  const unit = typeof raw.unit === 'string' ? raw.unit : undefined;
  const bitTable = table === 'coil' || table === 'discrete';
  if (table && type) {
    if (bitTable && type !== 'bool') issue('type', `a ${table} is type bool`);
    if (!bitTable && type === 'bool') {
      issue('type', 'type bool is for coils and discrete inputs; use bit for a bit of a register');
    }
  }
  if (type === 'bit' && raw.bit === undefined) issue('bit', 'type bit needs bit: 0..15');
  if (type && type !== 'bit' && raw.bit !== undefined) issue('bit', 'bit is only for type bit');
  if (type === 'string' && raw.length === undefined)
    issue('length', 'type string needs length (registers)');
  if (type && isOneOf(UNITS, unit)) {
    const boolType = type === 'bool' || type === 'bit';
    if (boolType !== (unit === 'bool')) {
      issue('unit', boolType ? `type ${type} has unit bool` : 'unit bool needs type bool or bit');
    }
    if ((type === 'string') !== (unit === 'text')) {
      issue(
        'unit',
        type === 'string' ? 'type string has unit text' : 'unit text needs type string',
      );
    }
  }
  if ((raw.access === 'w' || raw.access === 'rw') && (table === 'discrete' || table === 'input')) {
    issue(
      'access',
      `${table} ${table === 'input' ? 'registers are' : 'inputs are'} read-only in Modbus; only coils and holding registers are writable`,
    );
  }
  if (type && typeof raw.register === 'number') {
    const length = typeof raw.length === 'number' ? raw.length : undefined;
    if (raw.register + registerCount(type, length) > 65536) {
      issue('register', 'value runs past register 65535');
    }
  }
}

const serialSchema = z.strictObject({
  /** Serial device, e.g. /dev/ttyUSB0. */
  path: z.string().min(1),
  baudRate: intBetween(300, 921600, 'a baud rate').default(9600),
  parity: enumOf(['none', 'even', 'odd'] as const, 'a parity').default('even'),
  dataBits: intBetween(7, 8).default(8),
  stopBits: intBetween(1, 2).default(1),
});

export const modbusDeviceSchema = z
  .strictObject({
    protocol: z.literal('modbus'),
    description: z.string().optional(),
    enabled: z.boolean().default(true),
    /** tcp: Modbus TCP; rtu: RTU on a serial line; rtu-over-tcp: RTU frames through a TCP gateway. */
    transport: enumOf(['tcp', 'rtu', 'rtu-over-tcp'] as const, 'a transport').default('tcp'),
    host: hostSchema.optional(),
    port: portSchema.default(502),
    serial: serialSchema.optional(),
    unitId: unitIdSchema.default(1),
    pollIntervalMs: durationMs(10).default(1000),
    timeoutMs: durationMs(10).default(1000),
    /** Registers a read may span across unused addresses to merge two points into one request. */
    maxGap: intBetween(0, 124).default(8),
    maxRegistersPerRead: intBetween(1, 125).default(125),
    byteOrder: enumOf(MODBUS_ORDERS, 'a byte order').default('ABCD'),
    /** Write single registers and coils with FC 16 and 15 too, for devices without FC 6 and 5. */
    multipleWritesOnly: z.boolean().default(false),
    reconnect: reconnectSchema.default({ initialDelayMs: 1000, maxDelayMs: 30000 }),
    /**
     * Requests in a row without an answer after which an open connection is dropped and
     * re-created (a stream that lost its frame boundary answers nothing more).
     */
    reconnectAfterTimeouts: intBetween(1, 1000).default(3),
    /**
     * Requests a poll keeps on the wire at once (Modbus TCP only: its transaction ids tell the
     * replies apart). 1, the default, suits every device; many servers and gateways take more,
     * which saves a round trip per request (docs/adapters.md).
     */
    maxInFlight: intBetween(1, 64).default(1),
    /**
     * TCP connections to the device, its points split over them (Modbus TCP only): for a server
     * that answers each connection on its own but one request at a time per connection. Devices
     * on one host and port share them, so they must agree (docs/adapters.md).
     */
    connections: intBetween(1, 16).default(1),
    points: z.array(modbusPointSchema).min(1, { error: 'expected at least one point' }),
  })
  .superRefine((d, ctx) => {
    const transport: unknown = d.transport ?? 'tcp';
    if (transport === 'rtu' && d.serial === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['serial'],
        message: 'transport rtu needs serial: { path }',
      });
    }
    if (transport !== 'tcp' && (d.maxInFlight ?? 1) > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxInFlight'],
        message: `maxInFlight above 1 needs transport tcp (${String(transport)} frames carry no transaction id to match a reply to its request)`,
      });
    }
    if (transport !== 'tcp' && (d.connections ?? 1) > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['connections'],
        message: `connections above 1 needs transport tcp (${String(transport)} goes over one line or gateway, one request at a time)`,
      });
    }
    if ((transport === 'tcp' || transport === 'rtu-over-tcp') && d.host === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['host'],
        message: `transport ${transport} needs host`,
      });
    }
  }, ALWAYS);

export type ModbusDeviceConfig = z.output<typeof modbusDeviceSchema>;
export type ModbusPointConfig = z.output<typeof modbusPointSchema>;
