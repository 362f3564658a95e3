import { describe, expect, it } from '@jest/globals';
import { of } from 'rxjs';
import { overrideView } from '../../../src/api/override-view';
import type { SiteConfig } from '../../../src/config';
import { WriteGuard } from '../../../src/control/write-guard';
import type { Override } from '../../../src/domain/operator-event';
import type { PointDef } from '../../../src/domain/point';
import type { PointId } from '../../../src/domain/point-id';
import type { Sample } from '../../../src/domain/sample';
import { memoryLogger } from '../../helpers/logger';

/**
 * An override as the API shows it (issue 21, item 3, contract C2): requested vs what the write
 * guard wrote, the bounds and rate, and when the rate limit lets the value be reached — judged
 * with the guard's own rule, on an injected clock.
 */
const T0 = Date.UTC(2026, 11, 3, 19, 0, 0); // 21:00 in Helsinki (+02:00)
const SP = 'hp1/condenser_out_setpoint' as PointId;
const EN = 'hp1/enable' as PointId;
const point = (id: PointId, over: Partial<PointDef>): PointDef => ({
  id,
  device: 'hp1',
  name: id.split('/')[1]!,
  unit: 'degC',
  kind: 'setpoint',
  access: 'rw',
  historian: { mode: 'every' },
  expectedPeriodMs: 1000,
  staleAfterMs: 3000,
  ...over,
});
const defs = new Map<PointId, PointDef>([
  [SP, point(SP, { bounds: { min: 55, max: 85, maxRatePerMin: 2 } })],
  [EN, point(EN, { unit: 'bool', kind: 'command' })],
]);
const site = { site: { timezone: 'Europe/Helsinki' } } as SiteConfig;

function harness(reading: number | undefined) {
  let now = T0;
  const writes = new WriteGuard({
    defs,
    readOnly: false,
    log: memoryLogger().log,
    now: () => now,
    current: (id): Sample | undefined =>
      id === SP && reading !== undefined
        ? { id, value: reading, quality: 'good', ts: now, receivedAt: now }
        : undefined,
    send: () => of(undefined),
  });
  const actor = { kind: 'user' as const, name: 'olli' };
  const override = (id: PointId, value: number | boolean): Override => ({
    id,
    value,
    reason: 'test',
    actor,
    since: T0,
    expiresAt: T0 + 30 * 60_000,
  });
  return {
    writes,
    override,
    at: (t: number) => (now = t),
    view: (o: Override) => overrideView(o, { defs, writes, site }, now),
    write: (id: PointId, value: number | boolean) =>
      writes.write({ id, value, reason: 'override', actor }),
  };
}

describe('an override as the API shows it', () => {
  it('before any write: counted from the reading a minute ago, as the guard counts', () => {
    const h = harness(75);
    expect(h.view(h.override(SP, 60))).toEqual({
      point: SP,
      value: 60,
      reason: 'test',
      actor: 'user:olli',
      since: '2026-12-03T21:00:00+02:00',
      expiresAt: '2026-12-03T21:30:00+02:00',
      unit: 'degC',
      requested: 60,
      written: null,
      bounds: { min: 55, max: 85, maxRatePerMin: 2 },
      // 15 °C at 2 °C/min from a minute ago: 6.5 min from now.
      reachesAt: '2026-12-03T21:06:30+02:00',
      limitedBy: 'rate',
    });
  });

  it('while ramping: the value written (at its resolution) and when the rest is reached', async () => {
    const h = harness(75);
    const o = h.override(SP, 60);
    h.at(T0 + 5_000);
    // The first write: one minute's change from the reading, 75 → 73.
    expect(await h.write(SP, 60)).toMatchObject({ value: 73 });
    h.at(T0 + 25_000);
    // The next: 2 °C/min for 20 s, 73 → 72.3333 (shown at the point's 0.1 °C).
    expect((await h.write(SP, 60)).value).toBeCloseTo(72.3333, 4);
    const v = h.view(o);
    expect(v.written).toEqual({ value: 72.3, at: '2026-12-03T21:00:25+02:00' });
    // 12.3333 °C left at 2 °C/min from that write: 6 min 10 s later.
    expect(v).toMatchObject({ reachesAt: '2026-12-03T21:06:35+02:00', limitedBy: 'rate' });
    // The guard's decisions agree: at reachesAt the requested value goes through unchanged.
    h.at(Date.parse(v.reachesAt!));
    expect(await h.write(SP, 60)).toMatchObject({ value: 60, adjusted: [] });
    expect(h.view(o)).toMatchObject({
      written: { value: 60, at: '2026-12-03T21:06:35+02:00' },
      reachesAt: null,
      limitedBy: null,
    });
  });

  it('no rate to wait for: a small step, a boolean, a point never read', async () => {
    const h = harness(61);
    // One degree from a reading "a minute ago": the rate allows it at the next write.
    expect(h.view(h.override(SP, 60))).toMatchObject({ reachesAt: null, limitedBy: null });
    expect(h.view(h.override(EN, true))).toMatchObject({
      unit: 'bool',
      bounds: null,
      written: null,
      reachesAt: null,
      limitedBy: null,
    });
    await h.write(EN, true);
    expect(h.view(h.override(EN, true)).written).toEqual({
      value: true,
      at: '2026-12-03T21:00:00+02:00',
    });
    const unknown = harness(undefined);
    expect(unknown.view(unknown.override(SP, 60))).toMatchObject({
      written: null,
      reachesAt: null,
      limitedBy: null,
    });
  });
});
