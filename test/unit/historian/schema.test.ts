import { describe, expect, it } from '@jest/globals';
import type { PointDef } from '../../../src/domain/point';
import type { PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import type { LineError } from '../../../src/historian/line-protocol';
import { encodeLine } from '../../../src/historian/line-protocol';
import {
  alarmRecord,
  operatorRecord,
  sampleLine,
  sampleRecord,
} from '../../../src/historian/schema';

const T = Date.UTC(2026, 0, 15, 6);
const override = {
  id: 'hp1/condenser_out_setpoint' as PointId,
  value: 70,
  reason: 'network test',
  actor: { kind: 'user' as const, name: 'olli' },
  since: T,
  expiresAt: T + 3600_000,
};

describe('historian records of operator actions and alarms', () => {
  it('an override set, cancelled and expired: audit records naming who, what and why', () => {
    expect(encodeLine(operatorRecord('demo', { kind: 'override-set', override, at: T }))).toBe(
      `audit,actor_kind=user,device=hp1,event=override-set,point=condenser_out_setpoint,site=demo actor="user:olli",reason="network test",override_by="user:olli",expires_at="2026-01-15T07:00:00.000Z",value=70 ${T}000000`,
    );
    const cancelled = encodeLine(
      operatorRecord('demo', {
        kind: 'override-cancelled',
        override,
        by: { kind: 'user', name: 'anna' },
        reason: 'done',
        at: T + 60_000,
      }),
    );
    expect(cancelled).toContain('event=override-cancelled');
    expect(cancelled).toContain('actor="user:anna",reason="done",override_by="user:olli"');
    const expired = encodeLine(
      operatorRecord('demo', { kind: 'override-expired', override, at: T + 3600_000 }),
    );
    expect(expired).toContain('actor_kind=system,');
    expect(expired).toContain(' actor="system:heatbridge",reason="override expired"');
  });

  it('a mode change', () => {
    expect(
      encodeLine(
        operatorRecord('demo', {
          kind: 'mode-changed',
          device: 'hp2',
          from: 'auto',
          to: 'manual',
          by: { kind: 'user', name: 'olli' },
          reason: 'maintenance',
          at: T,
        }),
      ),
    ).toBe(
      `audit,actor_kind=user,device=hp2,event=mode-changed,site=demo actor="user:olli",reason="maintenance",state="manual",previous_state="auto" ${T}000000`,
    );
  });

  it('alarms raised and cleared, 1 and 0 so Grafana can draw them', () => {
    expect(
      encodeLine(
        alarmRecord('demo', {
          key: 'cooling-safety',
          active: true,
          priority: 'critical',
          message: 'acting',
          at: T,
        }),
      ),
    ).toBe(
      `alarm,alarm=cooling-safety,event=raised,priority=critical,site=demo value=1,message="acting" ${T}000000`,
    );
    expect(
      encodeLine(
        alarmRecord('demo', {
          key: 'cooling-safety',
          active: false,
          priority: 'critical',
          message: 'released',
          at: T,
        }),
      ),
    ).toContain('event=cleared,priority=critical,site=demo value=0');
  });
});

type Def = Pick<PointDef, 'kind' | 'unit'>;
/** Units the schema never has, to see escaping and refusals (the config allows none of them). */
const oddUnit = (u: string): PointDef['unit'] => u as PointDef['unit'];

describe('a sample as a line (the historian’s fast path)', () => {
  const id = 'hp1/condenser_out_temp' as PointId;
  const sample = (over: Partial<Sample>): Sample => ({
    id,
    value: 71.25,
    ts: T,
    receivedAt: T + 40,
    quality: 'good',
    ...over,
  });
  const general = (def: Def, s: Sample): string => {
    try {
      return encodeLine(sampleRecord('demo site', def, s));
    } catch (err) {
      return `refused: ${(err as LineError).reason}`;
    }
  };
  const fast = (def: Def, s: Sample): string => {
    try {
      return sampleLine('demo site', def, s);
    } catch (err) {
      return `refused: ${(err as LineError).reason}`;
    }
  };

  it('is the same text as the general encoder, for every kind of value, quality and time', () => {
    const defs: Def[] = [
      { kind: 'measurement', unit: 'degC' },
      { kind: 'command', unit: 'bool' },
      { kind: 'measurement', unit: oddUnit('m3/h, net') },
    ];
    const samples = [
      sample({}),
      sample({ value: 0 }),
      sample({ value: -1e-7 }),
      sample({ value: 65535 }),
      sample({ value: true }),
      sample({ value: false, quality: 'uncertain' }),
      sample({ value: 'running' }),
      sample({ value: null, quality: 'bad' }),
      sample({ value: 70, quality: 'stale' }),
      sample({ value: NaN }),
      sample({ value: Infinity, quality: 'bad' }),
      sample({ ts: 0 }),
      sample({ ts: T + 0.6 }),
      sample({ ts: NaN }),
    ];
    let compared = 0;
    for (const def of defs)
      for (const s of samples) {
        // Twice: the second time from the cached prefix.
        expect(fast(def, s)).toBe(general(def, s));
        expect(fast(def, s)).toBe(general(def, s));
        compared += 1;
      }
    expect(compared).toBe(defs.length * samples.length);
    expect(fast(defs[0]!, sample({}))).toBe(
      `measurement,device=hp1,point=condenser_out_temp,quality=good,site=demo\\ site,unit=degC value=71.25 ${T}000000`,
    );
  });

  it('refuses a tag with a line break as the general encoder does', () => {
    const def: Def = { kind: 'measurement', unit: oddUnit('deg\nC') };
    expect(fast(def, sample({}))).toBe('refused: tag unit contains a line break');
    expect(fast(def, sample({}))).toBe(general(def, sample({})));
  });
});
