import type { PointKind } from '../../src/domain/point';
import type { Unit } from '../../src/domain/units';

/**
 * The points of one simulated HeatBridge edge in the fleet load test: a realistic mix of devices
 * and units (data halls with racks and CDUs, heat pumps, dry coolers, heat and electricity meters,
 * the district-heating substation), always including the derived points and control status the
 * fleet dashboard reads (device `derived`: recovered_heat, delivered_heat, hp_electric_power and
 * their energies; device `control`: safety_active, cycle_duration). Numbers only: the site's text
 * points (controller status messages) are few, change rarely, and would not change the figures.
 */

export interface FleetPoint {
  device: string;
  name: string;
  unit: Unit;
  kind: PointKind;
  /** Sparkplug's datatype: Double for numbers, Boolean for bool points. */
  bool: boolean;
  /** Where the value wanders around, and how far. */
  base: number;
  amplitude: number;
  /** Energy counters only increase. */
  counter: boolean;
}

export interface FleetDevice {
  name: string;
  points: FleetPoint[];
}

/** The figures the fleet dashboard reads (docs/control.md, "Derived points"). */
const DERIVED: [string, Unit, number, number, boolean][] = [
  ['recovered_heat', 'kW', 1200, 300, false],
  ['recovered_energy', 'kWh', 0, 0, true],
  ['delivered_heat', 'kW', 1100, 280, false],
  ['delivered_energy', 'kWh', 0, 0, true],
  ['hp_electric_power', 'kW', 300, 60, false],
  ['hp_electric_energy', 'kWh', 0, 0, true],
  ['cop', 'ratio', 4.2, 0.4, false],
  ['cop_running', 'ratio', 4.1, 0.05, false],
  ['recoverable_heat', 'kW', 1500, 300, false],
  ['erf', 'ratio', 0.35, 0.02, false],
  ['pue', 'ratio', 1.25, 0.03, false],
  ['lift', 'K', 35, 5, false],
  ['drycooler_share', '%', 20, 10, false],
];

/** Per-device point templates; a device's points repeat the template with an index. */
const TEMPLATES: Record<string, [string, Unit, PointKind, number, number][]> = {
  rack: [
    ['inlet_temp', 'degC', 'measurement', 24, 2],
    ['outlet_temp', 'degC', 'measurement', 36, 3],
    ['coolant_supply_temp', 'degC', 'measurement', 40, 1],
    ['coolant_return_temp', 'degC', 'measurement', 50, 2],
    ['coolant_flow', 'm3/h', 'measurement', 4, 0.5],
    ['it_power', 'kW', 'measurement', 40, 8],
    ['leak', 'bool', 'status', 0, 0],
    ['fan_speed', '%', 'measurement', 55, 15],
  ],
  heatpump: [
    ['condenser_out_temp', 'degC', 'measurement', 75, 5],
    ['condenser_in_temp', 'degC', 'measurement', 50, 3],
    ['evaporator_in_temp', 'degC', 'measurement', 48, 2],
    ['evaporator_out_temp', 'degC', 'measurement', 38, 2],
    ['heat_output', 'kW', 'measurement', 600, 150],
    ['electric_power', 'kW', 'measurement', 150, 30],
    ['compressor_speed', '%', 'measurement', 70, 20],
    ['load_setpoint', '%', 'setpoint', 70, 20],
    ['running', 'bool', 'status', 1, 0],
    ['alarm', 'bool', 'status', 0, 0],
  ],
  meter: [
    ['flow', 'm3/h', 'measurement', 60, 10],
    ['supply_temp', 'degC', 'measurement', 72, 4],
    ['return_temp', 'degC', 'measurement', 45, 3],
    ['power', 'kW', 'measurement', 1100, 250],
    ['energy', 'kWh', 'measurement', 0, 0],
    ['pressure', 'bar', 'measurement', 6, 0.3],
  ],
  drycooler: [
    ['fan_speed', '%', 'measurement', 40, 30],
    ['inlet_temp', 'degC', 'measurement', 42, 3],
    ['outlet_temp', 'degC', 'measurement', 32, 3],
    ['heat_rejected', 'kW', 'measurement', 300, 200],
    ['running', 'bool', 'status', 1, 0],
  ],
};

const point = (
  device: string,
  [name, unit, kind, base, amplitude]: [string, Unit, PointKind, number, number],
): FleetPoint => ({
  device,
  name,
  unit,
  kind,
  bool: unit === 'bool',
  base,
  amplitude,
  counter: unit === 'kWh',
});

/**
 * A site's devices with `total` points (at least the 15 derived and control points). Racks are
 * grouped into halls of `pointsPerDevice` points each (one Sparkplug device, one DDATA per
 * interval), then two heat pumps, two dry coolers and three meters; racks fill the rest.
 */
export function sitePoints(total: number, pointsPerDevice = 100): FleetDevice[] {
  const fixed: FleetDevice[] = [
    {
      name: 'derived',
      points: DERIVED.map(([name, unit, base, amplitude, counter]) => ({
        device: 'derived',
        name,
        unit,
        kind: 'derived',
        bool: false,
        base,
        amplitude,
        counter,
      })),
    },
    {
      name: 'control',
      points: [
        point('control', ['safety_active', 'bool', 'status', 0, 0]),
        point('control', ['cycle_duration', 's', 'status', 0.02, 0.01]),
      ],
    },
  ];
  for (const hp of ['hp1', 'hp2'])
    fixed.push({ name: hp, points: TEMPLATES.heatpump!.map((t) => point(hp, t)) });
  for (const dc of ['dc1', 'dc2'])
    fixed.push({ name: dc, points: TEMPLATES.drycooler!.map((t) => point(dc, t)) });
  for (const m of ['dh', 'hm_hall', 'hm_plant'])
    fixed.push({ name: m, points: TEMPLATES.meter!.map((t) => point(m, t)) });
  const all = fixed.flatMap((d) => d.points);
  if (total < all.length) {
    // Small test sites: keep the derived and control points, cut the rest.
    const keep = all.slice(0, Math.max(total, 15));
    return group(keep);
  }
  const halls: FleetDevice[] = [];
  let left = total - all.length;
  for (let h = 1; left > 0; h++) {
    const name = `hall${h}`;
    const points: FleetPoint[] = [];
    for (let r = 1; left > 0 && points.length < pointsPerDevice; r++) {
      for (const t of TEMPLATES.rack!) {
        if (left === 0 || points.length === pointsPerDevice) break;
        points.push(
          point(name, [`rack${String(r).padStart(2, '0')}_${t[0]}`, t[1], t[2], t[3], t[4]]),
        );
        left--;
      }
    }
    halls.push({ name, points });
  }
  return [...fixed, ...halls];
}

function group(points: FleetPoint[]): FleetDevice[] {
  const byDevice = new Map<string, FleetPoint[]>();
  for (const p of points) byDevice.set(p.device, [...(byDevice.get(p.device) ?? []), p]);
  return [...byDevice].map(([name, ps]) => ({ name, points: ps }));
}

/**
 * The value of point `i` at tick `t`: a slow wave per point with a per-site offset, counters
 * increasing by their power; cheap, deterministic, and different every tick (so a DDATA carries
 * every point, the load test's worst case).
 */
export function valueAt(p: FleetPoint, siteIndex: number, i: number, t: number): number {
  if (p.bool) return (t + i + siteIndex) % 600 === 0 ? 1 - p.base : p.base;
  if (p.counter) return 1000 * siteIndex + t * (1 + (siteIndex % 7) / 10);
  const phase = ((t + 37 * i + 101 * siteIndex) % 360) * (Math.PI / 180);
  const siteScale = 0.6 + (siteIndex % 9) / 10;
  return Math.round((p.base * siteScale + p.amplitude * Math.sin(phase)) * 1000) / 1000;
}
