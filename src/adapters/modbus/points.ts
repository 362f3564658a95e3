import type { ModbusDeviceConfig, ModbusPointConfig } from '../../config/modbus';
import type { PointId } from '../../domain/point-id';
import { pointId } from '../../domain/point-id';
import { decodeValue, decodeWord, isWordType, wordCount, type Encoding } from './codec';
import type { PlannablePoint, ReadRequest } from './planner';

/** A configured Modbus point, resolved: its address, its encoding and what may be done with it. */
export interface ModbusPoint extends PlannablePoint<PointId> {
  device: string;
  name: string;
  encoding: Encoding;
  readable: boolean;
  writable: boolean;
}

/** A device on a connection: how it is polled and written, and its points. */
export interface ModbusDeviceRuntime {
  name: string;
  pollIntervalMs: number;
  /** Per-request timeout for this device's units. */
  timeoutMs: number;
  maxGap: number;
  maxRegistersPerRead: number;
  multipleWritesOnly: boolean;
  /** Requests of a poll on the wire at once (1: one after the other). */
  maxInFlight: number;
  points: ModbusPoint[];
}

export function modbusDevice(name: string, cfg: ModbusDeviceConfig): ModbusDeviceRuntime {
  return {
    name,
    pollIntervalMs: cfg.pollIntervalMs,
    timeoutMs: cfg.timeoutMs,
    maxGap: cfg.maxGap,
    maxRegistersPerRead: cfg.maxRegistersPerRead,
    multipleWritesOnly: cfg.multipleWritesOnly,
    maxInFlight: cfg.maxInFlight,
    points: modbusPoints(name, cfg),
  };
}

export function modbusPoints(device: string, cfg: ModbusDeviceConfig): ModbusPoint[] {
  return cfg.points.map((p: ModbusPointConfig) => {
    const encoding: Encoding = {
      type: p.type,
      order: p.order ?? cfg.byteOrder,
      scale: p.scale,
      offset: p.offset,
      ...(p.length !== undefined ? { length: p.length } : {}),
      ...(p.bit !== undefined ? { bit: p.bit } : {}),
    };
    return {
      key: pointId(device, p.name),
      device,
      name: p.name,
      unitId: p.unitId ?? cfg.unitId,
      table: p.table,
      register: p.register,
      count: p.table === 'coil' || p.table === 'discrete' ? 1 : wordCount(encoding),
      encoding,
      readable: p.access !== 'w',
      writable: p.access !== 'r',
    };
  });
}

export type Decoded =
  { id: PointId; value: number | boolean | string } | { id: PointId; error: string };

/** Why a point's value could not be had from a reply. */
export class DecodeFailure {
  constructor(readonly reason: string) {}
}

/**
 * One point's value from the registers (or bits) of a read that started at `start`, or why not.
 * Pure; no object per value (the adapter's hot path, issue 25).
 */
export function decodePoint(
  p: ModbusPoint,
  start: number,
  data: readonly (number | boolean)[],
): number | boolean | string | DecodeFailure {
  const offset = p.register - start;
  if (p.table === 'coil' || p.table === 'discrete') {
    const bit = data[offset];
    return typeof bit === 'boolean' ? bit : new DecodeFailure('short reply');
  }
  if (isWordType(p.encoding.type)) {
    // Most points are one register: decoded directly (issue 25).
    const word = data[offset];
    if (typeof word !== 'number')
      return new DecodeFailure(`reply too short for ${p.encoding.type}`);
    const value = decodeWord(word, p.encoding);
    return Number.isFinite(value) ? value : new DecodeFailure(`not a finite number (${value})`);
  }
  // Checked in place: a slice per point was a large share of the adapter's allocations.
  for (let i = offset; i < offset + p.count; i++) {
    if (typeof data[i] !== 'number')
      return new DecodeFailure(`reply too short for ${p.encoding.type}`);
  }
  const value = decodeValue(data as readonly number[], p.encoding, offset);
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return new DecodeFailure(`not a finite number (${value})`);
  }
  return value;
}

/** The values of a read's points from the registers (or bits) it returned. Pure. */
export function decodeRead(
  request: ReadRequest<PointId>,
  points: ReadonlyMap<PointId, ModbusPoint>,
  data: readonly (number | boolean)[],
): Decoded[] {
  return request.points.map(({ key }) => {
    const p = points.get(key);
    if (!p) return { id: key, error: 'unknown point' };
    const r = decodePoint(p, request.start, data);
    return r instanceof DecodeFailure ? { id: key, error: r.reason } : { id: key, value: r };
  });
}
