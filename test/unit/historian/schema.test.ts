import { describe, expect, it } from '@jest/globals';
import type { PointId } from '../../../src/domain/point-id';
import { encodeLine } from '../../../src/historian/line-protocol';
import { alarmRecord, operatorRecord } from '../../../src/historian/schema';

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
