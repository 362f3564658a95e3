import { describe, expect, it } from '@jest/globals';
import { planReads, type PlannablePoint } from '../../../../src/adapters/modbus/planner';

const p = (
  key: string,
  register: number,
  count = 1,
  extra: Partial<PlannablePoint> = {},
): PlannablePoint => ({
  key,
  unitId: 1,
  table: 'holding',
  register,
  count,
  ...extra,
});

const shape = (reqs: ReturnType<typeof planReads>): string[] =>
  reqs.map(
    (r) => `${r.unitId}/${r.table}/${r.start}+${r.count}:${r.points.map((x) => x.key).join(',')}`,
  );

describe('Modbus request planner', () => {
  it('merges neighbours and points within the gap into one read', () => {
    expect(
      shape(planReads([p('a', 0), p('b', 1, 2), p('c', 10)], { maxGap: 8, maxRegisters: 125 })),
    ).toEqual(['1/holding/0+11:a,b,c']);
  });

  it('starts a new read past the gap', () => {
    expect(shape(planReads([p('a', 0), p('b', 10)], { maxGap: 8, maxRegisters: 125 }))).toEqual([
      '1/holding/0+1:a',
      '1/holding/10+1:b',
    ]);
    expect(shape(planReads([p('a', 0), p('b', 2)], { maxGap: 0, maxRegisters: 125 }))).toEqual([
      '1/holding/0+1:a',
      '1/holding/2+1:b',
    ]);
  });

  it('never exceeds the register limit', () => {
    const points = Array.from({ length: 130 }, (_, i) => p(`r${i}`, i));
    const reqs = planReads(points, { maxGap: 8, maxRegisters: 125 });
    expect(reqs.map((r) => r.count)).toEqual([125, 5]);
    expect(reqs.flatMap((r) => r.points)).toHaveLength(130);
    // A multi-register value is never cut in two.
    expect(shape(planReads([p('a', 0, 2), p('b', 2, 2)], { maxGap: 8, maxRegisters: 3 }))).toEqual([
      '1/holding/0+2:a',
      '1/holding/2+2:b',
    ]);
  });

  it('keeps units and tables apart, in order, and shares registers between a bit and its word', () => {
    const reqs = planReads(
      [
        p('in', 5, 1, { table: 'input' }),
        p('u2', 0, 1, { unitId: 2 }),
        p('word', 3),
        p('bit', 3, 1),
        p('coil', 0, 1, { table: 'coil' }),
        p('coil9', 9, 1, { table: 'coil' }),
      ],
      { maxGap: 8, maxRegisters: 125 },
    );
    expect(shape(reqs)).toEqual([
      '1/coil/0+10:coil,coil9',
      '1/holding/3+1:word,bit',
      '1/input/5+1:in',
      '2/holding/0+1:u2',
    ]);
  });

  it('refuses a point larger than one request can read', () => {
    expect(() => planReads([p('big', 0, 126)], { maxGap: 0, maxRegisters: 125 })).toThrow(
      RangeError,
    );
  });
});
