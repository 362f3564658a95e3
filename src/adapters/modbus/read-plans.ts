import type { PointId } from '../../domain/point-id';
import type { EpisodeLog } from '../../util/episode-log';
import { planReads, type ReadRequest } from './planner';
import type { ModbusDeviceRuntime, ModbusPoint } from './points';

/** A planned read of a Modbus device: its requests carry the device's points themselves. */
export type ModbusRead = ReadRequest<PointId, ModbusPoint>;

/**
 * What a poll reads of each device on a connection, and which of those reads fail now (for
 * /api/health, with one warning per failing read, not one per poll).
 *
 * A merged read the device refuses as a whole (exception 2 or 4) is replaced for good by single
 * reads of its points. Its failure episode goes on in them: the single read that still fails takes
 * it over (one warning for one failed sensor); if they all answer, the merged read has recovered.
 */
export class ReadPlans {
  private readonly plans = new Map<string, ModbusRead[]>();
  /** Reads failing now, by their key, with the reason. */
  private readonly failing = new Map<string, string>();
  /** Single reads split from a failed merged read, until their first answer: the merged key. */
  private readonly splitFrom = new Map<string, string>();
  /** Each read's key, made once: a string built per read and poll showed in the profile. */
  private readonly keys = new WeakMap<ModbusRead, string>();

  constructor(
    devices: readonly ModbusDeviceRuntime[],
    private readonly failures: EpisodeLog,
  ) {
    for (const d of devices) {
      const readable = d.points.filter((p) => p.readable);
      this.plans.set(
        d.name,
        planReads<PointId, ModbusPoint>(readable, {
          maxGap: d.maxGap,
          maxRegisters: d.maxRegistersPerRead,
        }),
      );
    }
  }

  of(device: ModbusDeviceRuntime): readonly ModbusRead[] {
    return this.plans.get(device.name) ?? [];
  }

  /** A read's name in logs and health: device, unit, table and registers. */
  key(device: ModbusDeviceRuntime, req: ModbusRead): string {
    let key = this.keys.get(req);
    if (key === undefined) {
      key = `${device.name} unit ${req.unitId} ${req.table} ${req.start}+${req.count}`;
      this.keys.set(req, key);
    }
    return key;
  }

  succeeded(reqKey: string): void {
    // Nothing to clear on nearly every answer: no map writes or log fields for those.
    if (this.failing.size === 0 && this.splitFrom.size === 0 && !this.failures.active(reqKey))
      return;
    this.failing.delete(reqKey);
    this.failures.cleared(reqKey, { request: reqKey });
    const merged = this.splitFrom.get(reqKey);
    if (merged !== undefined) {
      this.splitFrom.delete(reqKey);
      if (![...this.splitFrom.values()].includes(merged))
        this.failures.cleared(merged, { request: merged });
    }
  }

  /** `log` false: a read not even sent (its unit was silent earlier in the poll). */
  failed(req: ModbusRead, reqKey: string, reason: string, log = true): void {
    const merged = this.splitFrom.get(reqKey);
    if (merged !== undefined) {
      this.splitFrom.delete(reqKey);
      this.failures.forget(merged);
      this.failures.adopt(reqKey, reason);
    }
    if (log) {
      this.failures.occurred(
        reqKey,
        { request: reqKey, reason, points: req.points.map((p) => p.key) },
        reason,
      );
    }
    this.failing.set(reqKey, reason);
  }

  /** Replaces merged reads of the device by single reads of their points. */
  split(device: ModbusDeviceRuntime, merged: readonly ModbusRead[]): void {
    // The merged request is never sent again: its key would stay in `failing` (and the adapter
    // degraded) forever. Its points are bad until their single reads answer.
    for (const r of merged) {
      const key = this.key(device, r);
      this.failing.delete(key);
      for (const p of r.points)
        this.splitFrom.set(this.key(device, { ...r, start: p.register, count: p.count }), key);
    }
    const rest = this.of(device).filter((r) => !merged.includes(r));
    const singles = merged.flatMap((r) =>
      r.points.map((p) => ({
        unitId: r.unitId,
        table: r.table,
        start: p.register,
        count: p.count,
        points: [p],
      })),
    );
    this.plans.set(device.name, [...rest, ...singles]);
  }

  /** The reads failing now, each with its reason. */
  failingNow(): [string, string][] {
    return [...this.failing.entries()];
  }
}
