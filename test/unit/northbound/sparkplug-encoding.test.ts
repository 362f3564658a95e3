import { describe, expect, it } from '@jest/globals';
import { decodePayload, encodePayload } from 'sparkplug-payload/lib/sparkplugbpayload';
import { readCommand } from '../../../src/northbound/sparkplug/commands';
import type { PointDef } from '../../../src/domain/point';
import type { PointId } from '../../../src/domain/point-id';
import {
  encodeDbirth,
  encodeDdata,
  encodeNbirth,
  encodeNdeath,
  MetricCatalog,
  QUALITY_CODE,
} from '../../../src/northbound/sparkplug/metrics';
import {
  deviceTopic,
  nodeTopic,
  parseCommandTopic,
  parseHostState,
  stateTopic,
} from '../../../src/northbound/sparkplug/topics';

function def(id: string, unit: PointDef['unit'], extra: Partial<PointDef> = {}): PointDef {
  const [device, name] = id.split('/') as [string, string];
  return {
    id: id as PointId,
    device,
    name,
    unit,
    kind: 'measurement',
    access: 'r',
    historian: { mode: 'every' },
    expectedPeriodMs: 1000,
    staleAfterMs: 3000,
    ...extra,
  };
}

const num = (v: unknown): number =>
  typeof v === 'number' ? v : (v as { toNumber(): number }).toNumber();

const DEFS = [
  def('hp1/cond_out', 'degC', { bounds: { min: 10, max: 95 }, description: 'Condenser out' }),
  def('hp1/running', 'bool'),
  def('meter/heat', 'kWh'),
  def('control/mode', 'text', { access: 'rw' }),
];

describe('Sparkplug metric catalog', () => {
  it('gives every point a unique alias from 1 and a datatype from its unit', () => {
    const c = new MetricCatalog(DEFS);
    expect(c.devices()).toEqual(['hp1', 'meter', 'control']);
    expect(DEFS.map((d) => c.get(d.id)?.alias)).toEqual([1, 2, 3, 4]);
    expect(DEFS.map((d) => c.get(d.id)?.type)).toEqual(['Double', 'Boolean', 'Double', 'String']);
    expect(c.find('hp1', 'running')?.id).toBe('hp1/running');
    expect(c.find('hp1', 'gone')).toBeUndefined();
  });
});

describe('Sparkplug payloads (decoded with Eclipse Tahu)', () => {
  const c = new MetricCatalog(DEFS);

  it('DBIRTH carries name, alias, type, value, time and the unit, range and quality properties', () => {
    const payload = decodePayload(
      encodeDbirth(
        c.ofDevice('hp1'),
        (e) => (e.name === 'cond_out' ? { value: 61.5, ts: 1_000, quality: 'stale' } : undefined),
        7,
        2_000,
      ),
    );
    expect(num(payload.seq)).toBe(7);
    expect(num(payload.timestamp)).toBe(2_000);
    const [temp, running] = payload.metrics!;
    expect(temp).toMatchObject({ name: 'cond_out', type: 'Double', value: 61.5 });
    expect(num(temp!.alias)).toBe(1);
    expect(num(temp!.timestamp)).toBe(1_000);
    expect(temp!.properties).toMatchObject({
      engUnit: { value: 'degC' },
      engLow: { value: 10 },
      engHigh: { value: 95 },
      Quality: { value: QUALITY_CODE.stale },
      Documentation: { value: 'Condenser out' },
      readOnly: { value: true },
    });
    // No value known yet: null with bad quality, no range without bounds.
    expect(running).toMatchObject({ name: 'running', type: 'Boolean', value: null });
    expect(running!.properties?.Quality?.value).toBe(0);
    expect(running!.properties?.engLow).toBeUndefined();
  });

  it('DBIRTH says readOnly for every metric, writable points too: every DCMD is refused', () => {
    const control = decodePayload(encodeDbirth(c.ofDevice('control'), () => undefined, 1, 1));
    expect(c.get('control/mode' as PointId)?.def.access).toBe('rw');
    expect(control.metrics![0]!.properties?.readOnly).toMatchObject({
      type: 'Boolean',
      value: true,
    });
  });

  it('DDATA is by alias only, several changes of a metric each with its time, historical flagged', () => {
    const temp = c.get('hp1/cond_out' as PointId)!;
    const live = decodePayload(
      encodeDdata(
        [
          { entry: temp, change: { value: 60, ts: 10, quality: 'good' } },
          { entry: temp, change: { value: 61, ts: 20, quality: 'bad' } },
        ],
        200,
        30,
      ),
    );
    expect(num(live.seq)).toBe(200);
    expect(
      live.metrics!.map((m): unknown[] => [m.name, num(m.alias), m.value, num(m.timestamp)]),
    ).toEqual([
      [undefined, 1, 60, 10],
      [undefined, 1, 61, 20],
    ]);
    // Good quality is the default (no property); a bad one says so.
    expect(live.metrics![0]!.properties).toBeUndefined();
    expect(live.metrics![1]!.properties?.Quality?.value).toBe(0);
    expect(live.metrics!.some((m) => m.isHistorical)).toBe(false);

    const hist = decodePayload(
      encodeDdata([{ entry: temp, change: { value: 59, ts: 5, quality: 'good' } }], 1, 30, true),
    );
    expect(hist.metrics![0]!.isHistorical).toBe(true);
  });

  it('NBIRTH has seq 0, bdSeq (Int64) and the rebirth control; NDEATH bdSeq and no seq', () => {
    const birth = decodePayload(
      encodeNbirth(42, [{ name: 'KPI/now/cop', type: 'Double', value: 3.9, unit: 'ratio' }], 5),
    );
    expect(num(birth.seq)).toBe(0);
    const byName = new Map(birth.metrics!.map((m) => [m.name, m]));
    expect(byName.get('bdSeq')?.type).toBe('Int64');
    expect(num(byName.get('bdSeq')?.value)).toBe(42);
    expect(byName.get('Node Control/Rebirth')).toMatchObject({ type: 'Boolean', value: false });
    expect(byName.get('KPI/now/cop')?.properties?.engUnit?.value).toBe('ratio');

    const death = decodePayload(encodeNdeath(42, 5));
    expect(death.seq).toBeUndefined();
    expect(death.metrics!.map((m) => [m.name, num(m.value)])).toEqual([['bdSeq', 42]]);
  });
});

describe('Sparkplug topics', () => {
  const ids = { groupId: 'g1', edgeNodeId: 'site1' };

  it('builds the namespace and recognises only commands addressed to this node', () => {
    expect(nodeTopic(ids, 'NBIRTH')).toBe('spBv1.0/g1/NBIRTH/site1');
    expect(deviceTopic(ids, 'DDATA', 'hp1')).toBe('spBv1.0/g1/DDATA/site1/hp1');
    expect(stateTopic('scada')).toBe('spBv1.0/STATE/scada');
    expect(parseCommandTopic(ids, 'spBv1.0/g1/NCMD/site1')).toEqual({ kind: 'NCMD' });
    expect(parseCommandTopic(ids, 'spBv1.0/g1/DCMD/site1/hp1')).toEqual({
      kind: 'DCMD',
      deviceId: 'hp1',
    });
    expect(parseCommandTopic(ids, 'spBv1.0/g1/NCMD/site2')).toBeUndefined();
    expect(parseCommandTopic(ids, 'spBv1.0/g2/DCMD/site1/hp1')).toBeUndefined();
    expect(parseCommandTopic(ids, 'spBv1.0/g1/DDATA/site1/hp1')).toBeUndefined();
  });

  it('reads a Sparkplug 3.0 STATE payload and nothing else', () => {
    expect(parseHostState(Buffer.from('{"online":true,"timestamp":5}'))).toEqual({
      online: true,
      timestamp: 5,
    });
    expect(parseHostState(Buffer.from('{"online":false}'))).toEqual({
      online: false,
      timestamp: 0,
    });
    expect(parseHostState(Buffer.from('ONLINE'))).toBeUndefined();
    expect(parseHostState(Buffer.from('{"online":"yes"}'))).toBeUndefined();
  });
});

describe('Sparkplug commands', () => {
  const ids = { groupId: 'g1', edgeNodeId: 'site1' };
  const cmd = (metrics: { name: string; type: 'Boolean' | 'Double'; value: unknown }[]): Buffer =>
    Buffer.from(encodePayload({ timestamp: 1, metrics }));

  it('obeys only a true Node Control/Rebirth; a DCMD is a write to refuse', () => {
    const rebirth = cmd([{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }]);
    expect(readCommand(ids, 'spBv1.0/g1/NCMD/site1', rebirth)).toEqual({ kind: 'rebirth' });
    expect(
      readCommand(
        ids,
        'spBv1.0/g1/NCMD/site1',
        cmd([{ name: 'Node Control/Rebirth', type: 'Boolean', value: false }]),
      ),
    ).toEqual({ kind: 'other' });
    expect(
      readCommand(
        ids,
        'spBv1.0/g1/DCMD/site1/hp1',
        cmd([{ name: 'setpoint', type: 'Double', value: 70 }]),
      ),
    ).toEqual({ kind: 'write', deviceId: 'hp1', metrics: ['setpoint'] });
    // Another node's command is none of ours; garbage is reported, not thrown.
    expect(readCommand(ids, 'spBv1.0/g1/NCMD/other', rebirth)).toBeUndefined();
    expect(
      readCommand(ids, 'spBv1.0/g1/NCMD/site1', Buffer.from([0xff, 0xff, 0xff])),
    ).toMatchObject({ kind: 'undecodable' });
  });
});
