import {
  MODBUS_BLOCK_SIZE,
  MODBUS_MAP_LAST,
  MODBUS_SITE_BASE,
} from '../../config/northbound-modbus';
import { isReadable, type PointDef } from '../../domain/point';
import type { PointId } from '../../domain/point-id';
import { valueTypeOfUnit } from '../../domain/units';

/**
 * The northbound Modbus register map (docs/northbound-modbus.md), generated from the site's point
 * definitions. Pure and deterministic: the same config gives the same map, and the rules below
 * keep an address where it was when points or devices are added.
 *
 * Input registers (FC 4):
 * - 0: the layout version (1); 1: the number of mapped points; 2–3: seconds since the server
 *   started (uint32: changes every second, a SCADA's watchdog on HeatBridge).
 * - A block of BLOCK_SIZE registers per device. HeatBridge's own devices have fixed blocks
 *   (OWN_BLOCKS, reserved even when absent); the site's devices follow from SITE_BASE in config
 *   order. A `pin` fixes a device's base or a point's slot.
 * - Each numeric or boolean point a slot of SLOT registers in its device's block, in the device's
 *   point order (HeatBridge's own devices: in OWN_POINTS' frozen order): +0–1 the value as a float32 (a boolean 0.0/1.0; NaN when there is none), +2 its
 *   quality code (QUALITY_CODES), +3 its age in seconds (65535: none or older).
 *   Text points and write-only points (commands: nothing to read) are not mapped.
 * - A device's span (from its base to the end of its last slot; for HeatBridge's own devices at
 *   least through their frozen slots) reads whole: a slot with no point in it (a figure the site
 *   does not compute, a gap a pin leaves) is an empty slot, read as "no value" (NaN, quality
 *   none, age 65535), so a SCADA polling a device's registers in one request gets no exception
 *   for a gap. Outside the header and the spans, registers are unmapped (exception 02).
 * Discrete inputs (FC 2): each boolean point also as a bit at its slot's address; other addresses
 * in a device's span read 0.
 * Holding registers (FC 3 read, FC 6/16 write), with `northbound.requests` only: a slot of SLOT
 * registers per SCADA request, in the gate's fixed order from 0: +0–1 the request (float32, or
 * +0 alone 0/1 for a boolean; +1 then reserved: reads 0, not writable), +2 1 while it is in
 * force, +3 seconds until it lapses.
 */

export const LAYOUT_VERSION = 1;
export const SLOT = 4;
export const BLOCK_SIZE = MODBUS_BLOCK_SIZE;
/** Points one device block holds. */
export const SLOTS_PER_BLOCK = BLOCK_SIZE / SLOT;
/** HeatBridge's own devices: fixed blocks, whichever of them a site has. */
export const OWN_BLOCKS: Readonly<Record<string, number>> = {
  derived: 1000,
  utility: 2000,
  value: 3000,
  signal: 4000,
  control: 5000,
  historian: 6000,
};
/**
 * The slots of HeatBridge's own points, frozen: a site has only some of them (the derived figures
 * its controllers compute, the utility points its sections give), and one gained later must not
 * move the others. A point missing at a site leaves its slot empty (it reads "no value"); a
 * point added to HeatBridge is appended here (or, unlisted, takes the slots after the listed
 * ones).
 */
export const OWN_POINTS: Readonly<Record<string, readonly string[]>> = {
  derived: [
    'recovered_heat',
    'recovered_energy',
    'delivered_heat',
    'delivered_energy',
    'hp_electric_power',
    'hp_electric_energy',
    'cop',
    'cop_running',
    'recoverable_heat',
    'facility_energy',
    'erf',
    'pue',
    'lift',
    'drycooler_share',
    'connection_mode',
  ],
  utility: [
    'plan_active',
    'plan_supply_temp',
    'plan_next_supply_temp',
    'plan_capacity',
    'delivery_required',
    'heat_price',
    'electricity_price',
    'scada_supply_temp',
    'scada_capacity',
    'scada_price',
    'scada_delivery_required',
    'scada_active',
  ],
  value: ['revenue_rate', 'cost_rate', 'net_rate', 'net_today', 'net_month'],
  signal: [
    'recommended_flex_kw',
    'signal',
    'signal_kw',
    'headroom_kw',
    'dumped_kw',
    'delivered_kw',
  ],
  control: ['safety_active', 'cycle_duration', 'skipped_cycles'],
  historian: [
    'backlog_lines',
    'backlog_bytes',
    'oldest_age',
    'dropped_lines',
    'refused_lines',
    'rejected_lines',
  ],
};
/** Where the blocks of the site's own devices (config order) begin. */
export const SITE_BASE = MODBUS_SITE_BASE;

/** Quality codes in the register after a point's value. */
export const QUALITY_CODES = { good: 0, uncertain: 1, stale: 2, bad: 3, none: 4 } as const;
/** The age register's value for "no value" or "older than it can say". */
export const AGE_NONE = 0xffff;

export interface MappedPoint {
  def: PointDef;
  /** The first register of its slot (and its discrete input, for a boolean). */
  address: number;
  bool: boolean;
}

export interface MappedRequest {
  def: PointDef;
  /** The first holding register of its slot. */
  address: number;
  /** float32 (2 registers) or a boolean (1 register, 0/1). */
  type: 'float32' | 'bool';
}

/** What a single register is. */
export type InputField =
  | { kind: 'header'; index: number }
  | { kind: 'point'; point: MappedPoint; offset: number }
  /** A slot of a device's span without a point: reads as "no value". */
  | { kind: 'empty'; device: string; offset: number };
/** `reserved`: the +1 register of a boolean request, which reads 0 and takes no write. */
export type HoldingField = { request: MappedRequest; offset: number; reserved?: true };

/** The registers of one device's block that read: [base, end). */
interface DeviceSpan {
  device: string;
  base: number;
  end: number;
}

export interface RegisterMap {
  points: MappedPoint[];
  requests: MappedRequest[];
  input: ReadonlyMap<number, InputField>;
  discrete: ReadonlyMap<number, MappedPoint>;
  holding: ReadonlyMap<number, HoldingField>;
}

export interface RegisterMapInput {
  defs: ReadonlyMap<PointId, PointDef>;
  /** The site's devices in config order (site.devices' keys). */
  siteDevices: readonly string[];
  /** The writable SCADA requests (gate.requestPoints()); none without a gate. */
  requests?: readonly PointDef[];
  /** `northbound.modbus.pin`: device → block base, point id → slot. */
  pin?: Readonly<Record<string, number>>;
}

/** A problem with the map the config asks for (a pin that clashes, a device too large). */
export class RegisterMapError extends Error {
  override readonly name = 'RegisterMapError';
}

/** Numbers and booleans with a value to read; text and write-only points (commands) are not mapped. */
const isMappable = (d: PointDef): boolean => valueTypeOfUnit(d.unit) !== 'string' && isReadable(d);

/** The device blocks' bases: own devices fixed, pinned ones pinned, the rest in config order. */
function deviceBases(
  devices: readonly string[],
  siteDevices: readonly string[],
  pin: Readonly<Record<string, number>>,
): Map<string, number> {
  const bases = new Map<string, number>();
  const taken = new Set<number>();
  const claim = (device: string, base: number): void => {
    if (base % BLOCK_SIZE !== 0)
      throw new RegisterMapError(
        `pin ${device}: a block begins at a multiple of ${BLOCK_SIZE}, not ${base}`,
      );
    const block = base / BLOCK_SIZE;
    if (taken.has(block)) {
      const other = [...bases].find(([, b]) => b / BLOCK_SIZE === block)?.[0];
      throw new RegisterMapError(
        `pin ${device}: block ${base} is ${other ? `${other}'s` : "reserved for HeatBridge's own devices"}`,
      );
    }
    taken.add(block);
    bases.set(device, base);
  };
  for (const base of Object.values(OWN_BLOCKS)) taken.add(base / BLOCK_SIZE);
  for (const device of devices) {
    const pinned = pin[device];
    if (pinned !== undefined) {
      if (OWN_BLOCKS[device] !== undefined)
        throw new RegisterMapError(`pin ${device}: HeatBridge's own device has a fixed block`);
      claim(device, pinned);
    } else if (OWN_BLOCKS[device] !== undefined) bases.set(device, OWN_BLOCKS[device]);
  }
  // The site's devices in config order, then any other device (none today) after them.
  const rest = [
    ...siteDevices.filter((d) => devices.includes(d)),
    ...devices.filter((d) => !siteDevices.includes(d) && OWN_BLOCKS[d] === undefined),
  ];
  let next = SITE_BASE / BLOCK_SIZE;
  for (const device of rest) {
    if (bases.has(device)) continue;
    while (taken.has(next)) next += 1;
    if ((next + 1) * BLOCK_SIZE - 1 > MODBUS_MAP_LAST)
      throw new RegisterMapError(`no block left for device ${device}: too many devices`);
    claim(device, next * BLOCK_SIZE);
  }
  return bases;
}

/** The register map of a site: see the rules above. Throws a RegisterMapError on a bad pin. */
export function buildRegisterMap(input: RegisterMapInput): RegisterMap {
  const pin = input.pin ?? {};
  const byDevice = new Map<string, PointDef[]>();
  for (const def of input.defs.values()) {
    const list = byDevice.get(def.device) ?? [];
    if (isMappable(def)) list.push(def);
    byDevice.set(def.device, list);
  }
  for (const key of Object.keys(pin)) {
    if (!byDevice.has(key) && !input.defs.has(key as PointId))
      throw new RegisterMapError(`pin ${key}: no such device or point`);
    const def = input.defs.get(key as PointId);
    if (def && !isMappable(def))
      throw new RegisterMapError(`pin ${key}: a text or write-only point is not mapped`);
  }
  const bases = deviceBases([...byDevice.keys()], input.siteDevices, pin);
  const points: MappedPoint[] = [];
  const spans: DeviceSpan[] = [];
  const used = new Map<number, PointId>();
  for (const [device, defs] of byDevice) {
    const base = bases.get(device)!;
    const own = OWN_POINTS[device] ?? [];
    let cursor = base + own.length * SLOT;
    let end = cursor;
    for (const def of defs) {
      const frozen = own.indexOf(def.name);
      const address = pin[def.id] ?? (frozen >= 0 ? base + frozen * SLOT : cursor);
      if ((address - base) % SLOT !== 0 || address < base || address >= base + BLOCK_SIZE)
        throw new RegisterMapError(
          `${pin[def.id] !== undefined ? `pin ${def.id}: ${address}` : `device ${device}: more than ${SLOTS_PER_BLOCK} points, ${def.id}`} is not a slot of ${device}'s block ${base}–${base + BLOCK_SIZE - 1} (slots every ${SLOT} registers)`,
        );
      const clash = used.get(address);
      if (clash)
        throw new RegisterMapError(`${def.id} and ${clash} both at ${address}: pin one elsewhere`);
      used.set(address, def.id);
      points.push({ def, address, bool: def.unit === 'bool' });
      cursor = Math.max(cursor, address + SLOT);
      end = Math.max(end, address + SLOT);
    }
    spans.push({ device, base, end });
  }
  points.sort((a, b) => a.address - b.address);
  const requests = (input.requests ?? []).map((def, i): MappedRequest => ({
    def,
    address: i * SLOT,
    type: def.unit === 'bool' ? 'bool' : 'float32',
  }));
  return { points, requests, ...indexes(points, spans, requests) };
}

function indexes(
  points: readonly MappedPoint[],
  spans: readonly DeviceSpan[],
  requests: readonly MappedRequest[],
): Pick<RegisterMap, 'input' | 'discrete' | 'holding'> {
  const input = new Map<number, InputField>();
  for (let i = 0; i < 4; i++) input.set(i, { kind: 'header', index: i });
  const discrete = new Map<number, MappedPoint>();
  for (const point of points) {
    for (let offset = 0; offset < SLOT; offset++)
      input.set(point.address + offset, { kind: 'point', point, offset });
    if (point.bool) discrete.set(point.address, point);
  }
  for (const { device, base, end } of spans) {
    for (let address = base; address < end; address++)
      if (!input.has(address))
        input.set(address, { kind: 'empty', device, offset: (address - base) % SLOT });
  }
  const holding = new Map<number, HoldingField>();
  for (const request of requests) {
    for (let offset = 0; offset < SLOT; offset++) {
      // A boolean request is one register: +1 is reserved, so that reading every request's
      // registers in one request (FC 3 over 0–15) finds no gap.
      const reserved = request.type === 'bool' && offset === 1;
      holding.set(request.address + offset, { request, offset, ...(reserved ? { reserved } : {}) });
    }
  }
  return { input, discrete, holding };
}
