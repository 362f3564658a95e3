import { describe, expect, it } from '@jest/globals';
import { isUsable, worstQuality, type Quality } from '../../../src/domain/quality';

describe('quality', () => {
  it.each<[Quality[], Quality]>([
    [[], 'good'],
    [['good', 'good'], 'good'],
    [['good', 'uncertain'], 'uncertain'],
    [['uncertain', 'stale', 'good'], 'stale'],
    [['stale', 'bad'], 'bad'],
    [['bad', 'uncertain'], 'bad'],
  ])('worst of %j is %s', (qs, worst) => {
    expect(worstQuality(qs)).toBe(worst);
  });

  it('control may use good and uncertain values, never stale or bad ones', () => {
    expect(isUsable('good')).toBe(true);
    expect(isUsable('uncertain')).toBe(true);
    expect(isUsable('stale')).toBe(false);
    expect(isUsable('bad')).toBe(false);
  });
});
