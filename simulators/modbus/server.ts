import { ServerTCP, type IServiceVector } from 'modbus-serial';
import type { ModbusTable } from '../../src/config/modbus';
import {
  encodeValue,
  decodeValue,
  wordCount,
  type Encoding,
} from '../../src/adapters/modbus/codec';
import type { Logger } from '../../src/log';
import { listenError } from '../../src/util/listen-error';
import type { Simulation } from '../simulation';
import type { RegisterPoint } from './register-map';

/** Modbus exception codes the simulated PLC answers with. */
export const EXCEPTION = {
  illegalFunction: 0x01,
  illegalAddress: 0x02,
  illegalValue: 0x03,
  deviceFailure: 0x04,
  gatewayTargetFailed: 0x0b,
} as const;

export interface UnitBinding {
  unitId: number;
  /** Site-config device name (faults are addressed by it). */
  device: string;
  /** Model equipment whose readings and commands this unit serves. */
  equipment: string;
  map: readonly RegisterPoint[];
}

interface Slot {
  point: RegisterPoint;
  /** Index of this address's word within the point's value. */
  word: number;
}

interface TableIndex {
  slots: Map<number, Slot>;
  first: number;
  last: number;
}

class ModbusException extends Error {
  constructor(
    readonly modbusErrorCode: number,
    message: string,
  ) {
    super(message);
  }
}

const encodingOf = (p: RegisterPoint): Encoding => ({
  type: p.type,
  order: p.order ?? 'ABCD',
  scale: p.scale ?? 1,
  offset: 0,
});

function indexTables(map: readonly RegisterPoint[]): Map<ModbusTable, TableIndex> {
  const tables = new Map<ModbusTable, TableIndex>();
  for (const point of map) {
    const t = tables.get(point.table) ?? { slots: new Map(), first: Infinity, last: -Infinity };
    const n = wordCount(point);
    for (let w = 0; w < n; w++) t.slots.set(point.register + w, { point, word: w });
    t.first = Math.min(t.first, point.register);
    t.last = Math.max(t.last, point.register + n - 1);
    tables.set(point.table, t);
  }
  return tables;
}

type Callback<T> = (err: Error | null, value?: T) => void;

/**
 * A Modbus TCP server for several units of the simulated plant on one port, built on
 * modbus-serial's ServerTCP. Reads encode the simulation's current values with the documented
 * register map; writes go into the PLC's memory through the simulation, which refuses values
 * outside the accepted range (exception 3). Unmapped addresses answer exception 2, failed
 * sensors exception 4, unknown units exception 11; silent and slow units do what they say.
 */
export class SimModbusServer {
  private server: ServerTCP | undefined;
  private readonly units = new Map<
    number,
    UnitBinding & { tables: Map<ModbusTable, TableIndex> }
  >();

  constructor(
    private readonly sim: Simulation,
    readonly host: string,
    readonly port: number,
    units: readonly UnitBinding[],
    private readonly log: Logger,
  ) {
    for (const u of units) this.units.set(u.unitId, { ...u, tables: indexTables(u.map) });
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  get devices(): string[] {
    return [...this.units.values()].map((u) => u.device);
  }

  async start(): Promise<void> {
    if (this.server) return;
    // modbus-serial's types only describe success callbacks; errors go through the same callback.
    const vector = this.vector() as unknown as IServiceVector;
    const server = new ServerTCP(vector, { host: this.host, port: this.port, unitID: 255 });
    const events = server as unknown as NodeJS.EventEmitter;
    await new Promise<void>((resolve, reject) => {
      server.once('initialized', () => resolve());
      server.once('serverError', (err) =>
        reject(
          listenError(err, {
            port: this.port,
            host: this.host,
            what: `the simulated Modbus server of ${this.devices.join(', ')}`,
          }),
        ),
      );
    });
    events.on('socketError', (err: Error) =>
      this.log.debug({ err, port: this.port }, 'Modbus client socket error'),
    );
    events.on('error', (err: Error) =>
      this.log.warn({ err, port: this.port }, 'Modbus server error'),
    );
    this.server = server;
    this.log.info({ port: this.port, units: [...this.units.keys()] }, 'Modbus server listening');
  }

  /** Closes the port and drops every client connection (a device going offline). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.log.info({ port: this.port }, 'Modbus server closed');
  }

  /** Runs `answer` as the unit's faults say: at once, after a delay, or never. */
  private respond<T>(unitId: number, cb: Callback<T>, answer: () => T): void {
    const unit = this.units.get(unitId);
    if (!unit) {
      cb(new ModbusException(EXCEPTION.gatewayTargetFailed, `no unit ${unitId}`));
      return;
    }
    if (this.sim.deviceFault(unit.device, 'silent')) return;
    const reply = (): void => {
      try {
        cb(null, answer());
      } catch (err) {
        // modbus-serial indexes the values even on error for multi-register reads: give it an
        // empty array, or its TypeError would replace our exception code with 4.
        cb(err instanceof Error ? err : new Error(String(err)), [] as unknown as T);
      }
    };
    const slow = this.sim.deviceFault(unit.device, 'slow');
    if (slow) setTimeout(reply, slow.delayMs);
    else reply();
  }

  /** Words `[address, address + count)` of a table, encoded from current values. */
  private readWords(unitId: number, table: ModbusTable, address: number, count: number): number[] {
    const unit = this.units.get(unitId)!;
    if (count < 1 || count > 125)
      throw new ModbusException(EXCEPTION.illegalValue, `bad count ${count}`);
    const index = unit.tables.get(table);
    if (!index || address < index.first || address + count - 1 > index.last) {
      throw new ModbusException(
        EXCEPTION.illegalAddress,
        `${table} ${address}+${count} not mapped`,
      );
    }
    const cache = new Map<RegisterPoint, number[]>();
    const words: number[] = [];
    for (let a = address; a < address + count; a++) {
      const slot = index.slots.get(a);
      if (!slot) {
        words.push(0);
        continue;
      }
      let encoded = cache.get(slot.point);
      if (!encoded) {
        encoded = this.encodePoint(unit.equipment, slot.point);
        cache.set(slot.point, encoded);
      }
      words.push(encoded[slot.word]!);
    }
    return words;
  }

  private valueOf(equipment: string, point: RegisterPoint): number | boolean {
    const key = `${equipment}/${point.name}`;
    if (point.table === 'holding' || point.table === 'coil') {
      const v = this.sim.readCommand(key);
      if (v === undefined) throw new ModbusException(EXCEPTION.deviceFailure, `no command ${key}`);
      return v;
    }
    const m = this.sim.read(key);
    if (!m) throw new ModbusException(EXCEPTION.deviceFailure, `no reading ${key}`);
    if (m.bad) throw new ModbusException(EXCEPTION.deviceFailure, `sensor ${key} failed`);
    return m.value;
  }

  private encodePoint(equipment: string, point: RegisterPoint): number[] {
    const enc = encodingOf(point);
    const value = this.valueOf(equipment, point);
    try {
      return encodeValue(value, enc);
    } catch {
      // A value beyond the register's range saturates, as a transmitter's output does.
      const limit = typeof value === 'number' && value < 0 ? -Infinity : Infinity;
      return encodeValue(saturate(limit, enc), enc);
    }
  }

  private readBit(unitId: number, table: 'coil' | 'discrete', address: number): boolean {
    return this.readWords(unitId, table, address, 1)[0] !== 0;
  }

  /** A write of whole values starting at `address`; all or nothing. */
  private writeWords(
    unitId: number,
    table: 'holding' | 'coil',
    address: number,
    words: readonly number[],
  ): void {
    const unit = this.units.get(unitId)!;
    const index = unit.tables.get(table);
    const plan: { point: RegisterPoint; value: number | boolean }[] = [];
    let a = address;
    while (a < address + words.length) {
      const slot = index?.slots.get(a);
      if (!slot || slot.word !== 0 || slot.point.access === 'r') {
        throw new ModbusException(
          EXCEPTION.illegalAddress,
          `${table} ${a} is not a writable value`,
        );
      }
      const n = wordCount(slot.point);
      if (a + n > address + words.length) {
        throw new ModbusException(
          EXCEPTION.illegalAddress,
          `write covers part of ${slot.point.name}`,
        );
      }
      const chunk = words.slice(a - address, a - address + n);
      plan.push({
        point: slot.point,
        value: decodeValue(chunk, encodingOf(slot.point)) as number | boolean,
      });
      a += n;
    }
    // Check every value before applying any, so a refused FC16 changes nothing.
    const writes = plan.map(({ point, value }) => ({
      key: `${unit.equipment}/${point.name}`,
      value,
    }));
    for (const { key, value } of writes) {
      const check = this.sim.checkWrite(key, value);
      if (!check.ok) {
        const code =
          check.reason === 'not writable' ? EXCEPTION.illegalAddress : EXCEPTION.illegalValue;
        this.sim.write(key, value); // refused again, and logged with its reason
        throw new ModbusException(code, `${key}: ${check.reason}`);
      }
    }
    for (const { key, value } of writes) this.sim.write(key, value);
  }

  private vector(): Record<string, (...args: never[]) => void> {
    return {
      getInputRegister: (addr: number, unit: number, cb: Callback<number>) =>
        this.respond(unit, cb, () => this.readWords(unit, 'input', addr, 1)[0]!),
      getHoldingRegister: (addr: number, unit: number, cb: Callback<number>) =>
        this.respond(unit, cb, () => this.readWords(unit, 'holding', addr, 1)[0]!),
      getMultipleInputRegisters: (
        addr: number,
        len: number,
        unit: number,
        cb: Callback<number[]>,
      ) => this.respond(unit, cb, () => this.readWords(unit, 'input', addr, len)),
      getMultipleHoldingRegisters: (
        addr: number,
        len: number,
        unit: number,
        cb: Callback<number[]>,
      ) => this.respond(unit, cb, () => this.readWords(unit, 'holding', addr, len)),
      getCoil: (addr: number, unit: number, cb: Callback<boolean>) =>
        this.respond(unit, cb, () => this.readBit(unit, 'coil', addr)),
      getDiscreteInput: (addr: number, unit: number, cb: Callback<boolean>) =>
        this.respond(unit, cb, () => this.readBit(unit, 'discrete', addr)),
      setRegister: (addr: number, value: number, unit: number, cb: Callback<void>) =>
        this.respond(unit, cb, () => this.writeWords(unit, 'holding', addr, [value])),
      setRegisterArray: (addr: number, values: number[], unit: number, cb: Callback<void>) =>
        this.respond(unit, cb, () => this.writeWords(unit, 'holding', addr, values)),
      setCoil: (addr: number, value: boolean, unit: number, cb: Callback<void>) =>
        this.respond(unit, cb, () => this.writeWords(unit, 'coil', addr, [value ? 1 : 0])),
    };
  }
}

function saturate(direction: number, enc: Encoding): number {
  const limits: Partial<Record<Encoding['type'], [number, number]>> = {
    int16: [-0x8000, 0x7fff],
    uint16: [0, 0xffff],
    int32: [-0x80000000, 0x7fffffff],
    uint32: [0, 0xffffffff],
  };
  const [lo, hi] = limits[enc.type] ?? [-3.4e38, 3.4e38];
  return (direction < 0 ? lo : hi) * enc.scale + enc.offset;
}
