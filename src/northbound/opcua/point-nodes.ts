import {
  DataType,
  Variant,
  type DataValue,
  type Namespace,
  type UAObject,
  type UAVariable,
} from 'node-opcua';
import type { PointDef } from '../../domain/point';
import type { PointId } from '../../domain/point-id';
import type { Sample } from '../../domain/sample';
import { qualityAt } from '../../domain/stale';
import { valueTypeOfUnit } from '../../domain/units';
import { addFolder, addAnalog, addInfo, addPlain } from './nodes';
import { dataValueOfSample } from './values';

export interface PointNodesOptions {
  ns: Namespace;
  /** Objects/HeatBridge: Devices goes under it. */
  root: UAObject;
  defs: ReadonlyMap<PointId, PointDef>;
  /** The plant's devices (the site config's): they carry a `Mode`. */
  plantDevices: ReadonlySet<string>;
  euRanges: Readonly<Record<string, { low: number; high: number }>>;
  minimumSamplingInterval: number;
}

/** One point's variable and what it shows now (to push only what changed). */
interface PointNode {
  def: PointDef;
  variable: UAVariable;
  /** What it shows: null before the first sample (BadWaitingForInitialData shown). */
  shown?: { ts: number; quality: string } | null;
}

/**
 * Objects/HeatBridge/Devices/<device>/<point>: every point HeatBridge knows (the plant's, control's,
 * the derived figures, the utility's, the heat signal's), one object per device. NodeIds are the
 * point ids (`ns=<HeatBridge>;s=hp1/condenser_out_temp`), so a SCADA engineer finds a point by
 * the name HeatBridge's API, historian and docs use. Values are pushed as samples arrive.
 */
export class PointNodes {
  private readonly nodes = new Map<PointId, PointNode>();
  private readonly modes = new Map<string, UAVariable>();

  constructor(private readonly o: PointNodesOptions) {
    const devices = addFolder(o.ns, o.root, {
      browseName: 'Devices',
      nodeId: 's=Devices',
      description: 'Every device HeatBridge knows, with its points',
    });
    const byDevice = new Map<string, PointDef[]>();
    for (const def of o.defs.values()) {
      const list = byDevice.get(def.device) ?? [];
      list.push(def);
      byDevice.set(def.device, list);
    }
    for (const [device, defs] of [...byDevice].sort(([a], [b]) => a.localeCompare(b))) {
      const obj = o.ns.addObject({
        organizedBy: devices,
        browseName: device,
        nodeId: `s=Devices/${device}`,
      });
      if (o.plantDevices.has(device))
        this.modes.set(
          device,
          addInfo(o.ns, {
            parent: obj,
            as: 'property',
            browseName: 'Mode',
            nodeId: `s=Devices/${device}.Mode`,
            dataType: 'String',
            description: 'auto: control writes to the device; manual: an operator holds it',
            minimumSamplingInterval: o.minimumSamplingInterval,
          }),
        );
      for (const def of defs.sort((a, b) => a.name.localeCompare(b.name)))
        this.nodes.set(def.id, { def, variable: this.addPoint(obj, def) });
    }
  }

  private addPoint(parent: UAObject, def: PointDef): UAVariable {
    const common = {
      parent,
      browseName: def.name,
      nodeId: `s=${def.id}`,
      unit: def.unit,
      minimumSamplingInterval: this.o.minimumSamplingInterval,
      ...(def.description ? { description: def.description } : {}),
    };
    if (valueTypeOfUnit(def.unit) !== 'number') return addPlain(this.o.ns, common);
    // The bounds are the truth where a point has them; `euRanges` fills in for points without.
    const range = def.bounds
      ? { low: def.bounds.min, high: def.bounds.max }
      : this.o.euRanges[def.id];
    return addAnalog(this.o.ns, { ...common, ...(range ? { range } : {}) });
  }

  get size(): number {
    return this.nodes.size;
  }

  /** A new sample: its variable shows it (value, status from quality, source time). */
  update(sample: Sample, now: number): void {
    const node = this.nodes.get(sample.id);
    if (node) this.show(node, sample, now);
  }

  /**
   * Shows every point's latest sample again where its quality changed with time (a value not
   * confirmed within its stale window becomes stale: UncertainLastUsableValue), and each
   * device's mode.
   */
  refresh(
    latest: (id: PointId) => Sample | undefined,
    mode: (device: string) => string,
    now: number,
  ): void {
    for (const node of this.nodes.values()) {
      const sample = latest(node.def.id);
      if (!sample) {
        if (node.shown === undefined) this.show(node, undefined, now);
        continue;
      }
      if (
        node.shown?.ts !== sample.ts ||
        node.shown.quality !== qualityAt(sample, node.def.staleAfterMs, now)
      )
        this.show(node, sample, now);
    }
    for (const [device, v] of this.modes) {
      const m = mode(device);
      if (v.readValue().value.value !== m)
        v.setValueFromSource(new Variant({ dataType: DataType.String, value: m }));
    }
  }

  private show(node: PointNode, sample: Sample | undefined, now: number): void {
    const dv: DataValue = dataValueOfSample(sample, node.def, now);
    node.shown = sample
      ? { ts: sample.ts, quality: qualityAt(sample, node.def.staleAfterMs, now) }
      : null;
    node.variable.setValueFromSource(dv.value, dv.statusCode, dv.sourceTimestamp ?? new Date(now));
  }
}

/**
 * What is wrong with `northbound.opcua.euRanges` for these points, one sentence each: an id no
 * point has, a point that is not numeric, a point whose bounds give its range already.
 */
export function euRangeProblems(
  euRanges: Readonly<Record<string, unknown>>,
  defs: ReadonlyMap<PointId, PointDef>,
): string[] {
  return Object.keys(euRanges).flatMap((id) => {
    const def = defs.get(id as PointId);
    if (!def) return [`northbound.opcua.euRanges: no point "${id}"; its range is not used`];
    if (valueTypeOfUnit(def.unit) !== 'number')
      return [
        `northbound.opcua.euRanges: "${id}" is not numeric (${def.unit}); its range is not used`,
      ];
    if (def.bounds)
      return [
        `northbound.opcua.euRanges: "${id}" has bounds (${def.bounds.min} … ${def.bounds.max}), which are its EURange; the configured range is not used`,
      ];
    return [];
  });
}
