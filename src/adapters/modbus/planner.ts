import type { ModbusTable } from '../../config/modbus';

/** A point as the planner sees it: where it lives and how many registers (or bits) it spans. */
export interface PlannablePoint<K = string> {
  key: K;
  unitId: number;
  table: ModbusTable;
  register: number;
  /** Registers (or bits, for coils and discrete inputs). */
  count: number;
}

/** A read of registers (or bits) and the points it answers, as the caller gave them (`P`). */
export interface ReadRequest<K = string, P extends PlannablePoint<K> = PlannablePoint<K>> {
  unitId: number;
  table: ModbusTable;
  start: number;
  count: number;
  points: P[];
}

export interface PlanLimits {
  /** Unused registers a read may span to merge two points. */
  maxGap: number;
  /** Registers per read (FC 3/4; protocol limit 125). */
  maxRegisters: number;
  /** Bits per read (FC 1/2; protocol limit 2000). */
  maxBits?: number;
}

const isBitTable = (t: ModbusTable): boolean => t === 'coil' || t === 'discrete';

/**
 * Merges points into as few reads as possible: per unit and table, in address order, a point
 * joins the current read if the gap before it is at most `maxGap` and the read stays within the
 * protocol limit. Points that share registers (a bit and its register) share the read. Pure.
 */
export function planReads<K, P extends PlannablePoint<K> = PlannablePoint<K>>(
  points: readonly P[],
  limits: PlanLimits,
): ReadRequest<K, P>[] {
  const sorted = [...points].sort(
    (a, b) =>
      a.unitId - b.unitId ||
      a.table.localeCompare(b.table) ||
      a.register - b.register ||
      b.count - a.count,
  );
  const requests: ReadRequest<K, P>[] = [];
  let current: ReadRequest<K, P> | undefined;
  for (const p of sorted) {
    const max = isBitTable(p.table) ? (limits.maxBits ?? 2000) : limits.maxRegisters;
    if (p.count > max)
      throw new RangeError(`a point spanning ${p.count} registers cannot be read in one request`);
    const end = p.register + p.count;
    if (current && current.unitId === p.unitId && current.table === p.table) {
      const currentEnd = current.start + current.count;
      const gap = p.register - currentEnd;
      const newCount = Math.max(currentEnd, end) - current.start;
      if (gap <= limits.maxGap && newCount <= max) {
        current.count = newCount;
        current.points.push(p);
        continue;
      }
    }
    current = { unitId: p.unitId, table: p.table, start: p.register, count: p.count, points: [p] };
    requests.push(current);
  }
  return requests;
}
