import { describe, expect, it } from '@jest/globals';
import {
  isoInZone,
  isoInZoneOrNull,
  offsetMinutes,
  siteDate,
  siteTimeText,
} from '../../../src/util/site-time';

describe('site time', () => {
  const winter = Date.UTC(2026, 11, 3, 19, 56, 43);
  const summer = Date.UTC(2026, 6, 1, 21, 0, 0);

  it('writes ISO 8601 in the site zone with its offset, and reads back to the same instant', () => {
    expect(isoInZone(winter, 'Europe/Helsinki')).toBe('2026-12-03T21:56:43+02:00');
    expect(isoInZone(summer, 'Europe/Helsinki')).toBe('2026-07-02T00:00:00+03:00');
    expect(isoInZone(winter + 250, 'Europe/Helsinki')).toBe('2026-12-03T21:56:43.250+02:00');
    expect(isoInZone(winter, 'UTC')).toBe('2026-12-03T19:56:43+00:00');
    expect(isoInZone(winter, 'America/St_Johns')).toBe('2026-12-03T16:26:43-03:30');
    for (const tz of ['Europe/Helsinki', 'America/St_Johns', 'Asia/Kolkata', 'UTC']) {
      expect(Date.parse(isoInZone(winter + 7, tz))).toBe(winter + 7);
    }
  });

  it('gives the offset across a DST change', () => {
    // Helsinki leaves summer time at 01:00 UTC on the last Sunday of October 2026 (25th).
    expect(offsetMinutes(Date.UTC(2026, 9, 25, 0, 59, 59), 'Europe/Helsinki')).toBe(180);
    expect(offsetMinutes(Date.UTC(2026, 9, 25, 1, 0, 0), 'Europe/Helsinki')).toBe(120);
  });

  it('writes text people read as 24-hour site time with the zone named', () => {
    expect(siteTimeText(winter, 'Europe/Helsinki')).toBe('2026-12-03 21:56:43 EET');
    expect(siteTimeText(summer, 'Europe/Helsinki')).toBe('2026-07-02 00:00:00 EEST');
  });

  it('gives the site’s calendar date, not UTC’s', () => {
    expect(siteDate(Date.UTC(2026, 11, 3, 22, 30), 'Europe/Helsinki')).toBe('2026-12-04');
    expect(siteDate(Date.UTC(2026, 11, 3, 22, 30), 'UTC')).toBe('2026-12-03');
  });

  it('keeps null as null', () => {
    expect(isoInZoneOrNull(null, 'UTC')).toBeNull();
    expect(isoInZoneOrNull(undefined, 'UTC')).toBeNull();
    expect(isoInZoneOrNull(0, 'UTC')).toBe('1970-01-01T00:00:00+00:00');
  });
});
