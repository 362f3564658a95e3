import { describe, expect, it } from '@jest/globals';
import { ProcessImage } from '../../../src/control/process-image';
import type { PointId } from '../../../src/domain/point-id';
import { sampleAt } from '../../helpers/samples';

const s = sampleAt;
const defs = new Map([
  ['a/temp' as PointId, { staleAfterMs: 10_000 }],
  ['a/on' as PointId, { staleAfterMs: 10_000 }],
]);

describe('process image', () => {
  it.each([
    ['fresh good number', s('a/temp', 40, 95_000), 40, 'good'],
    ['uncertain number is usable', s('a/temp', 40, 95_000, 'uncertain'), 40, 'uncertain'],
    ['older than its stale window', s('a/temp', 40, 89_000), undefined, 'stale'],
    ['bad', s('a/temp', 40, 99_000, 'bad'), undefined, 'bad'],
    ['no value', s('a/temp', null, 99_000), undefined, 'good'],
    ['not finite', s('a/temp', Number.NaN, 99_000), undefined, 'good'],
    ['a boolean is not a number', s('a/temp', true, 99_000), undefined, 'good'],
  ] as const)('%s', (_l, sample, expected, quality) => {
    const image = ProcessImage.build([sample], defs, 100_000);
    expect(image.number('a/temp' as PointId)).toBe(expected);
    expect(image.quality('a/temp' as PointId)).toBe(quality);
  });

  it('judges staleness once, at the image time, for every point alike', () => {
    // Older than the window is stale; exactly the window is not yet.
    const image = ProcessImage.build(
      [s('a/temp', 40, 89_999), s('a/on', true, 90_000)],
      defs,
      100_000,
    );
    expect(image.quality('a/temp' as PointId)).toBe('stale');
    expect(image.bool('a/on' as PointId)).toBe(true);
  });

  it('a point never seen reads as bad', () => {
    const image = ProcessImage.build([], defs, 0);
    expect(image.quality('a/temp' as PointId)).toBe('bad');
    expect(image.usable('a/temp' as PointId)).toBe(false);
  });
});
