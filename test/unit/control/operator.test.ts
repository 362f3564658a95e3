import { describe, expect, it } from '@jest/globals';
import type { OperatorEvent, Override } from '../../../src/domain/operator-event';
import { OperatorControls } from '../../../src/control/operator';
import { validateOverride } from '../../../src/control/override-rules';
import { writeDue } from '../../../src/control/write-schedule';
import type { PointDef } from '../../../src/domain/point';
import type { PointId } from '../../../src/domain/point-id';

const olli = { kind: 'user' as const, name: 'olli' };
const override = (id: string, value: number, since: number, expiresAt: number): Override => ({
  id: id as PointId,
  value,
  reason: 'test',
  actor: olli,
  since,
  expiresAt,
});

describe('operator controls', () => {
  it('overrides are active until they expire, and every change is an event', () => {
    const ops = new OperatorControls();
    const events: OperatorEvent[] = [];
    ops.events$.subscribe((e) => events.push(e));
    ops.setOverride(override('hp1/sp', 70, 0, 60_000));
    ops.setOverride(override('hp1/sp', 72, 10_000, 60_000)); // replaces the first
    expect(ops.active(30_000).map((o) => o.value)).toEqual([72]);
    expect(ops.active(60_000)).toEqual([]);
    expect(events.map((e) => e.kind)).toEqual(['override-set', 'override-set', 'override-expired']);
    expect(events[1]).toMatchObject({ replaced: { value: 70 } });
    expect(events[2]).toMatchObject({ at: 60_000, override: { value: 72 } });
  });

  it('overrides expiring together are announced once each, even to a listener that asks again', () => {
    const ops = new OperatorControls();
    const expired: string[] = [];
    ops.events$.subscribe((e) => {
      if (e.kind !== 'override-expired') return;
      expired.push(e.override.id);
      ops.active(60_000); // what a live view does on every event
    });
    for (const id of ['a/x', 'b/x', 'c/x', 'd/x']) ops.setOverride(override(id, 1, 0, 60_000));
    expect(ops.active(60_000)).toEqual([]);
    expect(expired).toEqual(['a/x', 'b/x', 'c/x', 'd/x']);
  });

  it('an override can be cancelled, by whom and why', () => {
    const ops = new OperatorControls();
    const events: OperatorEvent[] = [];
    ops.events$.subscribe((e) => events.push(e));
    ops.setOverride(override('hp1/sp', 70, 0, 60_000));
    expect(
      ops.cancelOverride('hp1/sp' as PointId, { kind: 'user', name: 'anna' }, 'test done', 5000),
    ).toBeDefined();
    expect(ops.cancelOverride('hp1/sp' as PointId, olli, 'again', 6000)).toBeUndefined();
    expect(ops.active(5000)).toEqual([]);
    expect(events.at(-1)).toMatchObject({
      kind: 'override-cancelled',
      by: { name: 'anna' },
      reason: 'test done',
      at: 5000,
    });
  });

  it('modes per device, starting from the configured manual devices', () => {
    const ops = new OperatorControls(['hp2']);
    const events: OperatorEvent[] = [];
    ops.events$.subscribe((e) => events.push(e));
    expect(ops.mode('hp2')).toBe('manual');
    expect(ops.isManual('hp2/enable' as PointId)).toBe(true);
    ops.setMode('hp1', 'manual', olli, 'maintenance', 0);
    ops.setMode('hp1', 'manual', olli, 'again', 0); // no change, no event
    ops.setMode('hp2', 'auto', olli, 'back', 0);
    expect([...ops.manualDevices()]).toEqual(['hp1']);
    expect(events).toEqual([
      {
        kind: 'mode-changed',
        device: 'hp1',
        from: 'auto',
        to: 'manual',
        by: olli,
        reason: 'maintenance',
        at: 0,
      },
      {
        kind: 'mode-changed',
        device: 'hp2',
        from: 'manual',
        to: 'auto',
        by: olli,
        reason: 'back',
        at: 0,
      },
    ]);
  });
});

const def = (over: Partial<PointDef> = {}): PointDef => ({
  id: 'hp1/sp' as PointId,
  device: 'hp1',
  name: 'sp',
  unit: 'degC',
  kind: 'setpoint',
  access: 'rw',
  bounds: { min: 55, max: 85 },
  historian: { mode: 'every' },
  expectedPeriodMs: 1000,
  staleAfterMs: 3000,
  ...over,
});
const req = (value: unknown, durationMs = 60_000, reason = 'test') => ({
  id: 'hp1/sp',
  value: value as number,
  durationMs,
  reason,
});

describe('override rules', () => {
  it.each([
    ['a value within bounds', req(70), def(), undefined],
    ['no such point', req(70), undefined, /no point hp1\/sp/],
    ['a read-only point', req(70), def({ access: 'r' }), /not writable/],
    ['the wrong type', req(true), def(), /takes a number, got boolean/],
    ['above the bounds (refused, not clamped)', req(90), def(), /outside its bounds 55\.\.85 degC/],
    ['below the bounds', req(50), def(), /outside its bounds/],
    ['not finite', req(Number.POSITIVE_INFINITY), def(), /not a finite number/],
    ['no duration', req(70, 0), def(), /duration > 0/],
    ['too long', req(70, 9 * 3600_000), def(), /at most 480 min/],
    ['no reason', req(70, 60_000, '  '), def(), /needs a reason/],
    ['a boolean point', req(true), def({ unit: 'bool', bounds: undefined }), undefined],
  ] as const)('%s', (_l, r, d, problem) => {
    const result = validateOverride(r, d, 8 * 3600_000);
    if (problem === undefined) expect(result).toBeUndefined();
    else expect(result).toMatch(problem);
  });
});

describe('write schedule', () => {
  it.each([
    ['never sent', 50, undefined, 0, true],
    ['unchanged, recently', 50, { value: 50, at: 0 }, 30_000, false],
    ['unchanged, refresh due', 50, { value: 50, at: 0 }, 60_000, true],
    ['changed', 51, { value: 50, at: 0 }, 5_000, true],
    ['boolean unchanged', true, { value: true, at: 0 }, 5_000, false],
    ['boolean changed', false, { value: true, at: 0 }, 5_000, true],
  ] as const)('%s → %s', (_l, value, last, now, due) => {
    expect(writeDue(value, last, now, 60_000)).toBe(due);
  });
});
