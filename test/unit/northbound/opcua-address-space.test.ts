import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AccessLevelFlag,
  AddressSpace,
  generateAddressSpace,
  NodeClass,
  nodesets,
  StatusCodes,
  type BaseNode,
  type Namespace,
  type UAObject,
  type UAVariable,
} from 'node-opcua';
import type { Alarm } from '../../../src/alarms/alarm-list';
import type { PointDef } from '../../../src/domain/point';
import { pointId, type PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import { AlarmNodes } from '../../../src/northbound/opcua/alarm-nodes';
import { euRangeProblems, PointNodes } from '../../../src/northbound/opcua/point-nodes';

/**
 * The address-space builders on node-opcua's own address space (no server, no network): what a
 * client would browse and read, without a session.
 */
let addressSpace: AddressSpace;
let ns: Namespace;
let root: UAObject;

beforeAll(async () => {
  addressSpace = AddressSpace.create();
  await generateAddressSpace(addressSpace, [nodesets.standard]);
  ns = addressSpace.registerNamespace('urn:heatbridge:test');
  root = ns.addObject({
    organizedBy: addressSpace.rootFolder.objects,
    browseName: 'HeatBridge',
    notifierOf: addressSpace.rootFolder.objects.server,
    eventNotifier: 1,
  });
});

afterAll(() => addressSpace.dispose());

const def = (device: string, name: string, over: Partial<PointDef> = {}): PointDef => ({
  id: pointId(device, name),
  device,
  name,
  unit: 'degC',
  kind: 'measurement',
  access: 'r',
  historian: { mode: 'every' },
  expectedPeriodMs: 1_000,
  staleAfterMs: 3_000,
  ...over,
});

const find = (s: string): UAVariable => {
  const n = addressSpace.findNode(`ns=${ns.index};s=${s}`);
  if (!n) throw new Error(`no node ${s}`);
  return n as UAVariable;
};

/** Every variable under a node (components, properties, what a folder organizes), recursively. */
function variablesUnder(n: BaseNode): UAVariable[] {
  const children = [
    ...n.findReferencesAsObject('HasComponent', true),
    ...n.findReferencesAsObject('HasProperty', true),
    ...n.findReferencesAsObject('Organizes', true),
  ];
  return children.flatMap((c) => [
    ...(c.nodeClass === NodeClass.Variable ? [c as UAVariable] : []),
    ...variablesUnder(c),
  ]);
}

describe('PointNodes', () => {
  const temp = def('hp1', 'condenser_out_temp', {
    kind: 'setpoint',
    access: 'rw',
    bounds: { min: 30, max: 90 },
  });
  const cop = def('derived', 'cop', { unit: 'ratio', kind: 'derived' });
  const running = def('hp1', 'running', { unit: 'bool', kind: 'status' });
  const state = def('control', 'state', { unit: 'text', kind: 'status' });
  const pue = def('derived', 'pue', { unit: 'ratio', kind: 'derived' });
  const defs = new Map<PointId, PointDef>([temp, cop, running, state, pue].map((d) => [d.id, d]));
  // A range for a point with bounds is not used (the bounds are the truth); one without takes it.
  const euRanges = { [temp.id]: { low: 0, high: 500 }, [pue.id]: { low: 1, high: 3 } };
  let points: PointNodes;
  const latest = new Map<PointId, Sample>();

  beforeAll(() => {
    points = new PointNodes({
      ns,
      root,
      defs,
      plantDevices: new Set(['hp1']),
      euRanges,
      minimumSamplingInterval: 100,
    });
  });

  it('makes a numeric point with bounds an AnalogItem with EURange, one without a BaseAnalogType', () => {
    const v = find(temp.id);
    expect(v.typeDefinitionObj.browseName.name).toBe('AnalogItemType');
    const range = v.getPropertyByName('EURange') as UAVariable;
    expect(range.readValue().value.value).toMatchObject({ low: 30, high: 90 });
    expect(v.minimumSamplingInterval).toBe(100);
    const c = find(cop.id);
    expect(c.typeDefinitionObj.browseName.name).toBe('BaseAnalogType');
    expect(c.getPropertyByName('EURange')).toBeNull();
    expect(
      (c.getPropertyByName('EngineeringUnits') as UAVariable).readValue().value.value,
    ).toMatchObject({ displayName: { text: '1' } });
    expect(find(running.id).typeDefinitionObj.browseName.name).toBe('TwoStateDiscreteType');
    expect(find(state.id).dataType.value).toBe(12); // String
    const p = find(pue.id);
    expect(p.typeDefinitionObj.browseName.name).toBe('AnalogItemType');
    expect((p.getPropertyByName('EURange') as UAVariable).readValue().value.value).toMatchObject({
      low: 1,
      high: 3,
    });
  });

  it('names each euRanges entry that is not used: unknown id, not numeric, has bounds', () => {
    const problems = euRangeProblems(
      { ...euRanges, 'nowhere/x': { low: 0, high: 1 }, [running.id]: { low: 0, high: 1 } },
      defs,
    );
    expect(problems).toEqual([
      expect.stringContaining(`"${temp.id}" has bounds (30 … 90)`),
      expect.stringContaining('no point "nowhere/x"'),
      expect.stringContaining(`"${running.id}" is not numeric`),
    ]);
  });

  it('shows nothing but BadWaitingForInitialData before a first sample', () => {
    points.refresh(
      (id) => latest.get(id),
      () => 'auto',
      0,
    );
    expect(find(temp.id).readValue().statusCode).toBe(StatusCodes.BadWaitingForInitialData);
    expect(find('Devices/hp1.Mode').readValue().value.value).toBe('auto');
  });

  it('shows a sample as it arrives, and turns it stale when no newer one comes', () => {
    const s: Sample = { id: temp.id, value: 61, ts: 9_000, receivedAt: 10_000, quality: 'good' };
    latest.set(temp.id, s);
    points.update(s, 10_000);
    const dv = find(temp.id).readValue();
    expect(dv.value.value).toBe(61);
    expect(dv.statusCode).toBe(StatusCodes.Good);
    expect(dv.sourceTimestamp?.getTime()).toBe(9_000);
    points.refresh(
      (id) => latest.get(id),
      () => 'manual',
      12_000,
    );
    expect(find(temp.id).readValue().statusCode).toBe(StatusCodes.Good);
    points.refresh(
      (id) => latest.get(id),
      () => 'manual',
      13_100,
    );
    expect(find(temp.id).readValue().statusCode).toBe(StatusCodes.UncertainLastUsableValue);
    expect(find(temp.id).readValue().value.value).toBe(61);
    expect(find('Devices/hp1.Mode').readValue().value.value).toBe('manual');
  });

  it('lets no client write any of its variables or their properties', () => {
    const all = variablesUnder(find('Devices'));
    expect(all.length).toBeGreaterThan(8);
    for (const v of all) {
      expect([v.browseName.name, v.accessLevel & AccessLevelFlag.CurrentWrite]).toEqual([
        v.browseName.name,
        0,
      ]);
    }
  });
});

describe('AlarmNodes', () => {
  const NOW = Date.parse('2026-01-01T12:00:00.000Z');
  const alarm = (over: Partial<Alarm> = {}): Alarm => ({
    key: 'hall1/cdu_supply_high',
    priority: 'high',
    message: 'CDU supply above 44 °C',
    state: 'active-unacked',
    source: 'definition',
    raisedAt: '2026-01-01T10:00:00.000Z',
    ...over,
  });
  let alarms: AlarmNodes;

  beforeAll(() => {
    alarms = new AlarmNodes(ns, root, 100);
  });

  it('shows each listed alarm with its state, priority and message, and counts them', () => {
    alarms.sync([alarm()], NOW);
    expect(find('Alarms/hall1/cdu_supply_high.State').readValue().value.value).toBe(
      'active-unacked',
    );
    expect(find('Alarms/hall1/cdu_supply_high.Priority').readValue().value.value).toBe('high');
    expect(find('Alarms/hall1/cdu_supply_high.Message').readValue().value.value).toBe(
      'CDU supply above 44 °C',
    );
    expect(find('Alarms/hall1/cdu_supply_high.Active').readValue().value.value).toBe(true);
    expect(find('Alarms/hall1/cdu_supply_high.RaisedAt').readValue().value.value).toEqual(
      new Date('2026-01-01T10:00:00.000Z'),
    );
    expect(find('Alarms.Count').readValue().value.value).toBe(1);
  });

  it('follows an acknowledgement, removes an alarm that left the list, and shows it again when raised again', () => {
    alarms.sync([alarm({ state: 'active-acked', ackedBy: 'olli' })], NOW);
    expect(find('Alarms/hall1/cdu_supply_high.Acknowledged').readValue().value.value).toBe(true);
    alarms.sync([], NOW);
    expect(addressSpace.findNode(`ns=${ns.index};s=Alarms/hall1/cdu_supply_high`)).toBeNull();
    expect(find('Alarms.Count').readValue().value.value).toBe(0);
    alarms.sync([alarm({ raisedAt: '2026-01-01T11:00:00.000Z' })], NOW);
    expect(find('Alarms/hall1/cdu_supply_high.State').readValue().value.value).toBe(
      'active-unacked',
    );
    expect(find('Alarms.Count').readValue().value.value).toBe(1);
  });

  it('lets no client write an alarm', () => {
    for (const v of variablesUnder(find('Alarms')))
      expect(v.accessLevel & AccessLevelFlag.CurrentWrite).toBe(0);
  });
});
