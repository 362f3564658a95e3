import { Subject } from 'rxjs';
import { describe, expect, it } from '@jest/globals';
import { decideWrite, WriteGuard, type GuardContext } from '../../../src/control/write-guard';
import type { PointDef } from '../../../src/domain/point';
import type { PointId } from '../../../src/domain/point-id';
import type { WriteCommand } from '../../../src/domain/write-command';
import { memoryLogger } from '../../helpers/logger';

const def = (over: Partial<PointDef> = {}): PointDef => ({
  id: 'hp1/load_setpoint' as PointId,
  device: 'hp1',
  name: 'load_setpoint',
  unit: '%',
  kind: 'setpoint',
  access: 'rw',
  bounds: { min: 0, max: 100, maxRatePerMin: 10 },
  historian: { mode: 'every' },
  expectedPeriodMs: 1000,
  staleAfterMs: 3000,
  ...over,
});
const cmd = (value: WriteCommand['value'], id = 'hp1/load_setpoint'): WriteCommand => ({
  id: id as PointId,
  value,
  reason: 'test',
  actor: { kind: 'controller', name: 'dispatch' },
});
const ctx = (over: Partial<GuardContext> = {}): GuardContext => ({
  readOnly: false,
  now: 600_000,
  ...over,
});

describe('write guard decision (pure)', () => {
  it.each([
    ['read-only site', cmd(50), def(), ctx({ readOnly: true }), 'read-only-site'],
    ['unknown point', cmd(50), undefined, ctx(), 'unknown-point'],
    ['read-only point', cmd(50), def({ access: 'r' }), ctx(), 'not-writable'],
    ['string to a number', cmd('50'), def(), ctx(), 'wrong-type'],
    ['number to a bool', cmd(1), def({ unit: 'bool', bounds: undefined }), ctx(), 'wrong-type'],
    ['NaN', cmd(Number.NaN), def(), ctx(), 'not-finite'],
    ['Infinity', cmd(Infinity), def(), ctx(), 'not-finite'],
    ['numeric without bounds', cmd(5), def({ bounds: undefined }), ctx(), 'not-writable'],
  ] as const)('refuses: %s', (_name, c, d, x, code) => {
    expect(decideWrite(c, d, x)).toMatchObject({ allow: false, code });
  });

  it('passes a value inside bounds, with no reference to limit its rate', () => {
    expect(decideWrite(cmd(42), def(), ctx())).toEqual({ allow: true, value: 42, adjusted: [] });
  });

  it('clamps into bounds, and says so', () => {
    expect(decideWrite(cmd(120), def(), ctx())).toEqual({
      allow: true,
      value: 100,
      adjusted: ['clamped from 120.0 to the maximum 100.0'],
    });
    expect(decideWrite(cmd(-5), def(), ctx())).toMatchObject({ value: 0 });
  });

  it('says the values in its reasons at the point’s resolution, not float noise (issue 21)', () => {
    const reference = { value: 40.1 + 0.2, at: 600_000 - 30_000 };
    const d = decideWrite(cmd(80.30000000000001), def(), ctx({ reference }));
    // The value written keeps full precision; only the text is rounded.
    expect(d).toMatchObject({ adjusted: ['rate-limited from 80.3 to 45.3 (10/min)'] });
    expect(d.allow && d.value).toBeCloseTo(45.3, 9);
  });

  it('limits the rate of change from the last value, by elapsed time', () => {
    // 10 %/min, 30 s since the last write at 40: at most 45.
    const reference = { value: 40, at: 600_000 - 30_000 };
    expect(decideWrite(cmd(80), def(), ctx({ reference }))).toEqual({
      allow: true,
      value: 45,
      adjusted: ['rate-limited from 80.0 to 45.0 (10/min)'],
    });
    expect(decideWrite(cmd(0), def(), ctx({ reference }))).toMatchObject({ value: 35 });
    expect(decideWrite(cmd(44), def(), ctx({ reference }))).toEqual({
      allow: true,
      value: 44,
      adjusted: [],
    });
  });

  it('passes booleans and text to points of that type', () => {
    expect(
      decideWrite(cmd(true, 'hp1/enable'), def({ unit: 'bool', bounds: undefined }), ctx()),
    ).toEqual({
      allow: true,
      value: true,
      adjusted: [],
    });
  });

  it('does not hold back a command in the safe direction for cooling with the rate limit', () => {
    const reference = { value: 90, at: 600_000 - 60_000 };
    const limited = decideWrite(cmd(0), def(), ctx({ reference }));
    expect(limited).toMatchObject({ allow: true, value: 80 });
    const safe = decideWrite({ ...cmd(0), safety: true }, def(), ctx({ reference }));
    expect(safe).toEqual({ allow: true, value: 0, adjusted: [] });
    // Bounds still apply.
    expect(decideWrite({ ...cmd(-5), safety: true }, def(), ctx({ reference }))).toMatchObject({
      allow: true,
      value: 0,
    });
  });
});

describe('WriteGuard', () => {
  it('sends allowed writes, never refused ones; counts, logs and reports every outcome', async () => {
    const sent: [PointId, unknown][] = [];
    const { log, lines } = memoryLogger('debug');
    let now = 1_000_000;
    const g = new WriteGuard({
      defs: new Map([[def().id, def()]]),
      readOnly: false,
      log,
      now: () => now,
      current: () => ({ id: def().id, value: 20, ts: 0, receivedAt: 0, quality: 'good' }),
      send: (id, value) => {
        sent.push([id, value]);
        return Promise.resolve();
      },
    });
    const outcomes: string[] = [];
    g.outcomes$.subscribe((o) => outcomes.push(o.status));
    // First write: one minute's change from the current reading (20) allowed.
    expect(await g.write(cmd(50))).toMatchObject({ status: 'written', value: 30 });
    now += 60_000;
    expect(await g.write(cmd(50))).toMatchObject({ status: 'written', value: 40 });
    expect(await g.write(cmd('x'))).toMatchObject({ status: 'rejected', code: 'wrong-type' });
    expect(sent).toEqual([
      ['hp1/load_setpoint', 30],
      ['hp1/load_setpoint', 40],
    ]);
    expect(outcomes).toEqual(['written', 'written', 'rejected']);
    expect(g.stats()).toEqual({
      written: 2,
      rejected: 1,
      failed: 0,
      adjusted: 2,
      rejectedBy: { 'wrong-type': 1 },
    });
    expect(lines().map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        'write adjusted by the write guard',
        'write refused by the write guard',
      ]),
    );
  });

  it('reports a device failure as failed, with the reason', async () => {
    const g = new WriteGuard({
      defs: new Map([[def().id, def()]]),
      readOnly: false,
      log: memoryLogger().log,
      send: () => Promise.reject(new Error('Modbus exception 3: Illegal data value')),
    });
    expect(await g.write(cmd(5))).toMatchObject({
      status: 'failed',
      value: 5,
      reason: 'Modbus exception 3: Illegal data value',
    });
    expect(g.stats()).toMatchObject({ failed: 1, written: 0 });
  });

  it('records the outcome of a write already sent when its caller stops waiting', () => {
    // A control loop stopping mid-cycle unsubscribes from its writes; the device may have got
    // the value all the same, and the audit trail and historian must say what became of it.
    const answer = new Subject<void>();
    const g = new WriteGuard({
      defs: new Map([[def().id, def()]]),
      readOnly: false,
      log: memoryLogger().log,
      send: () => answer,
    });
    const outcomes: string[] = [];
    g.outcomes$.subscribe((o) => outcomes.push(o.status));
    const caller: string[] = [];
    const waiting = g.write$(cmd(5)).subscribe((o) => caller.push(o.status));
    waiting.unsubscribe();
    expect(outcomes).toEqual([]);
    answer.complete();
    expect(outcomes).toEqual(['written']);
    expect(caller).toEqual([]);
    expect(g.stats()).toMatchObject({ written: 1 });
  });

  it('says what it last wrote to a point (for the overrides list) and what the rate counts from', async () => {
    let now = 600_000;
    const enable = def({ id: 'hp1/enable' as PointId, unit: 'bool', bounds: undefined });
    const g = new WriteGuard({
      defs: new Map([
        [def().id, def()],
        [enable.id, enable],
      ]),
      readOnly: false,
      log: memoryLogger().log,
      now: () => now,
      send: () => Promise.resolve(),
    });
    expect(g.lastWritten(def().id)).toBeUndefined();
    await g.write(cmd(42));
    now += 1000;
    await g.write(cmd(true, 'hp1/enable'));
    expect(g.lastWritten(def().id)).toEqual({ value: 42, at: 600_000 });
    expect(g.lastWritten(enable.id)).toEqual({ value: true, at: 601_000 });
    // The rate limit counts from numbers only.
    expect(g.reference(def().id, now)).toEqual({ value: 42, at: 600_000 });
    expect(g.reference(enable.id, now)).toBeUndefined();
    // A refused write is not written.
    await g.write(cmd(Number.NaN));
    expect(g.lastWritten(def().id)).toEqual({ value: 42, at: 600_000 });
  });
});
