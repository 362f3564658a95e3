import { describe, expect, it } from '@jest/globals';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { brokerUrlForLog, sparkplugSchema } from '../../../src/config/sparkplug';
import type { PointDef } from '../../../src/domain/point';
import type { PointId } from '../../../src/domain/point-id';
import { ChangeBatcher, isChange } from '../../../src/northbound/sparkplug/change-batcher';
import {
  DataSpool,
  MAX_REPLAY_ATTEMPTS,
  parseSpooledLine,
} from '../../../src/northbound/sparkplug/data-spool';
import { MetricCatalog } from '../../../src/northbound/sparkplug/metrics';
import { BdSeqStore, SeqCounter } from '../../../src/northbound/sparkplug/sequence';
import { memoryLogger } from '../../helpers/logger';
import { sampleAt } from '../../helpers/samples';

function def(id: string, historian: PointDef['historian']): PointDef {
  const [device, name] = id.split('/') as [string, string];
  return {
    id: id as PointId,
    device,
    name,
    unit: 'degC',
    kind: 'measurement',
    access: 'r',
    historian,
    expectedPeriodMs: 1000,
    staleAfterMs: 3000,
  };
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'hb-sparkplug-unit-'));

describe('seq and bdSeq', () => {
  it('seq: NBIRTH takes 0, then 1, 2, … 255, 0', () => {
    const s = new SeqCounter();
    expect(s.reset()).toBe(0);
    const seen = Array.from({ length: 300 }, () => s.next());
    expect(seen.slice(0, 3)).toEqual([1, 2, 3]);
    expect(seen[254]).toBe(255);
    expect(seen[255]).toBe(0);
    expect(s.reset()).toBe(0);
    expect(s.next()).toBe(1);
  });

  it('bdSeq: committed sessions survive a restart and wrap after 255; an unreadable file is set aside', () => {
    const dir = tmp();
    const file = join(dir, 'state.json');
    const { log, lines } = memoryLogger();
    const a = new BdSeqStore(file, log, () => 0);
    a.load();
    expect(a.next).toBe(0);
    a.commit(a.next);
    // An attempt that never connected commits nothing: the next still gets 1.
    expect(a.next).toBe(1);
    const b = new BdSeqStore(file, log, () => 0);
    b.load();
    expect(b.next).toBe(1);
    b.commit(255);
    expect(b.next).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ nextBdSeq: 0 });

    writeFileSync(file, 'not json');
    const c = new BdSeqStore(file, log, () => 0);
    c.load();
    expect(c.next).toBe(0);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(dir).some((n) => n.includes('.corrupt-'))).toBe(true);
    expect(lines().some((l) => l.level === 'warn' && String(l.msg).includes('unreadable'))).toBe(
      true,
    );
  });
});

describe('report by exception', () => {
  const onChange = { mode: 'on-change', deadband: 0.5 } as const;

  it('sends a value beyond the deadband, any quality change, any change of an "every" point', () => {
    const last = { value: 10, quality: 'good' } as const;
    expect(isChange(onChange, { value: 10.4, quality: 'good' }, last)).toBe(false);
    expect(isChange(onChange, { value: 10.6, quality: 'good' }, last)).toBe(true);
    expect(isChange(onChange, { value: 10, quality: 'stale' }, last)).toBe(true);
    expect(isChange({ mode: 'every' }, { value: 10.01, quality: 'good' }, last)).toBe(true);
    expect(isChange({ mode: 'every' }, { value: 10, quality: 'good' }, last)).toBe(false);
    expect(isChange(onChange, { value: 1, quality: 'good' }, undefined)).toBe(true);
  });

  it('keeps every change of an interval, per device, judged against what was sent or born', () => {
    const catalog = new MetricCatalog([
      def('a/x', { mode: 'every' }),
      def('b/y', { mode: 'every' }),
    ]);
    const x = catalog.get('a/x' as PointId)!;
    const y = catalog.get('b/y' as PointId)!;
    const b = new ChangeBatcher();
    b.seed(x.id, 1, 'good');
    expect(b.offer(x, sampleAt('a/x', 1, 10))).toBe(false);
    expect(b.offer(x, sampleAt('a/x', 2, 20))).toBe(true);
    expect(b.offer(x, sampleAt('a/x', 3, 30))).toBe(true);
    expect(b.offer(y, sampleAt('b/y', 7, 30))).toBe(true);
    const drained = b.drain();
    expect([...drained.keys()]).toEqual(['a', 'b']);
    expect(drained.get('a')!.map((c) => [c.change.value, c.change.ts])).toEqual([
      [2, 20],
      [3, 30],
    ]);
    expect(b.size).toBe(0);
    expect(b.drain().size).toBe(0);
  });
});

describe('the Sparkplug spool', () => {
  it('gives back batches in order after a restart, resolving points by name; unknown ones counted', () => {
    const dir = tmp();
    const { log } = memoryLogger();
    const catalog = new MetricCatalog([
      def('a/x', { mode: 'every' }),
      def('a/z', { mode: 'every' }),
    ]);
    const x = catalog.get('a/x' as PointId)!;
    const z = catalog.get('a/z' as PointId)!;
    const first = new DataSpool({ dir, maxBytes: 1024 * 1024, log, now: () => 0 });
    first.open();
    first.append([[{ entry: x, change: { value: 1, ts: 1, quality: 'good' } }]]);
    first.append([
      [
        { entry: x, change: { value: 2, ts: 2, quality: 'stale' } },
        { entry: z, change: { value: null, ts: 3, quality: 'bad' } },
      ],
    ]);
    first.close();

    // A restart whose configuration no longer has a/z.
    const later = new MetricCatalog([def('a/x', { mode: 'every' })]);
    const again = new DataSpool({ dir, maxBytes: 1024 * 1024, log, now: () => 0 });
    again.open();
    expect(again.stats().lines).toBe(2);
    const taken = again.take(later)!;
    expect(
      taken.batches.map((b) => b.map((c) => [c.entry.id, c.change.value, c.change.quality])),
    ).toEqual([[['a/x', 1, 'good']], [['a/x', 2, 'stale']]]);
    expect(again.unknown).toBe(1);
    // Released (not acknowledged): still there; acknowledged: gone.
    again.release();
    expect(again.stats().lines).toBe(2);
    again.ack(again.take(later)!.segment);
    expect(again.stats().lines).toBe(0);
    expect(again.take(later)).toBeUndefined();
  });
});

describe('damaged spool data', () => {
  const catalog = new MetricCatalog([def('a/x', { mode: 'every' })]);

  it('knows a stored batch from anything else', () => {
    expect(parseSpooledLine('{"d":"a","c":[["x",1,5,"good"],["x",null,6,"bad"]]}')).toEqual({
      d: 'a',
      c: [
        ['x', 1, 5, 'good'],
        ['x', null, 6, 'bad'],
      ],
    });
    for (const bad of [
      'not json',
      '{"d":"a","c":[["x",1,',
      'null',
      '[]',
      '{"d":1,"c":[]}',
      '{"d":"a"}',
      '{"d":"a","c":[["x",1,5]]}',
      '{"d":"a","c":[["x",1,5,"excellent"]]}',
      '{"d":"a","c":[["x",{},5,"good"]]}',
      '{"d":"a","c":[["x",1,"5","good"]]}',
      '{"d":"a","c":[[7,1,5,"good"]]}',
    ])
      expect(parseSpooledLine(bad)).toBeUndefined();
  });

  it('skips lines that are not stored batches and counts them once per segment', () => {
    const dir = tmp();
    const { log, lines } = memoryLogger();
    writeFileSync(
      join(dir, 'seg-0000000001-5-3.lp'),
      '{"d":"a","c":[["x",1,5,"good"]]}\n\u0000\u0000garbage\n{"d":"a","c":[["x",2,6,"good"]]}\n',
    );
    const spool = new DataSpool({ dir, maxBytes: 1024 * 1024, log, now: () => 0 });
    spool.open();
    const taken = spool.take(catalog)!;
    expect(taken.batches.map((b) => b.map((c) => c.change.value))).toEqual([[1], [2]]);
    expect(spool.corrupt).toBe(1);
    // Taken again (the connection dropped during its replay): not counted twice.
    spool.release();
    spool.take(catalog);
    expect(spool.corrupt).toBe(1);
    expect(lines().filter((l) => l.level === 'warn')).toHaveLength(1);
    spool.ack(taken.segment);
    expect(spool.stats().lines).toBe(0);
  });

  it(`sets a segment aside as .bad after ${MAX_REPLAY_ATTEMPTS} failed replays, so newer data flows; logged once`, () => {
    const dir = tmp();
    const { log, lines } = memoryLogger();
    const entry = catalog.get('a/x' as PointId)!;
    const spool = new DataSpool({ dir, maxBytes: 1024 * 1024, log, now: () => 0 });
    spool.open();
    spool.append([[{ entry, change: { value: 1, ts: 1, quality: 'good' } }]]);
    const first = spool.take(catalog)!.segment;
    spool.append([[{ entry, change: { value: 2, ts: 2, quality: 'good' } }]]);
    for (let i = 1; i < MAX_REPLAY_ATTEMPTS; i++) {
      expect(spool.failed(new Error('broker refused the message'))).toBe('retry');
      // Retried: the same segment again.
      expect(spool.take(catalog)!.segment.file).toBe(first.file);
    }
    expect(spool.failed(new Error('broker refused the message'))).toBe('quarantined');
    expect(spool.quarantined).toBe(1);
    expect(existsSync(first.file)).toBe(false);
    expect(existsSync(`${first.file}.bad`)).toBe(true);
    // The newer data comes next.
    const next = spool.take(catalog)!;
    expect(next.batches[0]![0]!.change.value).toBe(2);
    spool.ack(next.segment);
    expect(spool.stats().lines).toBe(0);
    const notable = lines().filter((l) => l.level === 'warn' || l.level === 'error');
    expect(notable.map((l) => l.level)).toEqual(['warn', 'error']);
    // A restart does not take the set-aside file up again.
    spool.close();
    const again = new DataSpool({ dir, maxBytes: 1024 * 1024, log, now: () => 0 });
    again.open();
    expect(again.stats().lines).toBe(0);
  });

  it('sets aside a segment that cannot even be read', () => {
    const dir = tmp();
    const { log } = memoryLogger();
    // A directory where a segment file should be: reading it fails (EISDIR).
    mkdirSync(join(dir, 'seg-0000000001-5-1.lp'));
    const spool = new DataSpool({ dir, maxBytes: 1024 * 1024, log, now: () => 0 });
    spool.open();
    let outcome: string | undefined;
    for (let i = 0; i < MAX_REPLAY_ATTEMPTS; i++) {
      expect(() => spool.take(catalog)).toThrow();
      outcome = spool.failed(new Error('read failed'));
    }
    expect(outcome).toBe('quarantined');
    expect(spool.take(catalog)).toBeUndefined();
  });
});

describe('the sparkplug config', () => {
  it('has defaults for everything but the URL, and keeps the password secret', () => {
    const cfg = sparkplugSchema({ MQTT_PW: 's3cret' }).parse({
      url: 'mqtts://broker.example:8883',
      username: 'edge',
      password: { env: 'MQTT_PW' },
    });
    expect(cfg).toMatchObject({
      groupId: 'heatbridge',
      publishIntervalMs: 1000,
      dataQos: 1,
      stateFile: 'data/sparkplug-state.json',
      spool: { dir: 'data/sparkplug-spool' },
      kpis: true,
    });
    expect(cfg.password?.reveal()).toBe('s3cret');
    expect(JSON.stringify(cfg)).not.toContain('s3cret');
    expect(inspect(cfg)).not.toContain('s3cret');
  });

  it('refuses ids that would break the topic namespace, other URLs and QoS 2', () => {
    const parse = (extra: Record<string, unknown>) =>
      sparkplugSchema({}).safeParse({ url: 'mqtt://localhost:1883', ...extra }).success;
    expect(parse({})).toBe(true);
    expect(parse({ groupId: 'a/b' })).toBe(false);
    expect(parse({ edgeNodeId: 'x+' })).toBe(false);
    expect(parse({ primaryHostId: '#' })).toBe(false);
    expect(parse({ dataQos: 2 })).toBe(false);
    expect(parse({ url: 'http://localhost' })).toBe(false);
    expect(parse({ url: 'mqtt://localhost:1883/path' })).toBe(false);
    expect(parse({ unknownKey: 1 })).toBe(false);
    expect(parse({ url: 'mqtts://broker.example:8883' })).toBe(true);
    expect(
      sparkplugSchema({}).safeParse({ url: 'mqtt://h', password: { env: 'NOPE' } }).success,
    ).toBe(false);
  });
});

describe('the broker URL and credentials', () => {
  it('refuses a user name or password in the URL, pointing to username and password', () => {
    for (const url of ['mqtt://edge:s3cret@broker:1883', 'mqtts://edge@broker', 'mqtt://:p@ss@h']) {
      const result = sparkplugSchema({}).safeParse({ url });
      expect(result.success).toBe(false);
      const message = result.error!.issues.map((i) => i.message).join('; ');
      expect(message).toMatch(/username/);
      expect(message).toMatch(/password/);
      expect(message).not.toContain('s3cret');
    }
  });

  it('logs the URL without user info', () => {
    expect(brokerUrlForLog('mqtt://edge:s3cret@broker:1883')).toBe('mqtt://broker:1883');
    expect(brokerUrlForLog('mqtts://a:b@c@broker')).toBe('mqtts://broker');
    expect(brokerUrlForLog('mqtt://broker:1883')).toBe('mqtt://broker:1883');
  });
});
