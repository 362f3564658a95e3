import { describe, expect, it } from '@jest/globals';
import { ItProfile } from '../../../src/signals/it-profile';

const H = 3_600_000;
// 2021-01-11 00:00 in Helsinki (UTC+2).
const DAY = Date.UTC(2021, 0, 10, 22);

describe('the learned IT profile', () => {
  it('averages the first samples of an hour, then weighs one sample by 1/samples per hour', () => {
    const p = new ItProfile('Europe/Helsinki', { samplesPerHour: 4 });
    expect(p.forecast(DAY)).toBeUndefined();
    for (const kw of [1000, 2000]) p.add(DAY + 60_000, kw);
    expect(p.forecast(DAY + 30 * 60_000)).toBeCloseTo(1500, 9);
    // Once an hour has samplesPerHour samples, each new one moves it by a quarter of the way.
    for (const kw of [1500, 1500]) p.add(DAY + 60_000, kw);
    p.add(DAY + 60_000, 2500);
    expect(p.forecast(DAY)).toBeCloseTo(1500 + (2500 - 1500) / 4, 9);
    // By site hour: the next day's 00:xx is the same hour; 01:00 is not learned yet.
    expect(p.forecast(DAY + 24 * H)).toBeCloseTo(1750, 9);
    expect(p.forecast(DAY + H)).toBeUndefined();
    expect(p.learnedHours()).toBe(1);
  });

  it('survives its state file, and starts empty from a damaged one', () => {
    const p = new ItProfile('Europe/Helsinki');
    for (let h = 0; h < 24; h++) p.add(DAY + h * H, 1000 + h);
    const back = ItProfile.fromJSON('Europe/Helsinki', JSON.parse(JSON.stringify(p.toJSON())));
    expect(back.learnedHours()).toBe(24);
    expect(back.forecast(DAY + 5 * H)).toBe(1005);
    expect(ItProfile.fromJSON('Europe/Helsinki', { kw: [1, 2], seen: [] }).learnedHours()).toBe(0);
    expect(ItProfile.fromJSON('Europe/Helsinki', 'garbage').learnedHours()).toBe(0);
    const odd = p.toJSON();
    odd.kw[3] = -5;
    expect(ItProfile.fromJSON('Europe/Helsinki', odd).forecast(DAY + 3 * H)).toBeUndefined();
  });
});
