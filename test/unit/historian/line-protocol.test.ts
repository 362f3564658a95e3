import { describe, expect, it } from '@jest/globals';
import {
  encodeLine,
  LineError,
  parseLine,
  type LineRecord,
} from '../../../src/historian/line-protocol';
import { sampleRecord } from '../../../src/historian/schema';
import type { PointId } from '../../../src/domain/point-id';

const rec = (over: Partial<LineRecord> = {}): LineRecord => ({
  measurement: 'measurement',
  tags: { site: 'demo', device: 'hp1', point: 'load', unit: '%', quality: 'good' },
  fields: { value: 42.5 },
  time: 1_700_000_000_123,
  ...over,
});

describe('line protocol', () => {
  it('writes sorted tags, float fields and nanosecond times', () => {
    expect(encodeLine(rec())).toBe(
      'measurement,device=hp1,point=load,quality=good,site=demo,unit=% value=42.5 1700000000123000000',
    );
  });

  it('escapes what line protocol requires, and reads it back unchanged', () => {
    const odd = rec({
      measurement: 'my measurement,1',
      tags: {
        site: 'a b',
        device: 'x=y',
        point: 'p,q',
        unit: 'm3/h',
        quality: 'good',
        note: 'C:\\dir',
      },
      fields: { value: 1, state: 'say "hi", a=b\\c', ok: true },
    });
    const line = encodeLine(odd);
    expect(line).toContain('my\\ measurement\\,1,');
    expect(line).toContain('device=x\\=y');
    expect(line).toContain('site=a\\ b');
    expect(line).toContain('state="say \\"hi\\", a=b\\\\c"');
    expect(parseLine(line)).toEqual(odd);
  });

  it('always writes numbers as floats (a field must not change type between lines)', () => {
    expect(encodeLine(rec({ fields: { value: 3 } }))).toContain(' value=3 ');
    expect(parseLine(encodeLine(rec({ fields: { value: -0.001 } }))).fields.value).toBe(-0.001);
    expect(parseLine(encodeLine(rec({ fields: { value: 1e21 } }))).fields.value).toBe(1e21);
  });

  it.each([
    ['NaN', rec({ fields: { value: Number.NaN } }), 'field value is NaN, not a finite number'],
    [
      'Infinity',
      rec({ fields: { value: Infinity } }),
      'field value is Infinity, not a finite number',
    ],
    ['a line break in a tag', rec({ tags: { site: 'de\nmo' } }), 'contains a line break'],
    ['a line break in a string', rec({ fields: { state: 'a\r\nb' } }), 'contains a line break'],
    ['a huge string', rec({ fields: { state: 'x'.repeat(64 * 1024 + 1) } }), 'longer than 64 KiB'],
    ['no fields', rec({ fields: {} }), 'no fields'],
    [
      'a backslash before a separator',
      rec({ tags: { site: 'a\\ b' } }),
      'has a backslash before a separator',
    ],
    [
      'a tag ending in a backslash',
      rec({ tags: { site: 'a\\' } }),
      'has a backslash before a separator',
    ],
  ])('refuses %s instead of writing a line the database would refuse', (_n, r, reason) => {
    expect(() => encodeLine(r)).toThrow(LineError);
    expect(() => encodeLine(r)).toThrow(reason);
  });

  it('leaves out empty tags (InfluxDB drops them anyway)', () => {
    expect(encodeLine(rec({ tags: { site: 'demo', device: '' } }))).toBe(
      'measurement,site=demo value=42.5 1700000000123000000',
    );
  });

  it('reads ordinary line protocol too: integers, booleans, no timestamp', () => {
    const r = parseLine('cpu,host=a usage=5i,up=t,name="x y"');
    expect(r.fields).toEqual({ usage: 5, up: true, name: 'x y' });
    expect(() => parseLine('garbage')).toThrow(LineError);
  });
});

describe('cached series keys', () => {
  it('follow the measurement, the tags and the quality of every record', () => {
    const def = { kind: 'measurement' as const, unit: 'kW' as const };
    const at = (quality: 'good' | 'stale', id = 'hp1/power') =>
      sampleRecord('demo', def, {
        id: id as PointId,
        value: 1,
        ts: 1000,
        receivedAt: 2000,
        quality,
      });
    const good = encodeLine(at('good'));
    expect(good).toBe(
      'measurement,device=hp1,point=power,quality=good,site=demo,unit=kW value=1 1000000000',
    );
    expect(encodeLine(at('stale'))).toBe(
      'measurement,device=hp1,point=power,quality=stale,site=demo,unit=kW value=1 2000000000',
    );
    expect(encodeLine(at('good', 'hp2/power'))).toContain('device=hp2,point=power,quality=good');
    // The same frozen tags under another measurement, and plain tag objects, are not confused.
    const r = at('good');
    expect(encodeLine({ ...r, measurement: 'setpoint' })).toMatch(/^setpoint,device=hp1/);
    expect(encodeLine({ ...r, tags: { ...r.tags, point: 'heat' } })).toContain('point=heat');
    expect(encodeLine(at('good'))).toBe(good);
  });
});
