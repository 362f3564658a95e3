import { describe, expect, it } from '@jest/globals';
import {
  bucketStart,
  dayStart,
  hourStart,
  monthStart,
  nextBucketStart,
  rateEurPerH,
  splitByHour,
  valueOf,
} from '../../../src/utility/value';

const HEL = 'Europe/Helsinki';
const H = 3_600_000;
const at = (iso: string): number => Date.parse(iso);

describe('value arithmetic', () => {
  it('1 MWh of heat at 50 EUR/MWh earns 50 EUR; electricity costs likewise', () => {
    expect(
      valueOf({ heatKwh: 1000, electricityKwh: 300, heatPrice: 50, electricityPrice: 100 }),
    ).toEqual({ revenueEur: 50, costEur: 30, netEur: 20 });
    expect(rateEurPerH(1000, 50)).toBe(50);
  });

  it('an unknown price counts no money', () => {
    expect(
      valueOf({ heatKwh: 1000, electricityKwh: 300, heatPrice: undefined, electricityPrice: 100 }),
    ).toEqual({ revenueEur: 0, costEur: 30, netEur: -30 });
  });
});

describe("the site's calendar", () => {
  it('a spring-forward day in Helsinki has 23 hours', () => {
    const noon = at('2026-03-29T12:00:00+03:00');
    const start = dayStart(noon, HEL);
    expect(start).toBe(at('2026-03-29T00:00:00+02:00'));
    const next = nextBucketStart('day', start, HEL);
    expect(next).toBe(at('2026-03-30T00:00:00+03:00'));
    expect((next - start) / H).toBe(23);
    expect(splitByHour(start, next, HEL)).toHaveLength(23);
  });

  it('a fall-back day has 25 hours, the repeated hour twice with different starts', () => {
    const start = dayStart(at('2026-10-25T12:00:00+02:00'), HEL);
    expect(start).toBe(at('2026-10-25T00:00:00+03:00'));
    const next = nextBucketStart('day', start, HEL);
    expect((next - start) / H).toBe(25);
    const hours = splitByHour(start, next, HEL).map((p) => p.hour);
    expect(hours).toHaveLength(25);
    expect(new Set(hours).size).toBe(25);
    expect(hours).toContain(at('2026-10-25T03:00:00+03:00'));
    expect(hours).toContain(at('2026-10-25T03:00:00+02:00'));
  });

  it('a day whose midnight does not exist starts when the clocks jump (Santiago)', () => {
    // 2026-09-06: 00:00 −04:00 becomes 01:00 −03:00.
    const start = dayStart(at('2026-09-06T12:00:00-03:00'), 'America/Santiago');
    expect(start).toBe(at('2026-09-06T04:00:00Z'));
    expect(nextBucketStart('day', start, 'America/Santiago') - start).toBe(23 * H);
  });

  it('hours of a half-hour zone start on its half hours (Kolkata)', () => {
    expect(hourStart(at('2026-01-01T10:10:00Z'), 'Asia/Kolkata')).toBe(at('2026-01-01T09:30:00Z'));
  });

  it('months start at local midnight of the 1st, in zones far from UTC too', () => {
    expect(monthStart(at('2026-03-15T12:00:00Z'), HEL)).toBe(at('2026-03-01T00:00:00+02:00'));
    expect(nextBucketStart('month', at('2026-03-01T00:00:00+02:00'), HEL)).toBe(
      at('2026-04-01T00:00:00+03:00'),
    );
    expect(monthStart(at('2026-01-15T00:00:00Z'), 'Pacific/Kiritimati')).toBe(
      at('2026-01-01T00:00:00+14:00'),
    );
    expect(monthStart(at('2026-01-15T00:00:00Z'), 'Pacific/Pago_Pago')).toBe(
      at('2026-01-01T00:00:00-11:00'),
    );
    expect(bucketStart('month', at('2026-01-01T00:30:00+02:00'), HEL)).toBe(
      at('2026-01-01T00:00:00+02:00'),
    );
  });

  it('cuts an interval at the hours', () => {
    const pieces = splitByHour(at('2026-12-03T10:59:00Z'), at('2026-12-03T11:01:00Z'), HEL);
    expect(pieces).toEqual([
      {
        from: at('2026-12-03T10:59:00Z'),
        to: at('2026-12-03T11:00:00Z'),
        hour: at('2026-12-03T10:00:00Z'),
      },
      {
        from: at('2026-12-03T11:00:00Z'),
        to: at('2026-12-03T11:01:00Z'),
        hour: at('2026-12-03T11:00:00Z'),
      },
    ]);
  });
});
